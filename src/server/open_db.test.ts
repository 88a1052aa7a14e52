// The Db conformance suite: the same tests on the embedded PGlite and on a real Postgres server
// (started for this file; skipped with a message when PostgreSQL is not installed).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { isPgolfError } from "../core/error.js";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import { rejectsWith } from "../../test/support/errors.js";
import type { Db, Queryable } from "./db.js";
import { openPgliteDb } from "./db_pglite.js";
import { openPostgresDb } from "./db_postgres.js";
import { MIGRATIONS, migrate, schemaVersion, type Migration } from "./migrations.js";
import { openDb, openDbWithMigrations } from "./open_db.js";

/** The newest migration this pgolf ships. */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-db-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh, empty database, and a way to open it again after closing it. */
interface Fresh {
  db: Db;
  reopen(): Promise<Db>;
}

interface Backend {
  name: "pglite" | "postgres";
  skip: string | false;
  fresh(): Promise<Fresh>;
}

// PGlite: initdb in wasm takes ~1.5 s, so one empty folder is made once and copied for each test.
let template: string | undefined;
let pgliteCount = 0;
const pglite: Backend = {
  name: "pglite",
  skip: false,
  async fresh() {
    if (!template) {
      template = path.join(tmp, "template");
      await (await openPgliteDb({ dir: template })).close();
    }
    const dir = path.join(tmp, `pglite-${++pgliteCount}`);
    fs.cpSync(template, dir, { recursive: true });
    return { db: await openPgliteDb({ dir }), reopen: () => openPgliteDb({ dir }) };
  },
};

let server: PostgresServer | undefined;
const pgSkip = postgresSkipReason();
const postgres: Backend = {
  name: "postgres",
  skip: pgSkip,
  async fresh() {
    server ??= await startPostgresServer();
    const url = await server.createDatabase();
    return { db: await openPostgresDb({ url }), reopen: () => openPostgresDb({ url }) };
  },
};
after(async () => server?.stop());

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

/** A contest, a user and a submission to hang results, reviews and audit rows on. */
async function seed(q: Queryable): Promise<{ userId: number; submissionId: string }> {
  await q.query("INSERT INTO contests (id, name, track, config) VALUES ('10min-16mb', 'Ten minutes', 'standard', $1)", [{ wallclock: 600 }]);
  const u = await q.query<{ id: number }>("INSERT INTO users (handle, role, token_sha256) VALUES ('ada', 'participant', $1) RETURNING id", [SHA_A]);
  const s = await q.query<{ id: string }>(
    "INSERT INTO submissions (contest_id, author_id, source, record_blob, claimed) VALUES ('10min-16mb', $1, 'upload', $2, $3) RETURNING id",
    [u.rows[0].id, SHA_B, { val_bpb: 1.2 }],
  );
  return { userId: u.rows[0].id, submissionId: s.rows[0].id };
}

for (const backend of [pglite, postgres]) {
  describe(`Db on ${backend.name}`, { skip: backend.skip || undefined }, () => {
    let fresh: Fresh;
    let db: Db;
    const open = async () => {
      fresh = await backend.fresh();
      db = fresh.db;
    };
    const close = async () => db.close();

    describe("migrations", () => {
      before(open);
      after(close);

      test("apply once, and not again on re-open", async () => {
        assert.equal(await schemaVersion(db), 0);
        assert.deepEqual(await migrate(db), { applied: MIGRATIONS.map((m) => m.version), version: MIGRATIONS.length });
        assert.deepEqual(await migrate(db), { applied: [], version: MIGRATIONS.length });
        await db.close();
        db = await fresh.reopen();
        assert.deepEqual(await migrate(db), { applied: [], version: MIGRATIONS.length });
        const rows = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
        assert.deepEqual(rows.rows.map((r) => r.version).sort((a, b) => a - b), MIGRATIONS.map((m) => m.version));
        assert.equal(await schemaVersion(db), LATEST);
      });

      test("a failing migration is rolled back whole and not recorded", async () => {
        const bad: Migration = { version: LATEST + 1, name: "half", statements: ["CREATE TABLE half_done (x int)", "SELECT no_such_function()"] };
        await rejectsWith(migrate(db, [...MIGRATIONS, bad]), "DB_MIGRATION", (e) => {
          assert.equal(e.details?.statement, 2);
          assert.equal(e.details?.sqlState, "42883");
        });
        assert.equal((await db.query("SELECT to_regclass('half_done') AS t")).rows[0].t, null);
        assert.equal(await schemaVersion(db), LATEST);
      });

      test("an applied migration that was edited is refused", async () => {
        const edited = [{ ...MIGRATIONS[0], statements: [...MIGRATIONS[0].statements, "SELECT 1"] }, ...MIGRATIONS.slice(1)];
        await rejectsWith(migrate(db, edited), "DB_MIGRATION", (e) => assert.match(e.message, /changed after it was applied/));
      });

      test("a database migrated by a newer pgolf is refused", async () => {
        await migrate(db, [...MIGRATIONS, { version: LATEST + 1, name: "future", statements: ["CREATE TABLE future (x int)"] }]);
        await rejectsWith(migrate(db), "DB_SCHEMA_NEWER");
      });
    });

    describe("results, reviews and submissions are append-only", () => {
      let ids: { userId: number; submissionId: string };
      let reviewerId: number;
      before(async () => {
        await open();
        await migrate(db);
        ids = await db.transaction(async (tx) => seed(tx));
        const r = await db.query<{ id: number }>("INSERT INTO users (handle, role, token_sha256) VALUES ('grace', 'reviewer', $1) RETURNING id", [SHA_B]);
        reviewerId = r.rows[0].id;
        await db.query(
          `INSERT INTO results (submission_id, seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker)
           VALUES ($1, 42, $2, 2.5, 1.2, 15000000, 590.5, 60, 'w1')`,
          [ids.submissionId, SHA_A],
        );
        await db.query("INSERT INTO reviews (submission_id, reviewer_id, action, reason) VALUES ($1, $2, 'request-changes', 'add the log')", [ids.submissionId, reviewerId]);
      });
      after(close);

      /** The statement is refused by the database (42501) with a message matching `message`. */
      const refused = (sql: string, params: unknown[], message: RegExp) =>
        assert.rejects(db.query(sql, params), (e: { code?: string; message: string }) => e.code === "42501" && message.test(e.message), sql);
      const row = async (table: string) => (await db.query(`SELECT * FROM ${table}`)).rows;

      test("a result is never changed or removed", async () => {
        const before = await row("results");
        await refused("UPDATE results SET val_bpb = 0.5 WHERE submission_id = $1", [ids.submissionId], /^results is append-only: UPDATE is not allowed/);
        await refused("UPDATE results SET worker = worker", [], /results is append-only: UPDATE/);
        await refused("DELETE FROM results WHERE submission_id = $1", [ids.submissionId], /results is append-only: DELETE is not allowed/);
        await refused("TRUNCATE results", [], /results is append-only: TRUNCATE/);
        assert.deepEqual(await row("results"), before);
      });

      test("a review is never changed or removed", async () => {
        const before = await row("reviews");
        await refused("UPDATE reviews SET action = 'approve', reason = ''", [], /^reviews is append-only: UPDATE is not allowed/);
        await refused("DELETE FROM reviews WHERE reviewer_id = $1", [reviewerId], /^reviews is append-only: DELETE is not allowed/);
        await refused("TRUNCATE reviews", [], /reviews is append-only: TRUNCATE/);
        assert.deepEqual(await row("reviews"), before);
      });

      test("a submission keeps its author, pack, claim, findings and times, and is never removed", async () => {
        const before = await row("submissions");
        const id = [ids.submissionId];
        await refused("UPDATE submissions SET author_id = $2 WHERE id = $1", [...id, reviewerId], /^submissions are append-only but for status: author_id may not change/);
        await refused("UPDATE submissions SET record_blob = $2 WHERE id = $1", [...id, SHA_A], /: record_blob may not change/);
        await refused("UPDATE submissions SET claimed = '{\"val_bpb\": 0.1}', findings = '[]' WHERE id = $1", id, /: claimed may not change/);
        await refused("UPDATE submissions SET created_at = now() - interval '1 day', status = 'approved' WHERE id = $1", id, /: created_at may not change/);
        await refused("UPDATE submissions SET source = 'github', github_repo = 'a/b', github_pr = 1, github_head_sha = $2 WHERE id = $1", [...id, "c".repeat(40)], /: github_head_sha, github_pr, github_repo, source may not change/);
        await refused("UPDATE submissions SET id = gen_random_uuid() WHERE id = $1", id, /: id may not change/);
        await refused("DELETE FROM submissions WHERE id = $1", id, /^submissions is append-only: DELETE is not allowed/);
        // (the tables that reference submissions are named too: without them TRUNCATE stops at the foreign keys)
        await refused("TRUNCATE submissions, results, reviews, submission_lineage, submission_credits", [], /is append-only: TRUNCATE/);
        assert.deepEqual(await row("submissions"), before, "nothing changed, the status included");
      });

      test("its status changes, as reviews and verification change it", async () => {
        const { rows } = await db.query<{ updated_at: Date }>("SELECT updated_at FROM submissions WHERE id = $1", [ids.submissionId]);
        for (const status of ["checked", "queued", "verifying", "verified", "changes-requested", "approved"]) {
          // the statement contest.ts runs
          const r = await db.query("UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1", [ids.submissionId, status]);
          assert.equal(r.affectedRows, 1, status);
        }
        const after = await db.query<{ status: string; updated_at: Date }>("SELECT status, updated_at FROM submissions WHERE id = $1", [ids.submissionId]);
        assert.equal(after.rows[0].status, "approved");
        assert.ok(after.rows[0].updated_at.getTime() > rows[0].updated_at.getTime());
        // setting a fixed column to the value it has is no change
        assert.equal((await db.query("UPDATE submissions SET author_id = author_id, status = 'rejected' WHERE id = $1", [ids.submissionId])).affectedRows, 1);
        // row locks are not updates
        await db.transaction(async (tx) => void (await tx.query("SELECT 1 FROM submissions WHERE id = $1 FOR UPDATE", [ids.submissionId])));
      });
    });

    describe("queries and transactions", () => {
      before(async () => {
        await open();
        await migrate(db);
      });
      after(close);

      test("values map to the same JavaScript types", async () => {
        const r = await db.query(
          `SELECT 9007199254740993::bigint AS big, 2::int AS int, 1.5::numeric AS num, 0.25::float8 AS f8,
                  '2024-05-01T12:00:00Z'::timestamptz AS ts, '2024-05-01'::date AS day, '1 day'::interval AS iv,
                  '{"a":[1,2]}'::jsonb AS jb, '[1]'::json AS j, ARRAY[1, 2]::bigint[] AS bigs, true AS b, NULL::text AS n,
                  '00000000-0000-0000-0000-000000000001'::uuid AS id, current_setting('TimeZone') AS tz`,
        );
        assert.deepEqual(r.rows[0], {
          big: "9007199254740993",
          int: 2,
          num: "1.5",
          f8: 0.25,
          ts: new Date("2024-05-01T12:00:00Z"),
          day: "2024-05-01",
          iv: "1 day",
          jb: { a: [1, 2] },
          j: [1],
          bigs: ["1", "2"],
          b: true,
          n: null,
          id: "00000000-0000-0000-0000-000000000001",
          tz: "UTC",
        });
      });

      test("json parameters: objects, JSON text and stringified arrays", async () => {
        const r = await db.query<{ a: unknown; b: unknown; c: unknown }>("SELECT $1::jsonb AS a, $2::jsonb AS b, $3::jsonb AS c", [
          { x: [1, "y"] },
          '{"x":2}',
          JSON.stringify([1, 2]),
        ]);
        assert.deepEqual(r.rows[0], { a: { x: [1, "y"] }, b: { x: 2 }, c: [1, 2] });
      });

      test("a transaction commits, and rolls back when its callback throws", async () => {
        const ids = await db.transaction(async (tx) => seed(tx));
        assert.equal((await db.query("SELECT count(*)::int AS n FROM submissions")).rows[0].n, 1);
        const boom = new Error("boom");
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query("UPDATE submissions SET status = 'checked' WHERE id = $1", [ids.submissionId]);
            await tx.query("INSERT INTO audit_log (actor, action, subject) VALUES ('system', 'check', $1)", [`submission:${ids.submissionId}`]);
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.equal((await db.query("SELECT status FROM submissions")).rows[0].status, "received");
        assert.equal((await db.query("SELECT count(*)::int AS n FROM audit_log")).rows[0].n, 0);
      });

      test("a failed statement aborts the transaction; the error carries the SQLSTATE", async () => {
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query("INSERT INTO contests (id, name, track) VALUES ('c2', 'Two', 'standard')");
            await tx.query("INSERT INTO contests (id, name, track) VALUES ('c2', 'Again', 'standard')");
          }),
          (e: { code?: string }) => e.code === "23505",
        );
        assert.equal((await db.query("SELECT count(*)::int AS n FROM contests WHERE id = 'c2'")).rows[0].n, 0);
      });

      test("db.query inside a transaction, and tx after it, are refused", async () => {
        await rejectsWith(
          db.transaction(async () => {
            await db.query("SELECT 1");
          }),
          "DB_TRANSACTION",
        );
        await rejectsWith(db.transaction(async () => db.transaction(async () => 1)), "DB_TRANSACTION");
        let leaked: Queryable | undefined;
        await db.transaction(async (tx) => {
          leaked = tx;
        });
        await rejectsWith(leaked!.query("SELECT 1"), "DB_TRANSACTION");
      });

      test("UNIQUE (submission_id, seed): a second result of a seed is a no-op with ON CONFLICT DO NOTHING", async () => {
        const { rows } = await db.query<{ id: string }>("SELECT id FROM submissions LIMIT 1");
        const insert = () =>
          db.query(
            `INSERT INTO results (submission_id, seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker)
             VALUES ($1, 42, $2, 2.5, 1.2, 15000000, 590.5, 60, 'w1') ON CONFLICT (submission_id, seed) DO NOTHING RETURNING id`,
            [rows[0].id, SHA_A],
          );
        const first = await insert();
        assert.equal(first.affectedRows, 1);
        assert.equal(typeof first.rows[0].id, "string");
        const second = await insert();
        assert.deepEqual([second.affectedRows, second.rows], [0, []]);
        const all = await db.query("SELECT seed, val_bpb, bytes_total, train_seconds FROM results");
        assert.deepEqual(all.rows, [{ seed: 42, val_bpb: 1.2, bytes_total: 15000000, train_seconds: 590.5 }]);
      });

      test("audit_log takes inserts and refuses UPDATE, DELETE and TRUNCATE", async () => {
        const r = await db.query<{ id: string; at: Date }>(
          "INSERT INTO audit_log (actor, action, subject, details) VALUES ('user:1', 'submit', 'submission:x', $1) RETURNING id, at",
          [{ bytes: 10 }],
        );
        assert.equal(typeof r.rows[0].id, "string");
        assert.ok(r.rows[0].at instanceof Date);
        for (const sql of ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"]) {
          await assert.rejects(db.query(sql), (e: { code?: string; message: string }) => e.code === "42501" && /append-only/.test(e.message), sql);
        }
        assert.deepEqual((await db.query("SELECT actor, details FROM audit_log")).rows, [{ actor: "user:1", details: { bytes: 10 } }]);
      });

      test("constraints: statuses, GitHub fields, handles, updated_at", async () => {
        const { rows } = await db.query<{ id: string; author_id: number; updated_at: Date }>("SELECT id, author_id, updated_at FROM submissions LIMIT 1");
        const s = rows[0];
        await assert.rejects(db.query("UPDATE submissions SET status = 'lost' WHERE id = $1", [s.id]), (e: { code?: string }) => e.code === "23514");
        await assert.rejects(
          db.query("INSERT INTO submissions (contest_id, author_id, source, record_blob) VALUES ('10min-16mb', $1, 'github', $2)", [s.author_id, SHA_A]),
          (e: { code?: string }) => e.code === "23514",
        );
        await assert.rejects(db.query("INSERT INTO users (handle) VALUES ('ADA')"), (e: { code?: string }) => e.code === "23505");
        await assert.rejects(
          db.query("INSERT INTO reviews (submission_id, reviewer_id, action) VALUES ($1, $2, 'reject')", [s.id, s.author_id]),
          (e: { code?: string }) => e.code === "23514",
        );
        const u = await db.query<{ updated_at: Date }>("UPDATE submissions SET status = 'checked' WHERE id = $1 RETURNING updated_at", [s.id]);
        assert.ok(u.rows[0].updated_at.getTime() > s.updated_at.getTime());
      });

      test("webhook deliveries are recorded once", async () => {
        const sql = "INSERT INTO webhook_deliveries (delivery_id, event) VALUES ($1, 'pull_request') ON CONFLICT DO NOTHING";
        assert.equal((await db.query(sql, ["d-1"])).affectedRows, 1);
        assert.equal((await db.query(sql, ["d-1"])).affectedRows, 0);
      });

      test("data survives close and re-open", async () => {
        await db.close();
        await rejectsWith(db.query("SELECT 1"), "DB_CLOSED");
        db = await fresh.reopen();
        assert.deepEqual((await db.query("SELECT handle FROM users")).rows, [{ handle: "ada" }]);
        assert.deepEqual((await db.query("SELECT config FROM contests WHERE id = '10min-16mb'")).rows, [{ config: { wallclock: 600 } }]);
        assert.equal((await db.query("SELECT count(*)::int AS n FROM results")).rows[0].n, 1);
      });
    });
  });
}

describe("openDb", () => {
  test("without a URL: PGlite in <dataDir>/db, migrated", async () => {
    const dataDir = path.join(tmp, "server-data");
    fs.mkdirSync(dataDir);
    if (!template) await (await pglite.fresh()).db.close();
    fs.cpSync(template!, path.join(dataDir, "db"), { recursive: true }); // an empty database, as initdb leaves it
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const { db, migrations } = await openDbWithMigrations({ dataDir });
      assert.equal(db.kind, "pglite");
      assert.deepEqual(migrations?.applied, MIGRATIONS.map((m) => m.version));
      await db.close();
      const again = await openDb({ dataDir });
      assert.equal(await schemaVersion(again), LATEST);
      await again.close();
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });

  test("with DATABASE_URL: that Postgres server", { skip: pgSkip || undefined }, async () => {
    server ??= await startPostgresServer();
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = await server.createDatabase();
    try {
      const db = await openDb({ dataDir: path.join(tmp, "unused") });
      assert.equal(db.kind, "postgres");
      assert.equal(await schemaVersion(db), LATEST);
      await db.close();
      assert.equal(fs.existsSync(path.join(tmp, "unused")), false);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  test("an unreachable server is DB_OPEN, without the password", async () => {
    await rejectsWith(openDb({ dataDir: tmp, url: "postgres://u:secret@127.0.0.1:1/x" }), "DB_OPEN", (e) => {
      assert.ok(isPgolfError(e));
      assert.doesNotMatch(e.describe(), /secret/);
    });
  });
});
