// Db over a Postgres server (node-postgres Pool), named by a postgres:// URL, usually DATABASE_URL.
// Each transaction holds one pooled connection from BEGIN to COMMIT/ROLLBACK; plain queries take
// any free connection. Sessions run in UTC. Values come back as in db_pglite.ts (see schema.ts):
// bigint and numeric as strings, timestamptz as Date, date and interval as strings, json parsed.
//
// When the server goes away (restarted, its backends terminated, the network down), nothing here
// crashes the process or waits forever: a lost connection, idle in the pool or held by a
// transaction, is dropped and replaced on the next query; a query or transaction that needed it
// fails with DB_UNAVAILABLE (HTTP 503), and Postgres rolls the interrupted transaction back.
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { PgolfError } from "../core/error.js";
import type { Db, Queryable, QueryResult } from "./db.js";

export interface PostgresDbOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Most connections the pool opens; default 10. */
  maxConnections?: number;
  /** Milliseconds to wait for a new connection (or a free one) before DB_UNAVAILABLE; default 5000. */
  connectTimeoutMs?: number;
}

/** SQLSTATEs that mean the connection, not the statement, failed: class 08, and the server shutting down or starting. */
const CONNECTION_SQLSTATE = /^(08...|57P01|57P02|57P03)$/;
const CONNECTION_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);
/** node-postgres's own messages for a lost or unobtainable connection. */
const CONNECTION_MESSAGE = /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout|Client was closed/i;

/** Whether an error from node-postgres means the database could not be reached (rather than a bad statement). */
export function isConnectionError(e: unknown): boolean {
  if (e === null || typeof e !== "object") return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  return CONNECTION_MESSAGE.test(String((e as { message?: unknown }).message ?? ""));
}

/** A connection failure as DB_UNAVAILABLE; any other error unchanged. */
function unavailable(e: unknown, where: string): unknown {
  if (e instanceof PgolfError || !isConnectionError(e)) return e;
  return new PgolfError("DB_UNAVAILABLE", `the database server could not be reached or dropped the connection: ${(e as Error).message}`, {
    file: where,
    fix: "retry in a few seconds (an interrupted change was rolled back, and uploads, reviews and results are safe to send again); if it persists, check that the Postgres server of DATABASE_URL is running",
    details: { cause: (e as { code?: unknown }).code ?? null },
    cause: e,
  });
}

const OID = { DATE: 1082, INTERVAL: 1186, TEXT_ARRAY: 1009, DATE_ARRAY: 1182, INTERVAL_ARRAY: 1187 };

/** node-postgres's parsers, except date and interval stay strings (as on PGlite). */
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === OID.DATE || oid === OID.INTERVAL) return (x: string) => x;
    if (oid === OID.DATE_ARRAY || oid === OID.INTERVAL_ARRAY) return pg.types.getTypeParser(OID.TEXT_ARRAY, format ?? "text");
    return pg.types.getTypeParser(oid, format ?? "text");
  }) as typeof pg.types.getTypeParser,
};

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(a DATABASE_URL that is not a valid URL)";
  }
}

class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  private readonly inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.guard("db.query");
    try {
      return toResult<R>(await this.pool.query(sql, params));
    } catch (e) {
      throw unavailable(e, this.where);
    }
  }

  async exec(sql: string): Promise<void> {
    this.guard("db.exec");
    // One connection for the whole script, so a script's own BEGIN ... COMMIT stays on it, and a
    // failed script's open transaction is rolled back before the connection goes back to the pool.
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query(sql);
    } catch (e) {
      if (!(e instanceof pg.DatabaseError) || isConnectionError(e)) broken = e as Error;
      else await client.query("ROLLBACK").catch((r: Error) => (broken = r)); // a warning only when no transaction is open
      throw unavailable(e, this.where);
    } finally {
      client.release(broken ?? client.lost);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.guard("db.transaction");
    const client = await this.connect();
    const state = { open: true };
    const tx: Queryable = {
      query: async <R>(sql: string, params?: unknown[]) => {
        if (!state.open) throw txEnded();
        try {
          return toResult<R>(await client.query(sql, params));
        } catch (e) {
          throw unavailable(e, this.where);
        }
      },
    };
    // A connection whose BEGIN, COMMIT or ROLLBACK failed for a reason other than an error the
    // server reported may be half-broken: release(err) drops it from the pool.
    let broken: Error | undefined;
    const control = async (sql: string) => {
      try {
        await client.query(sql);
      } catch (e) {
        if (!(e instanceof pg.DatabaseError) || isConnectionError(e)) broken = e as Error;
        throw e;
      }
    };
    try {
      await control("BEGIN");
      let result: T;
      try {
        result = await this.inTransaction.run(state, () => fn(tx));
      } catch (e) {
        state.open = false;
        await control("ROLLBACK").catch(() => undefined); // the error that matters is e
        throw e;
      }
      state.open = false;
      await control("COMMIT");
      return result;
    } catch (e) {
      throw unavailable(e, this.where);
    } finally {
      state.open = false;
      client.release(broken ?? client.lost);
    }
  }

  /**
   * A pooled connection, watched while it is checked out: node-postgres emits "error" on a client
   * whose connection dies between queries (the pool listens only while it is idle), and an
   * unheard "error" event would crash the process. The error is kept, and release() then drops
   * the connection instead of pooling it.
   */
  private async connect(): Promise<pg.PoolClient & { lost?: Error }> {
    let client: pg.PoolClient & { lost?: Error };
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw unavailable(e, this.where);
    }
    client.lost = undefined;
    const onError = (e: Error) => (client.lost = e);
    client.on("error", onError);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.off("error", onError);
      release(err);
    };
    return client;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private guard(what: string): void {
    if (this.closed) throw new PgolfError("DB_CLOSED", `${what} after close()`, { fix: "open the database again (openDb) before using it", file: this.where });
    if (this.inTransaction.getStore()?.open) {
      throw new PgolfError("DB_TRANSACTION", `${what} was called inside a transaction, outside of it`, {
        fix: "run the query through the tx argument of the transaction callback",
      });
    }
  }
}

function toResult<R>(r: pg.QueryResult): QueryResult<R> {
  return { rows: r.rows as R[], affectedRows: r.command === "SELECT" ? 0 : (r.rowCount ?? 0) };
}

function txEnded(): PgolfError {
  return new PgolfError("DB_TRANSACTION", "a transaction's tx was used after the transaction ended", {
    fix: "await every query inside the transaction callback",
  });
}

/** Connects once before returning, so a wrong URL fails here with DB_OPEN. */
export async function openPostgresDb(options: PostgresDbOptions): Promise<Db> {
  const where = redactUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
    types: TYPES,
    onConnect: async (client) => {
      await client.query("SET TIME ZONE 'UTC'");
    },
  });
  // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new PgolfError("DB_OPEN", `could not connect to Postgres: ${(e as Error).message}`, {
      file: where,
      fix: "check DATABASE_URL (host, port, user, password, database) and that the server is running",
      cause: e,
    });
  }
  return new PostgresDb(pool, where);
}
