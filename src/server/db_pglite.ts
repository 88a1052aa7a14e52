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
//
// Durable by default: a commit returns only once its write-ahead log is on the disk, so a power
// loss or a kernel crash cannot lose a row the server has confirmed. PGlite as shipped is not: it
// starts Postgres with -F (fsync off), and even with fsync on, Emscripten's Node filesystem (NODEFS)
// has no fsync and its fdatasync is a no-op, so Postgres's syncs never reach the disk. (PGlite's
// relaxedDurability option is about its own syncToFs, which on NODEFS does nothing either.) Here
// Postgres runs with fsync=on, synchronous_commit=on and wal_sync_method=fsync, and NODEFS's fsync
// calls Node's fs.fsyncSync (DurableNodeFS below); a new folder is synced whole once initdb has
// written it. Writes reach the kernel at once either way, so a killed process never loses a commit.
//
// The cost, measured on an AMD EPYC (family 26; KVM guest, 2 vCPUs, ext4 on a virtio disk), in
// transactions like a submission's (INSERT a submission and its audit row, COMMIT): 1,185-1,505 a
// second durable against 1,945-2,300 with fsync off on a quiet machine. That is one fsync of the WAL
// per commit, about 0.25 ms. On the same machine busy with other test suites it was 345-1,014
// against 1,565-1,895. The fsync holds the event loop, like the rest of PGlite's work. Syncing a new
// folder (971 files, 40 MB) takes 150 ms, once. Figures and method: docs/contest-server.md,
// "Durability".
import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import * as path from "node:path";
import { PGlite, types } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";
import { isPgolfError, PgolfError } from "../core/error.js";
import type { Db, Queryable, QueryResult } from "./db.js";
import { processAlive, processStartTime } from "./process_alive.js";

export interface PgliteDbOptions {
  /** The database folder (created when missing), or "memory://" for a throwaway in-memory database (nothing to sync). */
  dir: string;
}

/**
 * What Postgres runs with on a database folder, set at its start and checked once it is open: a
 * commit waits for its WAL to be synced, by fsync() (fdatasync does nothing under Emscripten).
 */
export const DURABLE_SETTINGS = { fsync: "on", synchronous_commit: "on", wal_sync_method: "fsync", full_page_writes: "on" } as const;

function durableStartParams(): string[] {
  const params = PGlite.defaultStartParams.filter((p) => p !== "-F");
  for (const [name, value] of Object.entries(DURABLE_SETTINGS)) params.push("-c", `${name}=${value}`);
  return params;
}

type EmscriptenOpts = Parameters<NodeFS["init"]>[1];
type PostgresModule = Parameters<NonNullable<EmscriptenOpts["preRun"]>[number]>[0];
/** The part of Emscripten's NODEFS this file touches (not in PGlite's types). */
interface NodeFsInternals {
  stream_ops: { fsync?: (stream: { nfd: number }) => number };
  tryFSOperation?: (op: () => void) => void;
}

/** PGlite's NodeFS whose fsync reaches the disk: Postgres's fsync() becomes fs.fsyncSync on the same file. */
class DurableNodeFS extends NodeFS {
  /** Set when the hook is in place: a PGlite whose module has no NODEFS to hook must not pass for durable. */
  hooked = false;

  override async init(pg: Parameters<NodeFS["init"]>[0], opts: EmscriptenOpts): Promise<{ emscriptenOpts: EmscriptenOpts }> {
    const r = await super.init(pg, opts);
    const hook = (mod: PostgresModule) => {
      const nodefs = (mod as unknown as { NODEFS?: NodeFsInternals }).NODEFS;
      if (!nodefs?.stream_ops) return;
      nodefs.stream_ops.fsync = (stream) => {
        // tryFSOperation turns a Node error into the errno Postgres sees (which then PANICs, as it must)
        const sync = () => fs.fsyncSync(stream.nfd);
        if (nodefs.tryFSOperation) nodefs.tryFSOperation(sync);
        else sync();
        return 0;
      };
      this.hooked = true;
    };
    r.emscriptenOpts.preRun = [...(r.emscriptenOpts.preRun ?? []), hook];
    return r;
  }
}

/** Errors of a folder's fsync that mean "not supported here" (as Postgres's fsync_fname ignores them). */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EPERM", "EACCES", "EINVAL", "EBADF"]);

/** fsync of every file and folder under dir, then of dir's parent (what initdb does at its end). */
function syncTree(dir: string): void {
  const syncPath = (p: string, folder = false) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(p, "r");
      fs.fsyncSync(fd);
    } catch (e) {
      if (!folder || !DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) syncPath(p);
    }
    syncPath(d, true);
  };
  walk(dir);
  syncPath(path.dirname(dir), true);
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
    if (this.closed) throw new PgolfError("DB_CLOSED", `${what} after close()`, { fix: "open the database again (openDb) before using it", file: this.dir });
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
        throw new PgolfError("DB_OPEN", `could not create the lock file: ${(e as Error).message}`, { fix: "check that the data folder is writable and on a local disk", file: lockFile, cause: e });
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

/** Refuses a PGlite that would run without syncing (a PGlite upgrade that changed its start or its filesystem). */
async function checkDurable(pg: PGlite, hooked: boolean, dir: string): Promise<void> {
  const r = await pg.query<Record<string, string>>(`SELECT ${Object.keys(DURABLE_SETTINGS).map((k) => `current_setting('${k}') AS ${k}`).join(", ")}`);
  const off = Object.entries(DURABLE_SETTINGS).filter(([k, v]) => r.rows[0][k] !== v);
  if (!hooked || off.length > 0) {
    const what = [...(hooked ? [] : ["NODEFS has no fsync hook"]), ...off.map(([k, v]) => `${k} is ${r.rows[0][k]}, not ${v}`)].join("; ");
    throw new PgolfError("DB_OPEN", `the embedded database would not sync its commits to the disk: ${what}`, {
      file: dir,
      fix: "install the @electric-sql/pglite version package.json names (npm ci), or use a Postgres server by setting DATABASE_URL",
    });
  }
}

export async function openPgliteDb(options: PgliteDbOptions): Promise<Db> {
  const memory = options.dir.startsWith("memory://");
  const release = memory ? () => undefined : takeLock(options.dir);
  try {
    if (memory) return new PgliteDb(await PGlite.create(options.dir, { parsers: PARSERS }), options.dir, release);
    const dir = path.resolve(options.dir);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const fresh = !fs.existsSync(path.join(dir, "PG_VERSION"));
    const nodeFs = new DurableNodeFS(dir);
    const pg = await PGlite.create({ fs: nodeFs, parsers: PARSERS, startParams: durableStartParams() });
    try {
      await checkDurable(pg, nodeFs.hooked, dir);
      // initdb's files were written without a sync: sync them before the first commit counts on them
      if (fresh) syncTree(dir);
    } catch (e) {
      await pg.close().catch(() => undefined);
      throw e;
    }
    return new PgliteDb(pg, options.dir, release);
  } catch (e) {
    release();
    if (isPgolfError(e)) throw e;
    throw new PgolfError("DB_OPEN", `could not open the embedded database: ${(e as Error).message}`, {
      file: options.dir,
      fix: "check that the folder is writable and holds a PGlite database (or is empty)",
      cause: e,
    });
  }
}
