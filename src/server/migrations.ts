// Schema migrations: an ordered list, each applied once, in its own transaction, and recorded in
// schema_migrations with a checksum of its SQL. A transaction-scoped advisory lock makes processes
// that migrate the same database at once (pgolf serve and pgolf worker starting together) take
// turns: the second waits, then sees the first one's rows and applies nothing.
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import type { Db, Queryable } from "./db.js";
import { SCHEMA_V1, SCHEMA_V3_FLEET, SCHEMA_V4_SESSIONS, SCHEMA_V5_APPEND_ONLY, SCHEMA_V6_IDENTITIES, SCHEMA_V7_RESUBMIT, SCHEMA_V8_UPLOAD_QUOTA, SCHEMA_V9_LINEAGE } from "./schema.js";

export interface Migration {
  /** 1, 2, 3...: strictly increasing. */
  version: number;
  name: string;
  /** Run in order, one query each. */
  statements: readonly string[];
}

/** Every migration of the contest schema, oldest first. Append; never edit or remove one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "contest schema", statements: SCHEMA_V1 },
  {
    version: 2,
    name: "worker accounts",
    statements: [
      `ALTER TABLE users DROP CONSTRAINT users_role_check`,
      `ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('participant', 'reviewer', 'admin', 'worker'))`,
    ],
  },
  { version: 3, name: "worker fleet", statements: SCHEMA_V3_FLEET },
  { version: 4, name: "sign-in sessions", statements: SCHEMA_V4_SESSIONS },
  { version: 5, name: "append-only results, reviews and submissions", statements: SCHEMA_V5_APPEND_ONLY },
  { version: 6, name: "GitHub ids, webhook bodies, results per submission", statements: SCHEMA_V6_IDENTITIES },
  { version: 7, name: "re-submission", statements: SCHEMA_V7_RESUBMIT },
  { version: 8, name: "upload quota", statements: SCHEMA_V8_UPLOAD_QUOTA },
  { version: 9, name: "lineage and accepted credits", statements: SCHEMA_V9_LINEAGE },
];

export interface MigrateResult {
  /** Versions this call applied (empty when the database was up to date). */
  applied: number[];
  /** The newest version now in the database. */
  version: number;
}

/** pg_advisory_xact_lock key: "pgolf-mi" as a 64-bit number. */
const LOCK_KEY = "8099564966210530665";

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export function migrationChecksum(m: Migration): string {
  return sha256(m.statements.join("\n;\n"));
}

function checkList(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new PgolfError("DB_MIGRATION", `migration "${m.name}" has version ${m.version}, not above the previous ${last}`, {
        fix: "number migrations 1, 2, 3... in the order they are listed",
      });
    }
    last = m.version;
  }
}

/** Applies the migrations the database lacks. Safe to call from several processes at once. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  checkList(migrations);
  const applied: number[] = [];
  const newestKnown = migrations.length ? migrations[migrations.length - 1].version : 0;
  let version = 0;
  for (const m of migrations) {
    const did = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      await tx.query(CREATE_TABLE);
      const done = await appliedVersions(tx);
      const newer = done.filter((d) => d.version > newestKnown);
      if (newer.length > 0) {
        throw new PgolfError("DB_SCHEMA_NEWER", `the database has schema version ${newer[newer.length - 1].version}, this pgolf knows up to ${newestKnown}`, {
          fix: "upgrade pgolf to the version that migrated this database",
          details: { database: newer.map((d) => d.version), known: newestKnown },
        });
      }
      const checksum = migrationChecksum(m);
      const row = done.find((d) => d.version === m.version);
      if (row) {
        if (row.checksum !== checksum) {
          throw new PgolfError("DB_MIGRATION", `migration ${m.version} ("${m.name}") was changed after it was applied to this database`, {
            fix: "restore the migration's original SQL and put the change in a new migration",
            details: { version: m.version, applied: row.checksum, now: checksum },
          });
        }
        return false;
      }
      for (const [i, sql] of m.statements.entries()) {
        try {
          await tx.query(sql);
        } catch (e) {
          throw new PgolfError("DB_MIGRATION", `migration ${m.version} ("${m.name}"), statement ${i + 1}: ${(e as Error).message}`, {
            fix: "nothing of this migration was applied (it was rolled back); fix the statement or the database and start again",
            details: { version: m.version, statement: i + 1, sql, sqlState: (e as { code?: unknown }).code },
            cause: e,
          });
        }
      }
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [m.version, m.name, checksum]);
      return true;
    });
    if (did) applied.push(m.version);
    version = m.version;
  }
  return { applied, version };
}

async function appliedVersions(q: Queryable): Promise<{ version: number; checksum: string }[]> {
  const r = await q.query<{ version: number; checksum: string }>("SELECT version, checksum FROM schema_migrations ORDER BY version");
  return r.rows;
}

/** The newest applied version, 0 for a database never migrated. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const t = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (t.rows[0].t === null) return 0;
  const r = await db.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
  return r.rows[0].v ?? 0;
}
