// `pgolf data fetch` end to end over real HTTP (test/support/hub_server.ts serving the real official
// manifest, tokenizer and val shard prefix), then `pgolf data verify` on what arrived, including a
// course whose training data contains a validation document.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { fixture, needsFixtures, tempDir, VAL_PREFIX_SHARD } from "../../test/support/fixtures.js";
import { withHubServer } from "../../test/support/hub_server.js";
import { isPgolfError } from "../core/error.js";
import { fetchCourse, OFFICIAL_MANIFEST_NAME } from "./fetch_course.js";
import { readManifest } from "./manifest.js";
import { readShard, writeShard } from "./shard.js";
import { verifyCourse } from "./verify.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

const fx = needsFixtures();
const D = "datasets/datasets/fineweb10B_sp1024";

function serverFiles(trainShard: string): Record<string, string> {
  return {
    "datasets/manifest.json": fixture("dataset", "manifest.json"),
    "datasets/tokenizers/fineweb_1024_bpe.model": fixture("tokenizers", "fineweb_1024_bpe.model"),
    "datasets/tokenizers/fineweb_1024_bpe.vocab": fixture("tokenizers", "fineweb_1024_bpe.vocab"),
    [`${D}/fineweb_val_000000.bin`]: VAL_PREFIX_SHARD,
    [`${D}/fineweb_train_000000.bin`]: trainShard,
  };
}

/** A train shard of real text (FineWeb docs not in the val prefix), encoded with the official model. */
function realTrainShard(file: string, extra: number[] = []): void {
  const tok = SentencePieceTokenizer.fromFile(fixture("tokenizers", "fineweb_1024_bpe.model"));
  const docs = fs.readFileSync(fixture("text", "verify_docs_200.jsonl"), "utf8").split("\n").filter(Boolean).slice(0, 40);
  const tokens: number[] = [];
  for (const d of docs) tokens.push(tok.bosId, ...tok.encode(JSON.parse(d).text));
  writeShard(file, [...tokens, ...extra]);
}

test("fetch a course from a hub, then verify it", fx, async () => {
  const work = tempDir();
  const train = path.join(work, "train0.bin");
  realTrainShard(train);
  await withHubServer({ files: serverFiles(train) }, async (server) => {
    const dir = path.join(work, "data");
    const r = await fetchCourse({ dir, trainShards: 1, hubUrl: server.url });
    assert.equal(r.course, "fineweb-sp1024");
    assert.equal(r.tokens_val, 1040298);
    assert.equal(r.docs_val, 902);
    assert.equal(r.docs_train, 40);
    assert.equal(r.val_table_bytes, 2504867, "all-target byte-table count of the val prefix");
    assert.ok(r.downloaded_bytes > 2_000_000);
    const m = readManifest(r.dir);
    assert.equal(m.datasets[0].name, "fineweb10B_sp1024", "the official fields are kept");
    assert.deepEqual(m.pgolf.files.map((f) => f.role).sort(), ["official-manifest", "tokenizer", "train", "val", "vocab"]);
    assert.ok(fs.existsSync(path.join(r.dir, OFFICIAL_MANIFEST_NAME)));
    assert.ok(fs.existsSync(path.join(r.dir, D.replace("datasets/", ""), "fineweb_val_000000.bin")));

    const v = await verifyCourse(r.dir);
    assert.equal(v.ok, true, v.problems.join("; "));
    assert.equal(v.leaks, 0);
    assert.equal(v.docs_val, 902);

    // A second fetch downloads nothing.
    const again = await fetchCourse({ dir, trainShards: 1, hubUrl: server.url });
    assert.equal(again.downloaded_bytes, 0);

    // Tampering is caught by verify.
    const valFile = path.join(r.dir, "datasets/fineweb10B_sp1024/fineweb_val_000000.bin");
    const bytes = fs.readFileSync(valFile);
    bytes[5000] ^= 1;
    fs.writeFileSync(valFile, bytes);
    const bad = await verifyCourse(r.dir);
    assert.equal(bad.ok, false);
    assert.match(bad.problems.join("\n"), /fineweb_val_000000\.bin: sha256/);
  });
});

test("verify proves a leak: a validation document inside the training shard", fx, async () => {
  const work = tempDir();
  const val = readShard(VAL_PREFIX_SHARD);
  let end = 1;
  while (val[end] !== 1) end++;
  const firstValDoc = [...val.subarray(0, end)]; // [BOS] + ids of val doc 0
  const train = path.join(work, "train0.bin");
  realTrainShard(train, firstValDoc);
  await withHubServer({ files: serverFiles(train) }, async (server) => {
    const r = await fetchCourse({ dir: path.join(work, "data"), trainShards: 1, hubUrl: server.url });
    const v = await verifyCourse(r.dir);
    assert.equal(v.ok, false);
    assert.equal(v.leaks, 1);
    assert.match(v.problems.join("\n"), /1 validation document\(s\) also occur in training/);
  });
});

test("fetching a built course is refused with the command to use", async () => {
  await assert.rejects(fetchCourse({ course: "sotu-sp1024", trainShards: 1 }), (e) => isPgolfError(e, "USAGE") && /data prepare/.test(e.fix ?? ""));
});
