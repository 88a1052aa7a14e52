// Opens the contest database: the Postgres server named by `url` (or DATABASE_URL) when there is
// one, otherwise the embedded PGlite in <dataDir>/db. Then brings its schema up to date.
import * as path from "node:path";
import type { Db } from "./db.js";
import { openPgliteDb } from "./db_pglite.js";
import { openPostgresDb } from "./db_postgres.js";
import { migrate, type MigrateResult } from "./migrations.js";

export interface OpenDbOptions {
  /** The server's data folder; the embedded database lives in <dataDir>/db. */
  dataDir: string;
  /** A postgres:// URL; default process.env.DATABASE_URL. Empty means "none". */
  url?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export interface OpenedDb {
  db: Db;
  /** What migrate() did; undefined when migrate was false. */
  migrations?: MigrateResult;
}

export function embeddedDbDir(dataDir: string): string {
  return path.join(dataDir, "db");
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  return (await openDbWithMigrations(options)).db;
}

/** openDb, also reporting which migrations ran (for `pgolf serve`'s startup log). */
export async function openDbWithMigrations(options: OpenDbOptions): Promise<OpenedDb> {
  const url = options.url ?? process.env.DATABASE_URL;
  const db = url ? await openPostgresDb({ url }) : await openPgliteDb({ dir: embeddedDbDir(options.dataDir) });
  if (options.migrate === false) return { db };
  try {
    return { db, migrations: await migrate(db) };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
