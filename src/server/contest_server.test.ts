// The contest web application end to end over real HTTP, on the embedded PGlite: the first admin
// creates accounts, a participant uploads a record folder (as `pgolf submit --to` does; an
// original-format folder made at test time, test/support/original_record.ts), a
// reviewer approves it from the queue, and the record appears on the live leaderboard; the audit
// trail holds every step, and the state survives a restart of the server.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { api, declarePrivateValidation, listen } from "../../test/support/contest_api.js";
import { fastRecord } from "../../test/support/fast_record.js";
import { writeRoleRecord } from "../../test/support/original_record.js";
import { startContestServer } from "./contest_server.js";
import { GitHubServer, pullRequestPayload, sendWebhook } from "../../test/support/github_server.js";
import { isolationSupport } from "./isolation.js";
import { uploadRecord } from "./upload_client.js";
import { runWorker } from "./worker.js";

const work = tempDir();
const baseline = writeRoleRecord(path.join(work, "records", "track_10min_16mb"), "baseline", "2026-03-17_NaiveBaseline");

test("upload, review queue, approval and the live leaderboard, surviving a restart", { timeout: 120_000 }, async () => {
  const data = path.join(work, "contest");
  let s = await startContestServer({ data, track: "10min-16mb", databaseUrl: "" });
  let base = await listen(s);
  try {
    const admin = s.adminToken!;
    assert.match(admin, /^pg_[0-9a-f]{48}$/);
    await declarePrivateValidation(base, admin); // a ranked track: the course rule needs the split private (course_rule.ts)
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice", role: "participant" })).json.token as string;
    const rita = (await api(base, "POST", "/api/users", admin, { handle: "rita", role: "reviewer" })).json.token as string;
    assert.equal((await api(base, "POST", "/api/users", alice, { handle: "mallory", role: "admin" })).status, 403);
    assert.equal((await api(base, "POST", "/api/users", admin, { handle: "alice" })).status, 409);

    // upload as `pgolf submit --to` does; a bad token is refused with its code
    await rejectsWith(uploadRecord(base, "pg_wrong", baseline), "HTTP_UNAUTHORIZED");
    const sub = await uploadRecord(base, alice, baseline);
    assert.equal(sub.status, "checked", JSON.stringify(sub.findings));
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, alice)).json.status, "checked");
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, null)).status, 401, "reading a submission needs a session");

    // the queue is for reviewers
    assert.equal((await api(base, "GET", "/api/review/queue", alice)).status, 403);
    const queue = (await api(base, "GET", "/api/review/queue", rita)).json as { id: string }[];
    assert.deepEqual(queue.map((q) => q.id), [sub.id]);
    assert.equal((await api(base, "POST", `/api/submissions/${sub.id}/review`, rita, { action: "reject" })).status, 400, "a rejection needs a reason");
    // approval waits for the fleet's reproduction (none is queued for a plain record folder); an admin may override it with a reason
    assert.equal((await api(base, "POST", `/api/submissions/${sub.id}/review`, rita, { action: "approve", reason: "" })).status, 409);
    const approved = await api(base, "POST", `/api/submissions/${sub.id}/review`, admin, { action: "approve", reason: "the published baseline", override: true });
    assert.equal(approved.json.status, "approved");

    // the approved record is on the live leaderboard, with its page
    const lb = (await api(base, "GET", "/api/leaderboard", null)).json as { tracks: { name: string; records: { id: string; val_bpb: number }[] }[] };
    const t = lb.tracks.find((x) => x.name === "10min-16mb")!;
    assert.deepEqual(t.records.map((r) => [r.id, r.val_bpb]), [[sub.id, 1.2243657]]);
    assert.equal((await fetch(`${base}/records/${sub.id}.html`)).status, 200);

    const audit = (await api(base, "GET", `/api/submissions/${sub.id}/audit`, rita)).json as { actor: string; action: string }[];
    assert.deepEqual(audit.map((a) => `${a.actor} ${a.action}`), ["alice submission.receive", "admin review.approve-override"]);
  } finally {
    await s.close();
  }
  // a restart keeps accounts, submissions and the leaderboard; no second admin is made
  s = await startContestServer({ data, track: "10min-16mb", databaseUrl: "" });
  base = await listen(s);
  try {
    assert.equal(s.adminToken, null);
    const lb = (await api(base, "GET", "/api/leaderboard", null)).json as { tracks: { name: string; records: unknown[] }[] };
    assert.equal(lb.tracks.find((x) => x.name === "10min-16mb")!.records.length, 1);
  } finally {
    await s.close();
  }
  assert.ok(fs.existsSync(path.join(data, "db")));
});

test("a GitHub pull request adding a record folder becomes a submission of its author, once", { timeout: 120_000 }, async () => {
  const gh = await GitHubServer.start();
  const REPO = "golf/parameter-golf";
  const FOLDER = "records/track_10min_16mb/2026-03-17_NaiveBaseline";
  gh.addRepo(REPO, { "README.md": "# Parameter Golf\n" });
  const changes: Record<string, { content: Buffer }> = {};
  for (const name of fs.readdirSync(baseline)) changes[`${FOLDER}/${name}`] = { content: fs.readFileSync(path.join(baseline, name)) };
  const pr = gh.addPull(REPO, { number: 7, author: "octo-alice", changes });
  const s = await startContestServer({ data: path.join(work, "gh-contest"), track: "10min-16mb", databaseUrl: "", github: { secret: "s3cret", token: gh.token, apiUrl: gh.url } });
  const base = await listen(s);
  try {
    await declarePrivateValidation(base, s.adminToken!);
    const payload = pullRequestPayload({ repo: REPO, number: pr.number, headSha: pr.headSha, author: "octo-alice" });
    const sent = await sendWebhook(`${base}/webhooks/github`, { secret: "s3cret", event: "pull_request", payload });
    assert.equal(sent.status, 202);
    assert.equal((await sendWebhook(`${base}/webhooks/github`, { secret: "wrong", event: "pull_request", payload })).status, 401);
    const reviewer = await s.contest!.accounts.addUser("rita", "reviewer");
    let queue: { id: string; author: string; source: string }[] = [];
    for (let i = 0; i < 100 && queue.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      queue = (await api(base, "GET", "/api/review/queue", reviewer.token)).json;
    }
    assert.deepEqual(queue.map((q) => [q.author, q.source]), [["octo-alice", "github"]]);
    // a replayed delivery and a new delivery for the same commit add nothing
    assert.equal((await sendWebhook(`${base}/webhooks/github`, { secret: "s3cret", event: "pull_request", payload, deliveryId: sent.deliveryId })).status, 200);
    await sendWebhook(`${base}/webhooks/github`, { secret: "s3cret", event: "pull_request", payload });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(((await api(base, "GET", "/api/review/queue", reviewer.token)).json as unknown[]).length, 1);
    // GitHub was answered: statuses on the head commit and a comment on the PR
    assert.ok(gh.statuses.some((st) => st.sha === pr.headSha && (st.body as { state: string }).state === "success"), JSON.stringify(gh.statuses));
    assert.ok(gh.comments.length >= 1);
  } finally {
    await s.close();
    gh.close();
  }
});

test("pgolf records are queued per seed; workers lease jobs, fetch the pack and report results once; a dead worker's job comes back", { timeout: 240_000 }, async () => {
  // a real pgolf-native record: three seeds of a fast entry trained and scored by the harness
  const { runs, record: rec } = await fastRecord({ work, tag: "fast", seeds: [1, 2, 3], name: "Unigram TTT" });

  const s = await startContestServer({ data: path.join(work, "fleet-contest"), databaseUrl: "", queue: { expireInSeconds: 2, maintenanceIntervalSeconds: 1, retryDelaySeconds: 0 } });
  const base = await listen(s);
  try {
    const admin = s.adminToken!;
    await declarePrivateValidation(base, admin);
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice" })).json.token as string;
    const w1 = (await api(base, "POST", "/api/users", admin, { handle: "worker-1", role: "worker" })).json.token as string;
    const w2 = (await api(base, "POST", "/api/users", admin, { handle: "worker-2", role: "worker" })).json.token as string;
    const sub = await uploadRecord(base, alice, rec);
    assert.equal(sub.status, "queued", JSON.stringify(sub.findings));
    assert.equal((await api(base, "POST", "/api/worker/lease", alice)).status, 403);

    // worker-1 leases a job and dies; the job expires and worker-2 gets it again
    const first = (await api(base, "POST", "/api/worker/lease", w1)).json;
    assert.equal(first.job.submission_id, sub.id);
    assert.equal(first.track, "cpu-10min-2mb");
    const done = new Map<number, number>();
    const report = async (token: string, lease: { job: { id: string; seed: number } }) => {
      const i = runs.findIndex((r) => r.seed === lease.job.seed);
      const r = runs[i];
      const pack = await fetch(`${base}/api/submissions/${sub.id}/pack`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(pack.status, 200);
      assert.ok((await pack.arrayBuffer()).byteLength > 0);
      const body = { result: { seed: r.seed, artifact_sha256: r.artifact_sha256, val_loss: r.val_loss, val_bpb: r.val_bpb, bytes_total: r.bytes_total, train_seconds: r.train_seconds, eval_seconds: r.eval_seconds } };
      const out = await api(base, "POST", `/api/worker/jobs/${lease.job.id}`, token, body);
      assert.equal(out.status, 200, JSON.stringify(out.json));
      done.set(r.seed, (done.get(r.seed) ?? 0) + 1);
      return out.json as { recorded: boolean; status: string };
    };
    // worker-2 may not report worker-1's job
    assert.equal((await api(base, "POST", `/api/worker/jobs/${first.job.id}`, w2, { error: "not mine" })).status, 409);
    let last: { recorded: boolean; status: string } | null = null;
    let reclaimed = false;
    for (let i = 0; i < 200 && (last?.status ?? "") !== "verified"; i++) {
      const lease = await api(base, "POST", "/api/worker/lease", w2);
      if (lease.status === 204) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (lease.json.job.id === first.job.id) reclaimed = true;
      last = await report(w2, lease.json);
    }
    assert.ok(reclaimed, "the dead worker's job was leased again");
    assert.equal(last?.status, "verified");
    assert.deepEqual([...done.keys()].sort(), [1, 2, 3]);
    // the late report of the dead worker is refused: its job is no longer active
    assert.equal((await api(base, "POST", `/api/worker/jobs/${first.job.id}`, w1, { error: "late" })).status, 409);
    const n = await s.contest!.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM results WHERE submission_id = $1`, [sub.id]);
    assert.equal(n.rows[0].n, 3);
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, alice)).json.status, "verified");
  } finally {
    await s.close();
  }
});

test("pgolf worker reproduces a queued seed in an isolated run and the trusted evaluator's score is recorded", { skip: isolationSupport().ok ? undefined : `isolation unavailable: ${isolationSupport().problems.join("; ")}`, timeout: 300_000 }, async () => {
  fs.chmodSync(work, 0o755); // the sandbox user must reach the worker's folders
  const {
    runs: [run],
    record: rec,
  } = await fastRecord({ work, tag: "repro", seeds: [5], name: "Unigram TTT" });
  const s = await startContestServer({ data: path.join(work, "repro-contest"), databaseUrl: "" });
  const base = await listen(s);
  try {
    await declarePrivateValidation(base, s.adminToken!);
    const alice = (await api(base, "POST", "/api/users", s.adminToken, { handle: "alice" })).json.token as string;
    const worker = (await api(base, "POST", "/api/users", s.adminToken, { handle: "box-1", role: "worker" })).json.token as string;
    const sub = await uploadRecord(base, alice, rec);
    assert.equal(sub.status, "queued");
    const lines: string[] = [];
    const r = await runWorker({ server: base, token: worker, workDir: path.join(work, "worker"), once: true, minutes: 0.05, say: (l) => lines.push(l) });
    assert.deepEqual(r, { jobs: 1, failed: 0 }, lines.join("\n"));
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, alice)).json.status, "verified");
    const res = await s.contest!.db.query<{ val_bpb: number; worker: string; seed: number }>(`SELECT val_bpb, worker, seed FROM results WHERE submission_id = $1`, [sub.id]);
    assert.equal(res.rows.length, 1);
    assert.equal(res.rows[0].worker, "box-1");
    assert.equal(res.rows[0].seed, 5);
    // the reproduction scores what the submission claimed (a deterministic entry, the same evaluator)
    assert.ok(Math.abs(res.rows[0].val_bpb - run.val_bpb) < 1e-9, `${res.rows[0].val_bpb} vs ${run.val_bpb}`);
  } finally {
    await s.close();
  }
});
