// The verify job queue on the embedded PGlite and on a real Postgres server (started for this file;
// skipped with a message when PostgreSQL is not installed).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import { rejectsWith } from "../../test/support/errors.js";
import type { Db } from "./db.js";
import { openDb } from "./open_db.js";
import { openQueue, type JobQueue, type QueueOptions } from "./queue.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-queue-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let server: PostgresServer | undefined;
after(async () => server?.stop());

interface Backend {
  name: "pglite" | "postgres";
  skip: string | false;
  /** Opens (migrated) the same database each time it is called. */
  opener(): Promise<() => Promise<Db>>;
}

const backends: Backend[] = [
  {
    name: "pglite",
    skip: false,
    async opener() {
      // initdb in wasm takes seconds: one migrated data folder is made once and copied for each test.
      const template = path.join(tmp, "template");
      if (!fs.existsSync(template)) await (await openDb({ dataDir: template, url: "" })).close();
      const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
      fs.cpSync(template, dataDir, { recursive: true });
      return () => openDb({ dataDir, url: "" });
    },
  },
  {
    name: "postgres",
    skip: postgresSkipReason(),
    async opener() {
      server ??= await startPostgresServer();
      const url = await server.createDatabase();
      return () => openDb({ dataDir: path.join(tmp, "unused"), url });
    },
  },
];

/** Fast settings: no retry delay, no maintenance timer unless a test asks for one. */
const FAST: QueueOptions = { retryDelaySeconds: 0, retryBackoff: false, maintenanceIntervalSeconds: 0 };

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

for (const backend of backends) {
  describe(`job queue on ${backend.name}`, { skip: backend.skip || undefined }, () => {
    let open: () => Promise<Db>;
    let db: Db;
    let queue: JobQueue;
    let n = 0;
    /** A fresh database and queue with these options. */
    const fresh = async (opts: QueueOptions = FAST) => {
      open = await backend.opener();
      db = await open();
      queue = await openQueue(db, { ...opts, schema: `boss${++n}` });
    };
    const close = async () => {
      await queue.stop();
      await db.close();
    };

    test("Db.exec (pg-boss's scripts): runs statements in order; a failed script rolls back and leaves the Db usable", async () => {
      open = await backend.opener();
      db = await open();
      try {
        await db.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
        await assert.rejects(db.exec("BEGIN; INSERT INTO t VALUES (3); SELECT no_such_function(); COMMIT;"), (e: { code?: string }) => e.code === "42883");
        assert.deepEqual((await db.query("SELECT x FROM t ORDER BY x")).rows, [{ x: 1 }, { x: 2 }]);
        await db.transaction(async (tx) => tx.query("INSERT INTO t VALUES (4)"));
        assert.equal((await db.query("SELECT count(*)::int AS n FROM t")).rows[0].n, 3);
      } finally {
        await db.close();
      }
    });

    test("enqueue, fetch, complete; a double enqueue is one job", async () => {
      const baseline = timeouts();
      await fresh({ ...FAST, maintenanceIntervalSeconds: 1 });
      try {
        const id = await queue.enqueue({ submissionId: "7", seed: 42, artifactSha256: "a".repeat(64) });
        assert.match(id ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(await queue.enqueue({ submissionId: "7", seed: 42 }), null);
        assert.notEqual(await queue.enqueue({ submissionId: "7", seed: 43 }), null);
        assert.notEqual(await queue.enqueue({ submissionId: "8", seed: 1 }, { singletonKey: "custom" }), null);
        assert.equal(await queue.enqueue({ submissionId: "9", seed: 2 }, { singletonKey: "custom" }), null);
        assert.deepEqual(await queue.stats(), { created: 3, retry: 0, active: 0, completed: 0, cancelled: 0, failed: 0 });

        const job = await queue.fetch("w1");
        assert.deepEqual(job, { id, data: { submissionId: "7", seed: 42, artifactSha256: "a".repeat(64) }, retryCount: 0 });
        assert.deepEqual((await queue.job(id!))?.output, { worker: "w1" });
        assert.equal(await queue.complete(id!, { valBpb: 1.2 }), true);
        assert.equal(await queue.complete(id!, { valBpb: 1.3 }), false);
        const done = await queue.job(id!);
        assert.deepEqual([done?.state, done?.output], ["completed", { valBpb: 1.2 }]);
        assert.equal(await queue.enqueue({ submissionId: "7", seed: 42 }), null, "a completed job is not enqueued again");
        assert.deepEqual(await queue.stats(), { created: 2, retry: 0, active: 0, completed: 1, cancelled: 0, failed: 0 });
      } finally {
        await close();
      }
      await rejectsWith(queue.fetch("w1"), "DB_CLOSED"); // not an empty queue
      assert.equal(timeouts(), baseline, "stop() leaves no timers");
    });

    test("a job whose worker dies is fetched again after its expiration", async () => {
      await fresh({ ...FAST, expireInSeconds: 2, maintenanceIntervalSeconds: 1 });
      try {
        const id = await queue.enqueue({ submissionId: "1", seed: 1 });
        assert.equal((await queue.fetch("dies"))?.id, id);
        assert.equal(await queue.fetch("w2"), null);
        // The maintenance timer (every second) expires it once it is 2 s old.
        let again = null;
        for (let i = 0; i < 40 && !again; i++) {
          await sleep(250);
          again = await queue.fetch("w2");
        }
        assert.deepEqual([again?.id, again?.retryCount], [id, 1]);
        assert.equal(await queue.complete(id!, { ok: true }), true);
      } finally {
        await close();
      }
    });

    test("a failing job is retried up to retryLimit, then ends failed", async () => {
      await fresh({ ...FAST, retryLimit: 2 });
      try {
        const id = await queue.enqueue({ submissionId: "2", seed: 5 });
        for (const attempt of [0, 1, 2]) {
          const job = await queue.fetch("w");
          assert.deepEqual([job?.id, job?.retryCount], [id, attempt]);
          assert.equal(await queue.fail(id!, new Error(`attempt ${attempt} broke`)), true);
        }
        assert.equal(await queue.fetch("w"), null);
        const j = await queue.job(id!);
        assert.deepEqual([j?.state, j?.retryCount, j?.retryLimit], ["failed", 2, 2]);
        assert.deepEqual(j?.output, { message: "attempt 2 broke", name: "Error" });
        assert.equal((await queue.stats()).failed, 1);
      } finally {
        await close();
      }
    });

    test("expiration on the last attempt fails the job (maintain() on demand)", async () => {
      await fresh({ ...FAST, retryLimit: 0, expireInSeconds: 1 });
      try {
        const id = await queue.enqueue({ submissionId: "3", seed: 3 });
        assert.equal((await queue.fetch("dies"))?.id, id);
        await sleep(1100);
        await queue.maintain();
        assert.equal((await queue.job(id!))?.state, "failed");
        assert.equal(await queue.complete(id!, {}), false, "a late worker's result is refused");
      } finally {
        await close();
      }
    });

    test("jobs survive closing and reopening the database", async () => {
      await fresh();
      const a = await queue.enqueue({ submissionId: "4", seed: 1 });
      const b = await queue.enqueue({ submissionId: "4", seed: 2 });
      assert.equal((await queue.fetch("w"))?.id, a);
      await queue.complete(a!, { ok: 1 });
      await close();

      db = await open();
      queue = await openQueue(db, { ...FAST, schema: `boss${n}` });
      try {
        assert.deepEqual(await queue.stats(), { created: 1, retry: 0, active: 0, completed: 1, cancelled: 0, failed: 0 });
        assert.equal(await queue.enqueue({ submissionId: "4", seed: 2 }), null);
        assert.equal((await queue.fetch("w"))?.id, b);
      } finally {
        await close();
      }
    });
  });
}
