// The contest database, as the rest of the server sees it: SQL with positional parameters ($1, $2...)
// and transactions, over either an embedded PGlite (the default: Postgres in-process, data in a
// folder, no setup) or a Postgres server named by DATABASE_URL. Same SQL, same schema and migrations
// on both (see migrations.ts).

export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted by the statement. */
  affectedRows: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Db extends Queryable {
  /** "pglite" (embedded) or "postgres" (a server). */
  readonly kind: "pglite" | "postgres";
  /** Runs fn in one transaction (BEGIN ... COMMIT; ROLLBACK when fn throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs a script: one or more statements separated by ";", without parameters and without
   * results (Postgres's simple query protocol; query() runs exactly one statement on PGlite). A
   * script may BEGIN and COMMIT its own transaction; when a statement fails, the rest is skipped,
   * an open transaction is rolled back, and the error is thrown. Like query(), it may not be
   * called inside a transaction's callback.
   */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
