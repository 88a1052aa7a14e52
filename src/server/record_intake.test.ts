// The record intake end to end: a signed webhook delivery for a PR on the fake GitHub
// (test/support/github_server.ts) whose record folder is an original-format one made at test time
// (test/support/original_record.ts); then PRs that must be refused (traversal names, symlinks, oversize
// files, a second record folder) with nothing written outside destDir.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { GitHubServer, pullRequestPayload, sendWebhook, type FakeFile } from "../../test/support/github_server.js";
import { writeRoleRecord } from "../../test/support/original_record.js";
import { GitHubClient } from "./github_client.js";
import { webhookHandler } from "./github_webhook.js";
import { fetchRecordFromPullRequest, formatReport, planPullRequest, reviewPullRequest, unsafePathReason, type ReviewResult } from "./record_intake.js";

const REPO = "openai/parameter-golf";
const SECRET = "webhook-secret";
const FOLDER = "records/track_10min_16mb/2026-03-17_NaiveBaseline";
const OTHER = "records/track_10min_16mb/2026-03-19_SomeoneElse";

let gh: GitHubServer;
let client: GitHubClient;
const work = tempDir("pgolf-intake-");
/** The record folder the PRs add: one seed, passing its checks. */
const RECORD_DIR = writeRoleRecord(path.join(work, "records", "track_10min_16mb"), "baseline", "2026-03-17_NaiveBaseline");

/** The record folder's files as PR changes under `folder`. */
function fixtureChanges(folder = FOLDER): Record<string, FakeFile> {
  const out: Record<string, FakeFile> = {};
  for (const name of fs.readdirSync(RECORD_DIR)) out[`${folder}/${name}`] = { content: fs.readFileSync(path.join(RECORD_DIR, name)) };
  return out;
}

/** Every file under dir (relative), to show nothing else was written. */
function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name))).sort();
}

before(async () => {
  gh = await GitHubServer.start();
  gh.addRepo(REPO, {
    "README.md": "# Parameter Golf\n",
    [`${OTHER}/submission.json`]: '{"name":"theirs","val_bpb":1.2}\n',
    [`${OTHER}/train.log`]: "step:1/1 val_bpb:1.2\n",
  });
  client = new GitHubClient({ token: gh.token, baseUrl: gh.url, backoffMs: 10 });
});
after(() => gh.close());

test("unsafePathReason and planPullRequest", () => {
  for (const bad of ["../x", "a/../b", "/etc/passwd", "a\\b", "a\0b", "a//b", "a/./b", "C:/x", "a\nb"]) assert.notEqual(unsafePathReason(bad), null, bad);
  assert.equal(unsafePathReason(`${FOLDER}/logs/train_seed1.log`), null);
  const f = (filename: string, status = "added") => ({ filename, status: status as "added", sha: "0".repeat(40) });
  assert.deepEqual(planPullRequest([f(`${FOLDER}/README.md`), f(`${FOLDER}/logs/a.log`)]), { path: FOLDER, track: "track_10min_16mb", folder: "2026-03-17_NaiveBaseline" });
  assert.throws(() => planPullRequest([f("README.md")]), /PR|record/);
});

test("end to end: a signed webhook for a record folder is downloaded, checked, and answered with a status and a comment", async () => {
  const pr = gh.addPull(REPO, { number: 42, author: "alice", changes: fixtureChanges() });
  const results: ReviewResult[] = [];
  const seen = new Set<string>();
  const handler = webhookHandler({
    secret: SECRET,
    seenDelivery: async (id) => seen.has(id) || (seen.add(id), false),
    onPullRequest: async (e) => {
      results.push(await reviewPullRequest(client, e, { workDir: path.join(work, "e2e"), targetUrl: "https://pgolf.example/pr/42" }));
    },
    onError: (e) => assert.fail(String(e)),
  });
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const payload = pullRequestPayload({ repo: REPO, number: pr.number, headSha: pr.headSha, author: "alice" });
    const sent = await sendWebhook(url, { secret: SECRET, event: "pull_request", payload });
    assert.equal(sent.status, 202, sent.text);
    await handler.settled();
    // GitHub redelivers: answered, not acted on again.
    assert.equal((await sendWebhook(url, { secret: SECRET, event: "pull_request", payload, deliveryId: sent.deliveryId })).status, 200);
    await handler.settled();
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  assert.equal(results.length, 1);
  const r = results[0];
  assert.equal(r.verdict, "pass", JSON.stringify(r.findings));
  // The downloaded files are byte for byte the PR's.
  assert.ok(r.dir);
  assert.deepEqual(fs.readdirSync(r.dir!).sort(), fs.readdirSync(RECORD_DIR).sort());
  for (const name of fs.readdirSync(RECORD_DIR)) assert.ok(fs.readFileSync(path.join(r.dir!, name)).equals(fs.readFileSync(path.join(RECORD_DIR, name))), name);
  assert.equal(r.intake!.record.track, "10min-16mb");
  assert.equal(r.intake!.checked.val_bpb, 1.2243657);

  // What the fake GitHub received: pending, then success, on the head commit; one comment on the PR.
  const statuses = gh.statuses.filter((s) => s.sha === pr.headSha);
  assert.deepEqual(
    statuses.map((s) => [s.body.state, s.body.context, s.body.target_url]),
    [
      ["pending", "pgolf/record-check", "https://pgolf.example/pr/42"],
      ["success", "pgolf/record-check", "https://pgolf.example/pr/42"],
    ],
  );
  assert.match(statuses[1].body.description, /passed: val_bpb 1\.22437 over 1 seed/);
  const comments = gh.comments.filter((c) => c.number === 42);
  assert.equal(comments.length, 1);
  assert.match(comments[0].body, /^<!-- pgolf-record-check -->/);
  assert.match(comments[0].body, /passed/);
  assert.match(comments[0].body, new RegExp(FOLDER));
  assert.match(comments[0].body, /val_bpb 1\.22437/);
});

interface Bad {
  name: string;
  changes: Record<string, FakeFile | string | null>;
  code: string;
  paths?: string[];
  limits?: Parameters<typeof fetchRecordFromPullRequest>[3];
}

const submission = '{"name":"evil","val_bpb":1.0}\n';
const BAD: Bad[] = [
  { name: "a path traversal name", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/../../../../pwned.txt`]: "pwned" }, code: "GITHUB_PR_UNSAFE_PATH", paths: [`${FOLDER}/../../../../pwned.txt`] },
  { name: "a backslash name", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/..\\..\\pwned.txt`]: "pwned" }, code: "GITHUB_PR_UNSAFE_PATH" },
  { name: "a symlink", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/train.log`]: { content: "/etc/passwd", mode: "120000" } }, code: "GITHUB_PR_SYMLINK", paths: [`${FOLDER}/train.log`] },
  { name: "a submodule", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/vendor`]: { content: "", mode: "160000" } }, code: "GITHUB_PR_SYMLINK" },
  { name: "an oversize file", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/model.bin`]: { content: Buffer.alloc(300 * 1024) } }, code: "GITHUB_PR_FILE_TOO_LARGE", paths: [`${FOLDER}/model.bin`], limits: { maxFileBytes: 256 * 1024 } },
  { name: "too much in total", changes: { [`${FOLDER}/submission.json`]: submission, [`${FOLDER}/a.bin`]: { content: Buffer.alloc(200 * 1024) }, [`${FOLDER}/b.bin`]: { content: Buffer.alloc(200 * 1024) } }, code: "GITHUB_PR_TOO_LARGE", limits: { maxFileBytes: 256 * 1024, maxTotalBytes: 300 * 1024 } },
  { name: "too many files", changes: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${FOLDER}/f${i}.txt`, "x"])), code: "GITHUB_PR_TOO_MANY_FILES", limits: { maxFiles: 10 } },
  { name: "two record folders", changes: { [`${FOLDER}/submission.json`]: submission, [`records/track_10min_16mb/2026-03-18_Second/submission.json`]: submission }, code: "GITHUB_PR_MANY_RECORDS", paths: [FOLDER, "records/track_10min_16mb/2026-03-18_Second"] },
  { name: "a deletion of another record", changes: { [`${FOLDER}/submission.json`]: submission, [`${OTHER}/submission.json`]: null, [`${OTHER}/train.log`]: null }, code: "GITHUB_PR_OUTSIDE_RECORD", paths: [`${OTHER}/submission.json`, `${OTHER}/train.log`] },
  { name: "an edit outside records/", changes: { [`${FOLDER}/submission.json`]: submission, "README.md": "# mine now\n" }, code: "GITHUB_PR_OUTSIDE_RECORD", paths: ["README.md"] },
  { name: "no record folder", changes: { "README.md": "# typo fix\n" }, code: "GITHUB_PR_NO_RECORD" },
];

for (const bad of BAD) {
  test(`a PR with ${bad.name} is refused with ${bad.code}, nothing written outside destDir`, async () => {
    const pr = gh.addPull(REPO, { author: "mallory", changes: bad.changes });
    const root = path.join(work, `bad-${pr.number}`);
    const dest = path.join(root, "dest");
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(root, "sentinel.txt"), "keep");
    const e = await rejectsWith(fetchRecordFromPullRequest(client, pr, dest, bad.limits), bad.code);
    if (bad.paths) assert.deepEqual([...(e.details!.paths as string[])].sort(), [...bad.paths].sort());
    for (const p of bad.paths ?? []) assert.ok(e.message.includes(p), `${e.message} names ${p}`);
    assert.deepEqual(listTree(root), ["dest", "sentinel.txt"]);
    assert.ok(!fs.existsSync(path.join(work, "pwned.txt")) && !fs.existsSync(path.join(root, "pwned.txt")));
  });
}

test("a refused PR gets a failure status and a comment naming the paths", async () => {
  const pr = gh.addPull(REPO, { author: "mallory", changes: { [`${FOLDER}/submission.json`]: submission, [`${OTHER}/submission.json`]: null } });
  const r = await reviewPullRequest(client, pr, { workDir: path.join(work, "refused") });
  assert.equal(r.verdict, "refused");
  assert.equal(r.dir, null);
  assert.deepEqual(listTree(path.join(work, "refused")), []);
  const last = gh.statuses.filter((s) => s.sha === pr.headSha).at(-1)!;
  assert.equal(last.body.state, "failure");
  assert.match(last.body.description, /^Refused: /);
  assert.ok(last.body.description.length <= 140);
  const comment = gh.comments.filter((c) => c.number === pr.number).at(-1)!;
  assert.match(comment.body, /PGOLF\\_GITHUB\\_PR\\_OUTSIDE\\_RECORD/);
  assert.ok(comment.body.includes(`\`${OTHER}/submission.json\``));
});

test("a record that fails its checks gets a failure status listing the findings", async () => {
  const changes = fixtureChanges("records/track_10min_16mb/2026-03-20_Tampered");
  const json = JSON.parse(fs.readFileSync(path.join(RECORD_DIR, "submission.json"), "utf8"));
  changes["records/track_10min_16mb/2026-03-20_Tampered/submission.json"] = { content: JSON.stringify({ ...json, val_bpb: 1.0 }, null, 2) };
  const pr = gh.addPull(REPO, { author: "bob", changes });
  const r = await reviewPullRequest(client, pr, { workDir: path.join(work, "fail") });
  assert.equal(r.verdict, "fail");
  assert.ok(r.findings.some((f) => f.kind === "score-mismatch"), JSON.stringify(r.findings));
  const last = gh.statuses.filter((s) => s.sha === pr.headSha).at(-1)!;
  assert.equal(last.body.state, "failure");
  assert.match(gh.comments.at(-1)!.body, /score-mismatch/);
});

test("the intake survives a 503 from GitHub mid-download", async () => {
  const pr = gh.addPull(REPO, { changes: fixtureChanges("records/track_10min_16mb/2026-03-21_Flaky") });
  gh.fault(/contents\/.*train\.log/, { status: 503 });
  const start = gh.requests.length;
  const r = await fetchRecordFromPullRequest(client, pr, path.join(work, "flaky"));
  assert.equal(r.checked.passes, true);
  assert.ok(gh.requests.slice(start).some((q) => q.status === 503));
});

test("formatReport keeps the status description within 140 characters and makes PR text inert", () => {
  const rep = formatReport([{ kind: "schema", severity: "error", message: `@everyone <img src=x> ${"long ".repeat(100)}`, evidence: [{ file: "submission.json", line: 3 }] }], "fail");
  assert.equal(rep.status.state, "failure");
  assert.ok(rep.status.description.length <= 140);
  assert.ok(!rep.body.includes("@everyone"));
  assert.ok(!rep.body.includes("<img"));
  assert.match(rep.body, /`submission\.json:3`/);
  assert.equal(formatReport([], "error").status.state, "error");
  assert.equal(formatReport([], "pending").status.state, "pending");
});
