// The contest web application end to end over real HTTP, on the embedded PGlite: the first admin
// creates accounts, a participant uploads a real record folder (as `pgolf submit --to` does), a
// reviewer approves it from the queue, and the record appears on the live leaderboard; the audit
// trail holds every step, and the state survives a restart of the server.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { FIXTURES, needsFixtures, tempDir } from "../../test/support/fixtures.js";
import { startContestServer, type ContestServer } from "./contest_server.js";
import { GitHubServer, pullRequestPayload, sendWebhook } from "../../test/support/github_server.js";
import { uploadRecord } from "./upload_client.js";

const work = tempDir();
const folder = (id: string) => path.join(FIXTURES, "pgolf-records", "track_10min_16mb", id);

async function listen(s: ContestServer): Promise<string> {
  await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
}

async function api(base: string, method: string, p: string, token: string | null, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + p, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: await res.json() };
}

test("upload, review queue, approval and the live leaderboard, surviving a restart", { ...needsFixtures(), timeout: 120_000 }, async () => {
  const data = path.join(work, "contest");
  let s = await startContestServer({ data, track: "10min-16mb", databaseUrl: "" });
  let base = await listen(s);
  try {
    const admin = s.adminToken!;
    assert.match(admin, /^pg_[0-9a-f]{48}$/);
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice", role: "participant" })).json.token as string;
    const rita = (await api(base, "POST", "/api/users", admin, { handle: "rita", role: "reviewer" })).json.token as string;
    assert.equal((await api(base, "POST", "/api/users", alice, { handle: "mallory", role: "admin" })).status, 403);
    assert.equal((await api(base, "POST", "/api/users", admin, { handle: "alice" })).status, 409);

    // upload as `pgolf submit --to` does; a bad token is refused with its code
    await rejectsWith(uploadRecord(base, "pg_wrong", folder("2026-03-17_NaiveBaseline")), "HTTP_UNAUTHORIZED");
    const sub = await uploadRecord(base, alice, folder("2026-03-17_NaiveBaseline"));
    assert.equal(sub.status, "checked", JSON.stringify(sub.findings));
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, null)).json.status, "checked");

    // the queue is for reviewers
    assert.equal((await api(base, "GET", "/api/review/queue", alice)).status, 403);
    const queue = (await api(base, "GET", "/api/review/queue", rita)).json as { id: string }[];
    assert.deepEqual(queue.map((q) => q.id), [sub.id]);
    assert.equal((await api(base, "POST", `/api/submissions/${sub.id}/review`, rita, { action: "reject" })).status, 400, "a rejection needs a reason");
    const approved = await api(base, "POST", `/api/submissions/${sub.id}/review`, rita, { action: "approve", reason: "" });
    assert.equal(approved.json.status, "approved");

    // the approved record is on the live leaderboard, with its page
    const lb = (await api(base, "GET", "/api/leaderboard", null)).json as { tracks: { name: string; records: { id: string; val_bpb: number }[] }[] };
    const t = lb.tracks.find((x) => x.name === "10min-16mb")!;
    assert.deepEqual(t.records.map((r) => [r.id, r.val_bpb]), [[sub.id, 1.2243657]]);
    assert.equal((await fetch(`${base}/records/${sub.id}.html`)).status, 200);

    const audit = (await api(base, "GET", `/api/submissions/${sub.id}/audit`, rita)).json as { actor: string; action: string }[];
    assert.deepEqual(audit.map((a) => `${a.actor} ${a.action}`), ["alice submission.receive", "rita review.approve"]);
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

test("a GitHub pull request adding a record folder becomes a submission of its author, once", { ...needsFixtures(), timeout: 120_000 }, async () => {
  const gh = await GitHubServer.start();
  const REPO = "golf/parameter-golf";
  const FOLDER = "records/track_10min_16mb/2026-03-17_NaiveBaseline";
  gh.addRepo(REPO, { "README.md": "# Parameter Golf\n" });
  const changes: Record<string, { content: Buffer }> = {};
  for (const name of fs.readdirSync(folder("2026-03-17_NaiveBaseline"))) changes[`${FOLDER}/${name}`] = { content: fs.readFileSync(path.join(folder("2026-03-17_NaiveBaseline"), name)) };
  const pr = gh.addPull(REPO, { number: 7, author: "octo-alice", changes });
  const s = await startContestServer({ data: path.join(work, "gh-contest"), track: "10min-16mb", databaseUrl: "", github: { secret: "s3cret", token: gh.token, apiUrl: gh.url } });
  const base = await listen(s);
  try {
    const payload = pullRequestPayload({ repo: REPO, number: pr.number, headSha: pr.headSha, author: "octo-alice" });
    const sent = await sendWebhook(`${base}/webhooks/github`, { secret: "s3cret", event: "pull_request", payload });
    assert.equal(sent.status, 202);
    assert.equal((await sendWebhook(`${base}/webhooks/github`, { secret: "wrong", event: "pull_request", payload })).status, 401);
    const reviewer = await s.contest!.addUser("rita", "reviewer");
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
