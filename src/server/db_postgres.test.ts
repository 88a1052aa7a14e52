// What is particular to a Postgres server: several processes migrate it at once, and connections
// can be dropped under the pool.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import type { Db } from "./db.js";
import { openPostgresDb, redactUrl } from "./db_postgres.js";
import { MIGRATIONS, migrate, type Migration } from "./migrations.js";

test("redactUrl hides the password", () => {
  assert.equal(redactUrl("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
  assert.equal(redactUrl("postgres://u@h/db"), "postgres://u@h/db");
});

describe("Postgres server", { skip: postgresSkipReason() || undefined }, () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgresServer();
  });
  after(async () => server?.stop());

  test("migrators running at once apply each migration once", async () => {
    const url = await server.createDatabase();
    // A slow second migration widens the window; applying it twice would fail on CREATE TABLE.
    const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
    const slow: Migration = { version: latest + 1, name: "slow", statements: ["SELECT pg_sleep(0.2)", "CREATE TABLE slow_table (x int)"] };
    const dbs: Db[] = await Promise.all([1, 2, 3, 4].map(() => openPostgresDb({ url, maxConnections: 2 })));
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db, [...MIGRATIONS, slow])));
      const all = [...MIGRATIONS.map((m) => m.version), latest + 1];
      assert.deepEqual(results.flatMap((r) => r.applied).sort((a, b) => a - b), all);
      assert.ok(results.every((r) => r.version === latest + 1));
      const rows = await dbs[0].query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      assert.deepEqual(rows.rows.map((r) => r.version), all);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  test("transactions on separate connections run side by side", async () => {
    const db = await openPostgresDb({ url: await server.createDatabase() });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = db.transaction(async (tx) => {
        await tx.query("SELECT 1");
        await gate; // held open while the second transaction runs and commits
        return "first";
      });
      assert.equal(await db.transaction(async (tx) => (await tx.query<{ v: string }>("SELECT 'second' AS v")).rows[0].v), "second");
      release();
      assert.equal(await first, "first");
    } finally {
      await db.close();
    }
  });

  test("a connection killed by the server is replaced; the process does not crash", async () => {
    const url = await server.createDatabase();
    const db = await openPostgresDb({ url });
    const killer = await openPostgresDb({ url });
    try {
      await db.query("SELECT 1");
      await killer.transaction(async (tx) => {
        const me = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await tx.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1", [me.rows[0].pid]);
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual((await db.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
    } finally {
      await db.close();
      await killer.close();
    }
  });
});
