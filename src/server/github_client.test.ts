// The GitHub client against test/support/github_server.ts over real sockets: auth, pagination by
// Link headers, retries on 503 and secondary rate limits, timeouts, file contents (small and > 1 MB).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { GitHubServer } from "../../test/support/github_server.js";
import { GitHubClient, nextLink } from "./github_client.js";

const REPO = "openai/parameter-golf";
let gh: GitHubServer;
const client = (o: Partial<ConstructorParameters<typeof GitHubClient>[0]> = {}) => new GitHubClient({ token: gh.token, baseUrl: gh.url, backoffMs: 10, timeoutMs: 2000, ...o });

before(async () => {
  gh = await GitHubServer.start();
  gh.addRepo(REPO, { "README.md": "# Parameter Golf\n" });
});
after(() => gh.close());

test("nextLink reads rel=next from a Link header", () => {
  assert.equal(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'), "https://api.github.com/x?page=2");
  assert.equal(nextLink('<https://api.github.com/x?page=1>; rel="prev"'), null);
  assert.equal(nextLink(null), null);
});

test("listPullFiles follows Link pagination past 100 files", async () => {
  const changes: Record<string, string> = {};
  for (let i = 0; i < 250; i++) changes[`records/track_10min_16mb/big/f${String(i).padStart(3, "0")}.txt`] = `file ${i}\n`;
  const pr = gh.addPull(REPO, { number: 250, changes });
  const start = gh.requests.length;
  const files = await client().listPullFiles(REPO, pr.number);
  assert.equal(files.length, 250);
  assert.equal(new Set(files.map((f) => f.filename)).size, 250);
  assert.ok(files.every((f) => f.status === "added"));
  const pages = gh.requests.slice(start).filter((r) => r.url.includes("/pulls/250/files"));
  assert.equal(pages.length, 3);
  assert.match(pages[0].url, /per_page=100/);
  await rejectsWith(client().listPullFiles(REPO, pr.number, { maxFiles: 120 }), "GITHUB_PR_TOO_MANY_FILES");
});

test("a 503 is retried, then the answer is used", async () => {
  const pr = gh.addPull(REPO, { changes: { "records/track_10min_16mb/a/x.txt": "x" } });
  gh.fault(/pulls\/\d+\/files/, { status: 503 });
  const start = gh.requests.length;
  const files = await client().listPullFiles(REPO, pr.number);
  assert.equal(files.length, 1);
  assert.deepEqual(
    gh.requests.slice(start).map((r) => r.status),
    [503, 200],
  );
});

test("a secondary rate limit (403 + Retry-After) waits and retries; too long a wait is GITHUB_RATE_LIMITED", async () => {
  const pr = gh.addPull(REPO, { changes: { "records/track_10min_16mb/b/x.txt": "x" } });
  gh.fault(/pulls\/\d+\/files/, { status: 403, headers: { "retry-after": "1" } });
  const t0 = Date.now();
  assert.equal((await client().listPullFiles(REPO, pr.number)).length, 1);
  assert.ok(Date.now() - t0 >= 900, "waited for Retry-After");
  gh.fault(/pulls\/\d+\/files/, { status: 429, headers: { "retry-after": "3600" } });
  await rejectsWith(client().listPullFiles(REPO, pr.number), "GITHUB_RATE_LIMITED");
});

test("retries give up with GITHUB_API after the last 5xx; a slow answer times out and is retried", async () => {
  const pr = gh.addPull(REPO, { changes: { "records/track_10min_16mb/c/x.txt": "x" } });
  gh.fault(/pulls\/\d+\/files/, { status: 502, times: 3 });
  await rejectsWith(client({ retries: 2 }).listPullFiles(REPO, pr.number), "GITHUB_API", (e) => assert.equal(e.details?.status, 502));
  gh.fault(/pulls\/\d+\/files/, { delayMs: 1500 });
  assert.equal((await client({ timeoutMs: 300 }).listPullFiles(REPO, pr.number)).length, 1);
  gh.fault(/pulls\/\d+\/files/, { delayMs: 1500, times: 2 });
  await rejectsWith(client({ timeoutMs: 300, retries: 1 }).listPullFiles(REPO, pr.number), "FETCH_UNREACHABLE");
});

test("a wrong token is GITHUB_AUTH, a missing PR FETCH_NOT_FOUND; neither is retried", async () => {
  const start = gh.requests.length;
  await rejectsWith(client({ token: "nope" }).listPullFiles(REPO, 1), "GITHUB_AUTH");
  await rejectsWith(client().listPullFiles(REPO, 9999), "FETCH_NOT_FOUND");
  assert.equal(gh.requests.length - start, 2);
});

test("getFileContent decodes base64, falls back to the blob API over 1 MB, and enforces maxBytes", async () => {
  const big = Buffer.alloc(1536 * 1024, 7);
  const pr = gh.addPull(REPO, { changes: { "records/track_10min_16mb/d/small.txt": "héllo\n", "records/track_10min_16mb/d/big.bin": { content: big }, "records/track_10min_16mb/d/link": { content: "../../x", mode: "120000" } } });
  const c = client();
  const small = await c.getFileContent(REPO, "records/track_10min_16mb/d/small.txt", pr.headSha);
  assert.equal(small.content.toString("utf8"), "héllo\n");
  const start = gh.requests.length;
  const b = await c.getFileContent(REPO, "records/track_10min_16mb/d/big.bin", pr.headSha);
  assert.ok(b.content.equals(big));
  assert.match(gh.requests[start + 1].url, /git\/blobs\//);
  await rejectsWith(c.getFileContent(REPO, "records/track_10min_16mb/d/big.bin", pr.headSha, { maxBytes: 1024 * 1024 }), "GITHUB_PR_FILE_TOO_LARGE");
  await rejectsWith(c.getFileContent(REPO, "records/track_10min_16mb/d/link", pr.headSha), "GITHUB_PR_SYMLINK");
});

test("createStatus and createComment post what GitHub expects", async () => {
  const pr = gh.addPull(REPO, { changes: { "records/track_10min_16mb/e/x.txt": "x" } });
  await client().createStatus(REPO, pr.headSha, { state: "success", context: "pgolf/record-check", description: "d".repeat(300), target_url: "https://pgolf.example/r/1" });
  const s = gh.statuses.at(-1)!;
  assert.equal(s.sha, pr.headSha);
  assert.equal(s.body.description.length, 140);
  const c = await client().createComment(REPO, pr.number, "hello");
  assert.match(c.html_url ?? "", /issuecomment-/);
  assert.deepEqual(gh.comments.at(-1), { repo: REPO, number: pr.number, body: "hello" });
});
