// The hub client over real HTTP against test/support/hub_server.ts: URLs, metadata, error mapping,
// resumable verified downloads, and the failure modes a real network has.
import { rejectsWith } from "../../test/support/errors.js";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { isPgolfError, PgolfError } from "../core/error.js";
import { tempDir } from "../../test/support/fixtures.js";
import { withHubServer } from "../../test/support/hub_server.js";
import { hubDownload, hubFileUrl, hubHead, resolveEndpoint } from "./hub.js";

const REPO = "willdepueoai/parameter-golf";
const dir = tempDir("pgolf-hub-");
const src = path.join(dir, "src");
fs.mkdirSync(src);

// A 1.5 MB "LFS" file and a small git file, with their true digests.
const bigFile = path.join(src, "big.bin");
fs.writeFileSync(bigFile, randomBytes(1_500_000));
const smallFile = path.join(src, "small.json");
fs.writeFileSync(smallFile, JSON.stringify({ hello: "hub", n: [1, 2, 3] }) + "\n");
const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const BIG = "datasets/datasets/x/big.bin";
const SMALL = "datasets/manifest.json";
const files = { [BIG]: bigFile, [SMALL]: smallFile };
const fast = { retryDelayMs: 5, timeoutMs: 10_000 };

let n = 0;
const outPath = (name: string) => path.join(dir, "out", `${n++}`, name);


test("hubFileUrl builds the hub's resolve URLs", () => {
  assert.equal(
    hubFileUrl({ endpoint: "https://huggingface.co/", repo: REPO, path: "datasets/manifest.json" }),
    "https://huggingface.co/datasets/willdepueoai/parameter-golf/resolve/main/datasets/manifest.json",
  );
  assert.equal(
    hubFileUrl({ endpoint: "https://mirror.example/hf", repo: "o/m", repoType: "model", revision: "refs/pr/1", path: "a b/c#.bin" }),
    "https://mirror.example/hf/o/m/resolve/refs%2Fpr%2F1/a%20b/c%23.bin",
  );
  assert.throws(() => hubFileUrl({ endpoint: "https://x", repo: "no-slash", path: "a" }), (e) => isPgolfError(e, "USAGE"));
});

test("resolveEndpoint: --hub-url, then HF_ENDPOINT, then huggingface.co", () => {
  assert.equal(resolveEndpoint("http://127.0.0.1:9/", { HF_ENDPOINT: "https://hf-mirror.com" }), "http://127.0.0.1:9");
  assert.equal(resolveEndpoint(undefined, { HF_ENDPOINT: "https://hf-mirror.com/" }), "https://hf-mirror.com");
  assert.equal(resolveEndpoint(undefined, {}), "https://huggingface.co");
  assert.equal(resolveEndpoint("", { HF_ENDPOINT: " " }), "https://huggingface.co");
  assert.throws(() => resolveEndpoint("ftp://x", {}), (e) => isPgolfError(e, "USAGE") && /http\(s\)/.test((e as Error).message));
  assert.throws(() => resolveEndpoint(undefined, { HF_ENDPOINT: "not a url" }), (e) => isPgolfError(e, "USAGE") && /HF_ENDPOINT/.test((e as Error).message));
});

test("hubHead reads size, etag and commit; LFS files stop at the CDN redirect", async () => {
  await withHubServer({ files }, async (s) => {
    const small = await hubHead({ endpoint: s.url, repo: REPO, path: SMALL });
    assert.equal(small.size, fs.statSync(smallFile).size);
    assert.equal(small.commit, s.head);
    assert.match(small.etag!, /^[0-9a-f]{40}$/); // git blob sha1
    assert.equal(small.sha256, undefined);
    const big = await hubHead({ endpoint: s.url, repo: REPO, path: BIG });
    assert.equal(big.size, 1_500_000);
    assert.equal(big.sha256, sha(bigFile));
    assert.equal(big.etag, sha(bigFile));
    assert.match(big.location, /\/cdn\/[0-9a-f]{64}$/);
    assert.equal(s.requests.filter((r) => r.url.startsWith("/cdn/")).length, 0, "the CDN is not asked");
  });
});

test("hub error answers become PgolfErrors with a fix", async () => {
  await withHubServer({ files }, async (s) => {
    const ref = { endpoint: s.url, repo: REPO, ...fast };
    await rejectsWith(hubHead({ ...ref, path: "datasets/nope.bin" }), "FETCH_NOT_FOUND", (e) => {
      assert.match(e.message, /datasets\/nope\.bin does not exist in willdepueoai\/parameter-golf at revision main/);
      assert.equal(e.details?.hubErrorCode, "EntryNotFound");
      assert.match(e.file!, /resolve\/main\/datasets\/nope\.bin$/);
    });
    await rejectsWith(hubHead({ ...ref, revision: "v9", path: SMALL }), "FETCH_NOT_FOUND", (e) => assert.match(e.fix!, /revision does not exist/));
    await rejectsWith(hubHead({ ...ref, repo: "someone/else", path: SMALL }), "FETCH_NOT_FOUND", (e) => assert.match(e.fix!, /repository name and --hub-url/));
    // An endpoint that is not a hub at all: a 404 without X-Error-Code.
    await rejectsWith(hubHead({ ...ref, endpoint: `${s.url}/not-a-hub`, path: SMALL }), "FETCH_NOT_FOUND", (e) => assert.match(e.fix!, /--hub-url/));
    s.failNext(SMALL, 403);
    await rejectsWith(hubHead({ ...ref, path: SMALL }), "FETCH_AUTH");
    s.failNext(SMALL, 503, 10);
    await rejectsWith(hubHead({ ...ref, path: SMALL, retries: 2 }), "FETCH_HTTP", (e) => assert.equal(e.details?.attempts, 3));
  });
});

test("a refused connection is FETCH_UNREACHABLE and names the hub URL", async () => {
  const s = await withHubServer({ files }, async (srv) => srv.url); // closed again: nothing listens there now
  await rejectsWith(hubHead({ endpoint: s, repo: REPO, path: SMALL, retries: 1, retryDelayMs: 5 }), "FETCH_UNREACHABLE", (e) => {
    assert.match(e.fix!, /--hub-url/);
    assert.ok(e.file!.startsWith(s));
  });
});

test("hubDownload fetches small and LFS files, verified, with no temporary files left", async () => {
  await withHubServer({ files }, async (s) => {
    for (const [p, file] of Object.entries(files)) {
      const dest = outPath(path.basename(file));
      const seen: number[] = [];
      const r = await hubDownload({ endpoint: s.url, repo: REPO, path: p, dest, onProgress: (e) => seen.push(e.received), ...fast });
      assert.equal(r.path, dest);
      assert.equal(r.bytes, fs.statSync(file).size);
      assert.equal(r.sha256, sha(file));
      assert.equal(sha(dest), sha(file));
      assert.equal(r.resumedFrom, 0);
      assert.equal(r.commit, s.head);
      assert.equal(seen.at(-1), r.bytes);
      assert.deepEqual(fs.readdirSync(path.dirname(dest)), [path.basename(dest)]);
    }
    // The download was pinned to the commit HEAD reported, and the LFS bytes came from the CDN.
    assert.ok(s.requests.some((r) => r.method === "GET" && r.url.includes(`/resolve/${s.head}/`)));
    assert.equal(s.downloads(BIG).length, 1);
    assert.ok(s.downloads(BIG)[0].url.startsWith("/cdn/"));
  });
});

test("a cut connection is resumed with Range within the same call", async () => {
  await withHubServer({ files }, async (s) => {
    s.cutConnection(BIG, 400_000, 2);
    const dest = outPath("big.bin");
    const r = await hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest, ...fast });
    assert.equal(r.sha256, sha(bigFile));
    assert.equal(sha(dest), sha(bigFile));
    // Each resume starts where the kept bytes end: at most what the server sent before the cut
    // (chunks still buffered in the client when the socket dies are not kept).
    const ranges = s.downloads(BIG).map((d) => d.range);
    assert.equal(ranges.length, 3);
    assert.equal(ranges[0], undefined);
    const offsets = ranges.slice(1).map((v) => Number(/^bytes=(\d+)-$/.exec(v ?? "")?.[1]));
    assert.ok(offsets[0] > 0 && offsets[0] <= 400_000, `first resume at ${offsets[0]}`);
    assert.ok(offsets[1] > offsets[0] && offsets[1] <= offsets[0] + 400_000, `second resume at ${offsets[1]}`);
    assert.equal(r.resumedFrom, offsets[1]);
  });
});

test("an interrupted download keeps its .part and the next call resumes it", async () => {
  await withHubServer({ files }, async (s) => {
    s.cutConnection(BIG, 600_000, 1);
    const dest = outPath("big.bin");
    const opts = { endpoint: s.url, repo: REPO, path: BIG, dest, ...fast };
    const e = await rejectsWith(hubDownload({ ...opts, retries: 0 }), "FETCH_HTTP", (e) => assert.match(e.fix!, /resumed/));
    assert.equal(fs.existsSync(dest), false, "nothing under the final name");
    const kept = fs.statSync(`${dest}.part`).size;
    assert.ok(kept > 0 && kept <= 600_000, `kept ${kept} bytes`);
    assert.equal(e.details?.partialBytes, kept);
    const r = await hubDownload(opts);
    assert.equal(r.resumedFrom, kept);
    assert.equal(s.downloads(BIG).at(-1)!.range, `bytes=${kept}-`);
    assert.equal(r.sha256, sha(bigFile));
    assert.equal(fs.existsSync(`${dest}.part`) || fs.existsSync(`${dest}.part.json`), false);
  });
});

test("a part of an older remote version is not resumed: the download restarts from 0", async () => {
  await withHubServer({ files }, async (s) => {
    s.cutConnection(BIG, 500_000, 1);
    const dest = outPath("big.bin");
    const opts = { endpoint: s.url, repo: REPO, path: BIG, dest, ...fast };
    await rejectsWith(hubDownload({ ...opts, retries: 0 }), "FETCH_HTTP");
    const v2 = path.join(src, "big-v2.bin");
    fs.writeFileSync(v2, randomBytes(1_200_000));
    s.setFile(BIG, v2);
    const r = await hubDownload(opts);
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.bytes, 1_200_000);
    assert.equal(r.sha256, sha(v2));
    assert.equal(s.downloads(BIG).at(-1)!.range, undefined);
  });
});

test("a server that ignores Range gets a whole-file restart, still correct", async () => {
  await withHubServer({ files }, async (s) => {
    s.cutConnection(BIG, 700_000, 1);
    s.ignoreRange(BIG);
    const dest = outPath("big.bin");
    const r = await hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest, ...fast });
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.sha256, sha(bigFile));
    assert.equal(sha(dest), sha(bigFile));
    const gets = s.downloads(BIG);
    assert.equal(gets.length, 2);
    assert.match(gets[1].range ?? "", /^bytes=[1-9]\d*-$/);
    assert.equal(gets[1].status, 200);
  });
});

test("transient 500s are retried; a missing file is not", async () => {
  await withHubServer({ files }, async (s) => {
    s.failNext(SMALL, 500, 1, ["GET"]);
    s.failNext(BIG, 502, 2);
    for (const [p, file] of Object.entries(files)) {
      const r = await hubDownload({ endpoint: s.url, repo: REPO, path: p, dest: outPath(path.basename(file)), ...fast });
      assert.equal(r.sha256, sha(file));
    }
    assert.equal(s.requests.filter((r) => r.status >= 500).length, 3);
    const before = s.requests.length;
    await rejectsWith(hubDownload({ endpoint: s.url, repo: REPO, path: "datasets/missing.bin", dest: outPath("m.bin"), ...fast }), "FETCH_NOT_FOUND");
    assert.equal(s.requests.length - before, 1, "a 404 is final: one request");
  });
});

test("size and checksum are verified before the file gets its name", async () => {
  await withHubServer({ files }, async (s) => {
    const dest = outPath("big.bin");
    const opts = { endpoint: s.url, repo: REPO, path: BIG, dest, ...fast };
    await rejectsWith(hubDownload({ ...opts, expectedSize: 1_500_001 }), "SIZE_MISMATCH", (e) => assert.deepEqual(e.details, { expected: 1_500_001, actual: 1_500_000 }));
    assert.equal(s.downloads().length, 0, "a size the server reports wrong is caught before downloading");
    await rejectsWith(hubDownload({ ...opts, expectedSha256: "0".repeat(64) }), "CHECKSUM_MISMATCH", (e) => assert.equal(e.details?.actual, sha(bigFile)));
    assert.deepEqual(fs.readdirSync(path.dirname(dest)), [], "no final file, no .part");
    await rejectsWith(
      hubDownload({
        ...opts,
        validate: () => {
          throw new PgolfError("SHARD_SIZE", "bad shard");
        },
      }),
      "SHARD_SIZE",
    );
    assert.deepEqual(fs.readdirSync(path.dirname(dest)), []);
    const ok = await hubDownload({ ...opts, expectedSize: 1_500_000, expectedSha256: sha(bigFile).toUpperCase() });
    assert.equal(ok.sha256, sha(bigFile));
  });
});

test("an existing file is replaced only by a complete, verified download", async () => {
  await withHubServer({ files }, async (s) => {
    const dest = outPath("big.bin");
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, "old content");
    s.cutConnection(BIG, 100_000, 1);
    await rejectsWith(hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest, ...fast, retries: 0 }), "FETCH_HTTP");
    assert.equal(fs.readFileSync(dest, "utf8"), "old content");
    await hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest, ...fast });
    assert.equal(sha(dest), sha(bigFile));
  });
});

test("a stalled transfer times out and is resumed", async () => {
  await withHubServer({ files }, async (s) => {
    s.stallAfter(BIG, 300_000, 1);
    const dest = outPath("big.bin");
    const r = await hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest, retryDelayMs: 5, timeoutMs: 300 });
    assert.ok(r.resumedFrom > 0 && r.resumedFrom <= 300_000, `resumed from ${r.resumedFrom}`);
    assert.equal(r.sha256, sha(bigFile));
    // With no retries, the timeout is the reported problem.
    s.stallAfter(BIG, 300_000, 1);
    await rejectsWith(hubDownload({ endpoint: s.url, repo: REPO, path: BIG, dest: outPath("big.bin"), retries: 0, timeoutMs: 300 }), "FETCH_HTTP", (e) =>
      assert.match(e.message, /no data from the server for 0\.3 s/),
    );
  });
});

test("a cancelled download stops, keeps its .part and says how to resume", async () => {
  await withHubServer({ files }, async (s) => {
    s.stallAfter(BIG, 200_000, 1);
    const dest = outPath("big.bin");
    const ac = new AbortController();
    const p = hubDownload({
      endpoint: s.url,
      repo: REPO,
      path: BIG,
      dest,
      ...fast,
      signal: ac.signal,
      onProgress: (e) => e.received > 0 && ac.abort(),
    });
    await rejectsWith(p, "FETCH_HTTP", (e) => {
      assert.match(e.message, /cancelled/);
      assert.match(e.fix!, /resumes/);
    });
    assert.equal(fs.existsSync(dest), false);
    assert.ok(fs.statSync(`${dest}.part`).size > 0);
    // Cancelled while waiting to retry: also a PgolfError, not a bare AbortError.
    s.failNext(SMALL, 503, 5);
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 50);
    await rejectsWith(hubHead({ endpoint: s.url, repo: REPO, path: SMALL, retryDelayMs: 1000, signal: ac2.signal }), "FETCH_HTTP", (e) => assert.match(e.message, /cancelled/));
  });
});
