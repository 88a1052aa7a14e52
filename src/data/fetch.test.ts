// The contest data fetcher over real HTTP against test/support/hub_server.ts, serving a stand-in of
// the contest's repo (test/support/challenge_hub.ts: the official layout and manifest format, with a
// tokenizer and val shard pgolf made from the embedded course) and small valid train shards made
// here, under the official repo paths. The plan from the real official manifest is checked against
// ../shared/fixtures.
import { rejectsWith } from "../../test/support/errors.js";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import { isPgolfError } from "../core/error.js";
import { challengeHub, HUB_VAL, hubTrain } from "../../test/support/challenge_hub.js";
import { fixture, needsFixtures, tempDir } from "../../test/support/fixtures.js";
import { withHubServer, type HubServer, type HubServerOptions } from "../../test/support/hub_server.js";
import { datasetNameForVariant, fetchChallengeFiles, FETCH_RECORD, parseChallengeManifest, planChallengeFiles, type FetchChallengeOptions } from "./fetch.js";
import { shardInfo, writeShard } from "./shard.js";

const VAL = HUB_VAL;
const TRAIN0 = hubTrain(0);
const TRAIN1 = hubTrain(1);

const work = tempDir("pgolf-fetch-");
const src = path.join(work, "src");

/** A valid train shard of `docs` pseudo-random documents ([BOS] + ids < 1024), deterministic per seed. */
function makeTrainShard(file: string, seed: number, docs: number): void {
  let x = seed >>> 0;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0), x);
  const tokens: number[] = [];
  for (let d = 0; d < docs; d++) {
    tokens.push(1);
    const len = 50 + (rand() % 400);
    for (let i = 0; i < len; i++) tokens.push(4 + (rand() % 1020));
  }
  writeShard(file, tokens);
}

let serverFiles: Record<string, string> = {};
/** The served manifest, tokenizer and val shard (local files). */
let MANIFEST = "";
let MODEL = "";
let VOCAB = "";
let VAL_SHARD = "";
before(async () => {
  fs.mkdirSync(src, { recursive: true });
  const hub = await challengeHub(src);
  ({ manifest: MANIFEST, model: MODEL, vocab: VOCAB, val: VAL_SHARD } = hub);
  makeTrainShard(path.join(src, "train0.bin"), 1, 300);
  makeTrainShard(path.join(src, "train1.bin"), 2, 200);
  serverFiles = { ...hub.files, [TRAIN0]: path.join(src, "train0.bin"), [TRAIN1]: path.join(src, "train1.bin") };
});

const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
let runs = 0;
const freshDir = () => path.join(work, `data-${runs++}`);

async function serve<T>(fn: (s: HubServer) => Promise<T>, opts: Partial<HubServerOptions> = {}): Promise<T> {
  return withHubServer({ files: serverFiles, ...opts }, fn);
}

const fetchOpts = (s: HubServer, dir: string, trainShards: number): FetchChallengeOptions => ({
  endpoint: s.url,
  trainShards,
  dir,
  progress: false,
  retryDelayMs: 5,
  timeoutMs: 10_000,
});


/** Relative paths of every file under `dir` (temporary files included). */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(dir, p)).isFile()).map((p) => p.split(path.sep).join("/")).sort();
}

// the plan from the stand-in's manifest, and from the real official one where the fixtures are
for (const [which, file, opts] of [
  ["the stand-in manifest", () => MANIFEST, {}],
  ["the real official manifest", () => fixture("dataset", "manifest.json"), needsFixtures()],
] as const) {
  test(`the manifest plan mirrors cached_challenge_fineweb.py (${which})`, opts, () => planMirrorsOfficial(file()));
}

function planMirrorsOfficial(manifest: string): void {
  const m = parseChallengeManifest(fs.readFileSync(manifest, "utf8"), manifest);
  const plan = planChallengeFiles(m, "sp1024", 2);
  assert.equal(plan.dataset.name, "fineweb10B_sp1024");
  assert.equal(plan.tokenizer.name, "sp_bpe_1024");
  assert.deepEqual(plan.files, [
    { role: "tokenizer", path: "tokenizers/fineweb_1024_bpe.model" },
    { role: "tokenizer", path: "tokenizers/fineweb_1024_bpe.vocab" },
    { role: "val", path: "datasets/fineweb10B_sp1024/fineweb_val_000000.bin" },
    { role: "train", path: "datasets/fineweb10B_sp1024/fineweb_train_000000.bin" },
    { role: "train", path: "datasets/fineweb10B_sp1024/fineweb_train_000001.bin" },
  ]);
  assert.equal(planChallengeFiles(m, "sp1024", 195).files.length, 2 + 1 + 195);
  assert.throws(() => planChallengeFiles(m, "sp1024", 196), (e) => isPgolfError(e, "USAGE") && /196 is more than the 195 training shards/.test((e as Error).message));
  assert.throws(() => planChallengeFiles(m, "sp4096", 1), (e) => isPgolfError(e, "USAGE") && /fineweb10B_sp4096 is not in the manifest/.test((e as Error).message));
  assert.throws(() => planChallengeFiles(m, "sp1024", -1), (e) => isPgolfError(e, "USAGE"));
  assert.equal(datasetNameForVariant("byte260"), "fineweb10B_byte260");
  assert.throws(() => datasetNameForVariant("gpt2"), (e) => isPgolfError(e, "USAGE"));
  const evil = { ...m, tokenizers: [{ ...m.tokenizers[0], model_path: "../../etc/passwd" }] };
  assert.throws(() => planChallengeFiles(evil, "sp1024", 0), (e) => isPgolfError(e, "FETCH_MANIFEST"));
}

for (const n of [1, 2]) {
  test(`fetches manifest, tokenizer, val and ${n} train shard(s) in the official layout`, async () => {
    await serve(async (s) => {
      const dir = freshDir();
      const events: number[] = [];
      const r = await fetchChallengeFiles({ ...fetchOpts(s, dir, n), onProgress: (p) => p.phase === "download" && events.push(p.done) });
      const expected = [
        ["manifest", "manifest.json", MANIFEST],
        ["tokenizer", "tokenizers/fineweb_1024_bpe.model", MODEL],
        ["tokenizer", "tokenizers/fineweb_1024_bpe.vocab", VOCAB],
        ["val", "datasets/fineweb10B_sp1024/fineweb_val_000000.bin", VAL_SHARD],
        ["train", "datasets/fineweb10B_sp1024/fineweb_train_000000.bin", serverFiles[TRAIN0]],
        ["train", "datasets/fineweb10B_sp1024/fineweb_train_000001.bin", serverFiles[TRAIN1]],
      ].slice(0, 4 + n);
      assert.deepEqual(
        r.files.map((f) => [f.role, f.path, f.status]),
        expected.map(([role, p]) => [role, p, "downloaded"]),
      );
      for (const [, rel, source] of expected) {
        const f = r.files.find((x) => x.path === rel)!;
        assert.equal(f.sha256, sha(source), rel);
        assert.equal(f.bytes, fs.statSync(source).size, rel);
        assert.equal(sha(path.join(dir, rel)), sha(source), rel);
      }
      for (const f of r.files.filter((x) => x.role === "train" || x.role === "val")) {
        const info = shardInfo(path.join(dir, f.path));
        assert.equal(info.bytes, 1024 + 2 * info.tokens);
      }
      assert.equal(shardInfo(path.join(dir, "datasets/fineweb10B_sp1024/fineweb_val_000000.bin")).tokens, shardInfo(VAL_SHARD).tokens);
      assert.deepEqual(listFiles(dir), [FETCH_RECORD, ...expected.map(([, p]) => p)].sort());
      assert.equal(r.dataset, "fineweb10B_sp1024");
      assert.equal(r.manifest.datasets[0].stats.files_train, 195);
      assert.deepEqual(r.manifest, JSON.parse(fs.readFileSync(MANIFEST, "utf8")));
      const shardBytes = expected.slice(1).reduce((a, [, , file]) => a + fs.statSync(file).size, 0);
      assert.equal(r.downloadedBytes, shardBytes + fs.statSync(MANIFEST).size);
      assert.equal(events.at(-1), shardBytes, "overall progress reaches the total of the sized files");
    });
  });
}

test("a second run downloads nothing and re-verifies every file", async () => {
  await serve(async (s) => {
    const dir = freshDir();
    const first = await fetchChallengeFiles(fetchOpts(s, dir, 2));
    const requests = s.requests.length;
    const verified: string[] = [];
    const again = await fetchChallengeFiles({ ...fetchOpts(s, dir, 2), onProgress: (p) => p.phase === "verify" && verified.push(p.path) });
    assert.equal(s.requests.length, requests, "no request at all: everything was present and valid");
    assert.ok(again.files.every((f) => f.status === "present"));
    assert.deepEqual(
      again.files.map((f) => [f.path, f.bytes, f.sha256]),
      first.files.map((f) => [f.path, f.bytes, f.sha256]),
    );
    assert.equal(again.downloadedBytes, 0);
    assert.deepEqual(verified, first.files.slice(1).map((f) => f.path));

    // A file changed on disk no longer matches the record: it is fetched again, and only it.
    const val = path.join(dir, "datasets/fineweb10B_sp1024/fineweb_val_000000.bin");
    const fd = fs.openSync(val, "r+");
    fs.writeSync(fd, Buffer.from([0x07, 0x00]), 0, 2, 5000); // a token id changed: header and size still valid
    fs.closeSync(fd);
    const fixed = await fetchChallengeFiles(fetchOpts(s, dir, 2));
    const v = fixed.files.find((f) => f.role === "val")!;
    assert.equal(v.status, "replaced");
    assert.match(v.replacedBecause!, /changed since it was downloaded/);
    assert.equal(sha(val), sha(VAL_SHARD));
    assert.deepEqual(fixed.files.filter((f) => f.status !== "present").map((f) => f.path), [v.path]);
  });
});

test("files from another downloader are kept when valid; a truncated one is replaced", async () => {
  await serve(async (s) => {
    const dir = freshDir();
    const d = path.join(dir, "datasets/fineweb10B_sp1024");
    fs.mkdirSync(d, { recursive: true });
    fs.copyFileSync(serverFiles[TRAIN0], path.join(d, "fineweb_train_000000.bin"));
    const cut = fs.readFileSync(VAL_SHARD).subarray(0, 100_000);
    fs.writeFileSync(path.join(d, "fineweb_val_000000.bin"), cut);
    const r = await fetchChallengeFiles(fetchOpts(s, dir, 1));
    const status = Object.fromEntries(r.files.map((f) => [f.role === "tokenizer" ? f.path : f.role, f.status]));
    assert.deepEqual(status, { manifest: "downloaded", "tokenizers/fineweb_1024_bpe.model": "downloaded", "tokenizers/fineweb_1024_bpe.vocab": "downloaded", val: "replaced", train: "present" });
    assert.equal(s.downloads(TRAIN0).length, 0);
    assert.equal(sha(path.join(d, "fineweb_val_000000.bin")), sha(VAL_SHARD));
    const record = JSON.parse(fs.readFileSync(path.join(dir, FETCH_RECORD), "utf8"));
    assert.equal(record.files["datasets/fineweb10B_sp1024/fineweb_train_000000.bin"].sha256, sha(serverFiles[TRAIN0]));
  });
});

test("a cut connection is resumed and the shard still matches its source", async () => {
  await serve(async (s) => {
    s.cutConnection(VAL, 700_000, 1);
    s.cutConnection(TRAIN0, 50_000, 1);
    const dir = freshDir();
    const r = await fetchChallengeFiles(fetchOpts(s, dir, 1));
    for (const [role, source] of [["val", VAL_SHARD], ["train", serverFiles[TRAIN0]]] as const) {
      const f = r.files.find((x) => x.role === role)!;
      assert.ok(f.resumedFrom! > 0, `${role} resumed from ${f.resumedFrom}`);
      assert.equal(f.sha256, sha(source));
      assert.equal(sha(path.join(dir, f.path)), sha(source));
    }
    assert.match(s.downloads(VAL)[1].range ?? "", /^bytes=\d+-$/);
  });
});

test("a shard interrupted in one run is resumed by the next", async () => {
  await serve(async (s) => {
    s.cutConnection(VAL, 650_000, 1);
    const dir = freshDir();
    await rejectsWith(fetchChallengeFiles({ ...fetchOpts(s, dir, 0), retries: 0 }), "FETCH_HTTP");
    const val = path.join(dir, "datasets/fineweb10B_sp1024/fineweb_val_000000.bin");
    assert.equal(fs.existsSync(val), false);
    const kept = fs.statSync(`${val}.part`).size;
    assert.ok(kept > 0);
    const r = await fetchChallengeFiles(fetchOpts(s, dir, 0));
    const f = r.files.find((x) => x.role === "val")!;
    assert.equal(f.resumedFrom, kept);
    assert.equal(f.sha256, sha(VAL_SHARD));
    assert.equal(r.files.find((x) => x.role === "manifest")!.status, "present");
    assert.deepEqual(listFiles(dir).filter((p) => p.includes(".part")), []);
  });
});

test("a server that ignores Range: the shard restarts from 0 and is still correct", async () => {
  await serve(async (s) => {
    s.cutConnection(VAL, 600_000, 1);
    s.ignoreRange(VAL);
    const dir = freshDir();
    const r = await fetchChallengeFiles(fetchOpts(s, dir, 1));
    const f = r.files.find((x) => x.role === "val")!;
    assert.equal(f.resumedFrom, 0);
    assert.equal(f.sha256, sha(VAL_SHARD));
    assert.deepEqual(s.downloads(VAL).map((d) => d.status), [200, 200]);
  });
});

test("a file missing on the server fails with FETCH_NOT_FOUND before the large downloads", async () => {
  const { [TRAIN1]: _gone, ...files } = serverFiles;
  await serve(
    async (s) => {
      const dir = freshDir();
      await rejectsWith(fetchChallengeFiles(fetchOpts(s, dir, 2)), "FETCH_NOT_FOUND", (e) => {
        assert.match(e.message, /fineweb_train_000001\.bin does not exist in willdepueoai\/parameter-golf/);
        assert.match(e.file!, /resolve\/main\/datasets\/datasets\/fineweb10B_sp1024\/fineweb_train_000001\.bin$/);
      });
      assert.deepEqual(s.downloads().map((d) => d.repoPath), ["datasets/manifest.json"], "only the manifest was transferred");
    },
    { files },
  );
});

test("--train-shards beyond the manifest is refused after reading it", async () => {
  await serve(async (s) => {
    const dir = freshDir();
    await rejectsWith(fetchChallengeFiles(fetchOpts(s, dir, 500)), "USAGE", (e) => {
      assert.match(e.message, /500 is more than the 195 training shards of fineweb10B_sp1024/);
      assert.match(e.fix!, /--train-shards 195 or fewer/);
    });
    assert.deepEqual(s.downloads().map((d) => d.repoPath), ["datasets/manifest.json"]);
    await rejectsWith(fetchChallengeFiles({ ...fetchOpts(s, dir, 1), variant: "sp8192" }), "USAGE", (e) => assert.match(e.fix!, /--variant sp1024/));
  });
});

test("a corrupt shard is rejected and leaves no file under its name", async () => {
  // A shard whose header declares 40 000 tokens but which holds 30 000: cut off at the source.
  const bad = path.join(src, "corrupt.bin");
  makeTrainShard(path.join(src, "whole.bin"), 3, 120);
  const whole = fs.readFileSync(path.join(src, "whole.bin"));
  const header = Buffer.from(whole.subarray(0, 1024));
  header.writeInt32LE(40_000, 8);
  fs.writeFileSync(bad, Buffer.concat([header, whole.subarray(1024, 1024 + 2 * 30_000)]));
  await serve(
    async (s) => {
      const dir = freshDir();
      await rejectsWith(fetchChallengeFiles(fetchOpts(s, dir, 1)), "SHARD_TRUNCATED", (e) => {
        assert.match(e.message, /server sent a damaged shard datasets\/fineweb10B_sp1024\/fineweb_train_000000\.bin/);
        assert.match(e.message, /40000 tokens, so the file must be 81024 bytes, but it is 61024/);
        assert.match(e.file!, /fineweb_train_000000\.bin$/);
      });
      const left = listFiles(dir);
      assert.ok(!left.some((p) => p.includes("fineweb_train_000000")), `left: ${left.join(", ")}`);
      assert.ok(left.includes("datasets/fineweb10B_sp1024/fineweb_val_000000.bin"), "the good files before it are kept");
    },
    { files: { ...serverFiles, [TRAIN0]: bad } },
  );
});

test("transient server errors are retried", async () => {
  await serve(async (s) => {
    s.failNext("datasets/manifest.json", 503, 2);
    s.failNext(VAL, 500, 1, ["GET"]);
    const r = await fetchChallengeFiles(fetchOpts(s, freshDir(), 0));
    assert.equal(r.files.find((f) => f.role === "val")!.sha256, sha(VAL_SHARD));
    assert.equal(s.requests.filter((q) => q.status >= 500).length, 3);
  });
});
