// The contest's rules on a real database, embedded PGlite and a real Postgres server alike: tokens
// and roles, intake of record folders with their checks (original-format folders made at test time,
// test/support/original_record.ts), the per-author limit, reviews with
// reasons, results recorded once per (artifact, seed), an audit trail of every step, and the daily
// upload quota with the collection of withdrawn packs.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { writeRoleRecord, type OriginalRecordRole } from "../../test/support/original_record.js";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import { packRecordFolder } from "../artifact/pack.js";
import { BlobStore } from "./blob_store.js";
import { Contest, type User } from "./contest.js";
import { contestConfigOf, DEFAULT_CONTEST_CONFIG, MAX_UPLOAD_QUOTA_BYTES, parseContestConfigPatch } from "./contest_config.js";
import type { Db } from "./db.js";
import { openDb } from "./open_db.js";

const work = tempDir();
const records = path.join(work, "records", "track_10min_16mb");
const folder = (role: OriginalRecordRole) => writeRoleRecord(records, role);

function suite(name: string, open: () => Promise<Db>, skip: string | false) {
  describe(name, { skip: skip || undefined }, () => {
    let db: Db;
    let contest: Contest;
    let admin: User;
    before(async () => {
      db = await open();
      contest = await Contest.open(db, new BlobStore(fs.mkdtempSync(path.join(work, "blobs-"))), { id: "main", name: "Parameter Golf", track: "10min-16mb", maxOpenPerAuthor: 2 });
      // a ranked track with no course copies: the course rule takes FineWeb records only as private (course_rule.ts)
      ({ user: admin } = await contest.accounts.addUser("admin", "admin"));
      await contest.configure(admin, { private_validation_courses: ["fineweb-sp1024"] });
    });
    after(async () => db?.close());

    test("intake, limits, review, results and the audit trail", async () => {
      const { token } = await contest.accounts.addUser("alice", "participant");
      const { token: rtoken } = await contest.accounts.addUser("rita", "reviewer");
      const alice = await contest.accounts.authenticate(`Bearer ${token}`);
      const rita = await contest.accounts.authenticate(`Bearer ${rtoken}`);
      await rejectsWith(contest.accounts.authenticate("Bearer nope"), "HTTP_UNAUTHORIZED");
      await rejectsWith(contest.accounts.authenticate(undefined), "HTTP_UNAUTHORIZED");

      // a clean record goes to the queue; one reporting its best seed waits for changes
      const clean = await contest.submissions.submit(alice, packRecordFolder(folder("threeSeeds")));
      assert.equal(clean.status, "checked", JSON.stringify(clean.findings));
      assert.equal(clean.claimed.val_bpb, 1.07983273);
      const best = await contest.submissions.submit(alice, packRecordFolder(folder("bestSeed")));
      assert.equal(best.status, "changes-requested");
      assert.ok(best.findings.some((f) => f.kind === "score-mismatch" && /best seed/.test(f.message)));
      // the per-author limit (2 open)
      await rejectsWith(contest.submissions.submit(alice, packRecordFolder(folder("baseline"))), "HTTP_RATE_LIMITED");
      assert.deepEqual((await contest.submissions.queue()).map((s) => s.id), [clean.id]);

      // reviews: participants may not; reasons are required to refuse; a decided submission stays decided
      await rejectsWith(contest.submissions.review(alice, clean.id, "approve", ""), "HTTP_FORBIDDEN");
      await rejectsWith(contest.submissions.review(rita, best.id, "reject", " "), "HTTP_BAD_REQUEST");
      const rejected = await contest.submissions.review(rita, best.id, "reject", "the score is the best seed, not the mean");
      assert.equal(rejected.status, "rejected");
      await rejectsWith(contest.submissions.review(rita, best.id, "approve", ""), "HTTP_CONFLICT");

      // a result is recorded once, however often the job runs
      const result = { seed: 42, artifact_sha256: "a".repeat(64), val_loss: 2.79, val_bpb: 1.0799, bytes_total: 15_992_995, train_seconds: 588, eval_seconds: 330 };
      assert.equal(await contest.verification.recordResult(clean.id, result, "worker-1"), true);
      assert.equal(await contest.verification.recordResult(clean.id, result, "worker-2"), false);
      const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM results WHERE submission_id = $1`, [clean.id]);
      assert.equal(n.rows[0].n, 1);

      // approval waits for the fleet's reproduction; only an admin may override it, with a reason
      await rejectsWith(contest.submissions.review(rita, clean.id, "approve", ""), "HTTP_CONFLICT");
      await rejectsWith(contest.submissions.review(rita, clean.id, "approve", "trusted", { override: true }), "HTTP_FORBIDDEN");
      await rejectsWith(contest.submissions.review(admin, clean.id, "approve", " ", { override: true }), "HTTP_BAD_REQUEST");
      const approved = await contest.submissions.review(admin, clean.id, "approve", "reproduced by hand on the organizers' machine", { override: true });
      assert.equal(approved.status, "approved");
      const trail = await contest.auditTrail(`submission:${clean.id}`);
      assert.deepEqual(trail.map((t) => `${t.actor} ${t.action}`), ["alice submission.receive", "worker-1 result.record", "admin review.approve-override"]);
      // the stored pack is the uploaded folder, by its sha256
      assert.ok(await contest.blobs.has(clean.record_blob));
      await rejectsWith(contest.submissions.get("00000000-0000-0000-0000-000000000000"), "HTTP_NOT_FOUND");
    });

    test("the daily upload quota counts withdrawn uploads; a withdrawn pack nothing else names is collected, its trail keeps its sha256", async () => {
      const { token } = await contest.accounts.addUser("bob", "participant");
      const bob = await contest.accounts.authenticate(`Bearer ${token}`);
      // alice's approved submission (the test above) holds the same bytes as `shared`
      const shared = packRecordFolder(folder("threeSeeds"));
      const own = packRecordFolder(folder("warmdown"));
      const next = packRecordFolder(folder("baseline"));
      const limit = shared.length + own.length + next.length - 1;
      const before = (await contest.settings()).max_upload_bytes_per_author_per_day;
      await contest.configure(admin, { max_upload_bytes_per_author_per_day: limit });
      try {
        const a = await contest.submissions.submit(bob, shared);
        const b = await contest.submissions.submit(bob, own);
        assert.deepEqual(await contest.quota.budget(bob), { limit, used: shared.length + own.length, remaining: limit - shared.length - own.length });
        for (const x of [a, b]) await contest.submissions.withdraw(bob, x.id);
        await contest.collector.idle();
        // bob's own pack is gone; the one alice's approved submission also names stays
        assert.equal(await contest.blobs.has(b.record_blob), false, "the withdrawn pack was not collected");
        assert.equal(await contest.blobs.has(a.record_blob), true, "a pack another submission needs was collected");
        await rejectsWith(contest.submissions.files(bob, b.id), "HTTP_GONE", (e) => assert.match(e.message, new RegExp(b.record_blob)));
        assert.equal((await contest.submissions.files(bob, a.id)).length > 0, true);
        const trail = await contest.auditTrail(`submission:${b.id}`);
        assert.deepEqual(trail.map((t) => `${t.actor} ${t.action} ${(t.details as { blob?: string }).blob ?? ""}`), [`bob submission.receive ${b.record_blob}`, `bob submission.withdraw ${b.record_blob}`, `system submission.pack-collected ${b.record_blob}`]);
        // withdrawn, the two uploads still count: the third passes the quota, and nothing of it is stored
        await rejectsWith(contest.submissions.submit(bob, next), "CONTEST_QUOTA", (e) => {
          assert.equal(e.details?.used_bytes, shared.length + own.length);
          assert.equal(e.details?.limit_bytes, limit);
          const frees = Date.parse(String(e.details?.frees_at));
          assert.ok(Math.abs(frees - (Date.parse(a.created_at) + 24 * 3_600_000)) < 5_000, `frees at ${String(e.details?.frees_at)}, the first upload was at ${a.created_at}`);
          assert.match(e.message, /max_upload_bytes_per_author_per_day/);
          assert.ok(e.fix);
        });
        assert.equal((await contest.db.query(`SELECT 1 FROM submissions WHERE author_id = $1 AND status <> 'withdrawn'`, [bob.id])).rows.length, 0);
        // an admin is not held to it (admins set it)
        assert.equal((await contest.submissions.submit(admin, next)).repeated, false);
        // a sweep of the whole store keeps every pack a submission still needs
        const sweep = await contest.blobs.collect(async (keys) => new Set((await contest.db.query<{ record_blob: string }>(`SELECT record_blob FROM submissions WHERE record_blob = ANY($1::text[]) AND status NOT IN ('withdrawn', 'replaced')`, [keys])).rows.map((r) => r.record_blob)), 0);
        assert.deepEqual(sweep.keys, []);
      } finally {
        await contest.configure(admin, { max_upload_bytes_per_author_per_day: before });
      }
    });
  });
}

test("max_upload_bytes_per_author_per_day: a whole number of bytes from 1 to 1 PiB, 1 GiB unless set", () => {
  assert.equal(DEFAULT_CONTEST_CONFIG.max_upload_bytes_per_author_per_day, 1024 ** 3);
  assert.deepEqual(parseContestConfigPatch({ max_upload_bytes_per_author_per_day: 5 * 1024 ** 2 }, "t"), { max_upload_bytes_per_author_per_day: 5 * 1024 ** 2 });
  assert.deepEqual(parseContestConfigPatch({ max_upload_bytes_per_author_per_day: MAX_UPLOAD_QUOTA_BYTES }, "t"), { max_upload_bytes_per_author_per_day: MAX_UPLOAD_QUOTA_BYTES });
  for (const bad of [0, -1, 1.5, MAX_UPLOAD_QUOTA_BYTES + 1, "1073741824", null, Infinity, NaN, [1]]) {
    throwsCode(() => parseContestConfigPatch({ max_upload_bytes_per_author_per_day: bad }, "t"), "CONFIG_INVALID");
  }
  throwsCode(() => parseContestConfigPatch({ max_upload_bytes_per_day: 1 }, "t"), "CONFIG_UNKNOWN_KEY");
  // kept in the row's config: read back over the defaults; a row from before the key has the default
  assert.equal(contestConfigOf({ config: { max_upload_bytes_per_author_per_day: 7 }, max_open_submissions_per_author: 3 }).max_upload_bytes_per_author_per_day, 7);
  assert.equal(contestConfigOf({ config: {}, max_open_submissions_per_author: 3 }).max_upload_bytes_per_author_per_day, 1024 ** 3);
});

suite("contest on embedded PGlite", () => openDb({ dataDir: fs.mkdtempSync(path.join(work, "data-")), url: "" }), false);

let pg: PostgresServer | undefined;
after(async () => pg?.stop());
suite(
  "contest on a Postgres server",
  async () => {
    pg = await startPostgresServer();
    return openDb({ dataDir: work, url: pg.url });
  },
  postgresSkipReason(),
);
