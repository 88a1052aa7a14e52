// The contest's rules on a real database, embedded PGlite and a real Postgres server alike: tokens
// and roles, intake of a real record folder with its checks, the per-author limit, reviews with
// reasons, results recorded once per (artifact, seed), and an audit trail of every step.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { FIXTURES, needsFixtures, tempDir } from "../../test/support/fixtures.js";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import { packRecordFolder } from "../artifact/pack.js";
import { BlobStore } from "./blob_store.js";
import { Contest, type User } from "./contest.js";
import type { Db } from "./db.js";
import { openDb } from "./open_db.js";

const work = tempDir();
const fx = needsFixtures();
const folder = (id: string) => path.join(FIXTURES, "pgolf-records", "track_10min_16mb", id);

function suite(name: string, open: () => Promise<Db>, skip: string | false) {
  describe(name, { skip: skip || fx.skip }, () => {
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
      const clean = await contest.submissions.submit(alice, packRecordFolder(folder("2026-04-09_A2_Muon097_3Seed")));
      assert.equal(clean.status, "checked", JSON.stringify(clean.findings));
      assert.equal(clean.claimed.val_bpb, 1.07983273);
      const best = await contest.submissions.submit(alice, packRecordFolder(folder("2026-03-18_LongContextSeq2048")));
      assert.equal(best.status, "changes-requested");
      assert.ok(best.findings.some((f) => f.kind === "score-mismatch" && /best seed/.test(f.message)));
      // the per-author limit (2 open)
      await rejectsWith(contest.submissions.submit(alice, packRecordFolder(folder("2026-03-17_NaiveBaseline"))), "HTTP_RATE_LIMITED");
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
  });
}

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
