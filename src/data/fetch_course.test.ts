// `pgolf data fetch` end to end over real HTTP (test/support/hub_server.ts serving a stand-in of the
// contest's repo, test/support/challenge_hub.ts: the official layout and manifest format with a
// tokenizer and val shard pgolf made from the embedded course), then `pgolf data verify` on what
// arrived, including a course whose training data contains a validation document.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { challengeHub, HUB_DATASET, hubTrain, type ChallengeHub } from "../../test/support/challenge_hub.js";
import { tempDir } from "../../test/support/fixtures.js";
import { withHubServer } from "../../test/support/hub_server.js";
import { sotuTexts } from "../../test/support/text_docs.js";
import { isPgolfError } from "../core/error.js";
import { fetchCourse, OFFICIAL_MANIFEST_NAME } from "./fetch_course.js";
import { readManifest } from "./manifest.js";
import { readShard, writeShard } from "./shard.js";
import { verifyCourse } from "./verify.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

const D = HUB_DATASET;

/** The stand-in repo, made once for the file. */
let hub: Promise<ChallengeHub> | undefined;
const standIn = () => (hub ??= challengeHub(tempDir()));

/** A train shard of 40 speeches not in the course's val split (every 10th speech is), encoded with the served model. */
function textTrainShard(h: ChallengeHub, file: string, extra: number[] = []): Record<string, string> {
  const tok = SentencePieceTokenizer.fromFile(h.model);
  const docs = sotuTexts(44).filter((_, i) => i % 10 !== 9);
  const tokens: number[] = [];
  for (const d of docs) tokens.push(tok.bosId, ...tok.encode(d));
  writeShard(file, [...tokens, ...extra]);
  return { ...h.files, [hubTrain(0)]: file };
}

test("fetch a course from a hub, then verify it", { timeout: 60_000 }, async () => {
  const work = tempDir();
  const h = await standIn();
  const files = textTrainShard(h, path.join(work, "train0.bin"));
  await withHubServer({ files }, async (server) => {
    const dir = path.join(work, "data");
    const r = await fetchCourse({ dir, trainShards: 1, hubUrl: server.url });
    assert.equal(r.course, "fineweb-sp1024");
    assert.equal(r.tokens_val, h.valTokens);
    assert.equal(r.docs_val, h.valDocs);
    assert.equal(r.docs_train, 40);
    assert.equal(r.val_table_bytes, h.valTableBytes, "all-target byte-table count of the val shard, as the course build counted it");
    assert.ok(r.downloaded_bytes > fs.statSync(h.val).size + fs.statSync(h.model).size);
    const m = readManifest(r.dir);
    assert.equal(m.datasets[0].name, "fineweb10B_sp1024", "the official fields are kept");
    assert.deepEqual(m.pgolf.files.map((f) => f.role).sort(), ["official-manifest", "tokenizer", "train", "val", "vocab"]);
    assert.ok(fs.existsSync(path.join(r.dir, OFFICIAL_MANIFEST_NAME)));
    assert.ok(fs.existsSync(path.join(r.dir, D.replace("datasets/", ""), "fineweb_val_000000.bin")));

    const v = await verifyCourse(r.dir);
    assert.equal(v.ok, true, v.problems.join("; "));
    assert.equal(v.leaks, 0);
    assert.equal(v.docs_val, h.valDocs);

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

test("verify proves a leak: a validation document inside the training shard", { timeout: 60_000 }, async () => {
  const work = tempDir();
  const h = await standIn();
  const val = readShard(h.val);
  let end = 1;
  while (val[end] !== 1) end++;
  const firstValDoc = [...val.subarray(0, end)]; // [BOS] + ids of val doc 0
  const files = textTrainShard(h, path.join(work, "train0.bin"), firstValDoc);
  await withHubServer({ files }, async (server) => {
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
