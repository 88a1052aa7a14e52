// Db over an embedded PGlite: Postgres compiled to wasm, running in this process, data in a folder.
//
// PGlite has one connection. Transactions therefore take turns: a mutex is held from BEGIN to
// COMMIT/ROLLBACK, and every query outside a transaction waits for it too (PGlite's own query()
// would otherwise run inside whichever transaction happens to be open). Calling db.query or
// db.transaction from inside a transaction's callback would wait for itself, so it throws
// DB_TRANSACTION instead: use the tx argument.
//
// PGlite does not stop a second process from opening the same folder (which would corrupt it), so
// the folder is guarded by a lock file beside it, "<dir>.lock", holding the owner's pid and, on
// Linux, its start time. A lock whose process is gone (killed: a zombie counts as gone; or its pid
// now another process's, as after a container restart) is taken over, and PGlite recovers the
// folder from its write-ahead log, as Postgres does after a crash.
import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import * as path from "node:path";
import { PGlite, types } from "@electric-sql/pglite";
import { PgolfError } from "../core/error.js";
import type { Db, Queryable, QueryResult } from "./db.js";
import { processAlive, processStartTime } from "./process_alive.js";

export interface PgliteDbOptions {
  /** The database folder (created when missing), or "memory://" for a throwaway in-memory database. */
  dir: string;
}

/** Same JavaScript types as db_postgres.ts: bigint and date as strings (PGlite's defaults are number|bigint and Date). */
const PARSERS = {
  [types.INT8]: (x: string) => x,
  [types.DATE]: (x: string) => x,
};

class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

class PgliteDb implements Db {
  readonly kind = "pglite" as const;
  private readonly mutex = new Mutex();
  private readonly inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  private closed = false;

  constructor(
    private readonly pg: PGlite,
    readonly dir: string,
    private readonly releaseLock: () => void,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.guard("db.query");
    return this.mutex.run(() => this.run<R>(sql, params));
  }

  async exec(sql: string): Promise<void> {
    this.guard("db.exec");
    return this.mutex.run(async () => {
      try {
        await this.pg.exec(sql);
      } catch (e) {
        // A script that opened a transaction and failed leaves it open (and aborted).
        if (this.pg.isInTransaction()) await this.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.guard("db.transaction");
    return this.mutex.run(async () => {
      const state = { open: true };
      const tx: Queryable = {
        query: async <R>(sql: string, params?: unknown[]) => {
          if (!state.open) throw txEnded();
          return this.run<R>(sql, params);
        },
      };
      await this.run("BEGIN");
      let result: T;
      try {
        result = await this.inTransaction.run(state, () => fn(tx));
      } catch (e) {
        state.open = false;
        await this.run("ROLLBACK").catch(() => undefined); // the error that matters is e
        throw e;
      }
      state.open = false;
      await this.run("COMMIT");
      return result;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.mutex.run(() => this.pg.close());
    } finally {
      this.releaseLock();
    }
  }

  private guard(what: string): void {
    if (this.closed) throw new PgolfError("DB_CLOSED", `${what} after close()`, { file: this.dir });
    if (this.inTransaction.getStore()?.open) {
      throw new PgolfError("DB_TRANSACTION", `${what} was called inside a transaction; it would wait for that transaction to end`, {
        fix: "run the query through the tx argument of the transaction callback",
      });
    }
  }

  private async run<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.pg.query<R>(sql, params);
    return { rows: r.rows, affectedRows: r.affectedRows ?? 0 };
  }
}

function txEnded(): PgolfError {
  return new PgolfError("DB_TRANSACTION", "a transaction's tx was used after the transaction ended", {
    fix: "await every query inside the transaction callback",
  });
}

/** Takes "<dir>.lock" for this process; a lock left by a process that no longer runs is taken over. */
function takeLock(dir: string): () => void {
  const lockFile = `${path.resolve(dir)}.lock`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n${processStartTime(process.pid) ?? ""}\n`, { flag: "wx" });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new PgolfError("DB_OPEN", `could not create the lock file: ${(e as Error).message}`, { file: lockFile, cause: e });
      }
    }
    const [pidLine, startLine] = fs.readFileSync(lockFile, "utf8").split("\n");
    const owner = Number.parseInt(pidLine, 10);
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner, startLine?.trim() || null)) {
      const self = owner === process.pid ? " (this process: open it once and share the Db)" : "";
      throw new PgolfError("DB_LOCKED", `the embedded database is open in process ${owner}${self}`, {
        file: dir,
        fix: "stop that process, or run both against one Postgres server by setting DATABASE_URL",
        details: { pid: owner, lockFile },
      });
    }
    fs.rmSync(lockFile, { force: true });
  }
  throw new PgolfError("DB_LOCKED", "could not take the database lock", { file: lockFile, fix: `remove ${lockFile} if no pgolf process is running` });
}

export async function openPgliteDb(options: PgliteDbOptions): Promise<Db> {
  const memory = options.dir.startsWith("memory://");
  const release = memory ? () => undefined : takeLock(options.dir);
  try {
    if (!memory) fs.mkdirSync(path.dirname(path.resolve(options.dir)), { recursive: true });
    const pg = await PGlite.create(memory ? options.dir : path.resolve(options.dir), { parsers: PARSERS });
    return new PgliteDb(pg, options.dir, release);
  } catch (e) {
    release();
    throw new PgolfError("DB_OPEN", `could not open the embedded database: ${(e as Error).message}`, {
      file: options.dir,
      fix: "check that the folder is writable and holds a PGlite database (or is empty)",
      cause: e,
    });
  }
}
