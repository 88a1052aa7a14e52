// Conformance with the real SentencePiece library: expected ids were produced by SentencePiece itself
// with the official sp1024 model (../shared/fixtures/real/reference), and Debian's python3-sentencepiece
// is used live where installed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { test } from "node:test";
import {
  fixture,
  needsFixtures,
  pythonWithSentencePiece,
  readJsonl,
  SP1024_MODEL,
  SP8192_MODEL,
  VAL_901_DOCS_SHARD,
} from "../../../test/support/fixtures.js";
import { readShard } from "../shard.js";
import { SentencePieceTokenizer } from "./sentencepiece.js";

const fx = needsFixtures();

test("46 edge cases: ids, normalized text and decoded text match SentencePiece", fx, () => {
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const cases = readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl"));
  assert.equal(cases.length, 46);
  for (const c of cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, `ids of ${JSON.stringify(c.text)}`);
    assert.equal(tok.normalize(c.text), c.normalized, `normalized ${JSON.stringify(c.text)}`);
    assert.equal(tok.decode(c.ids), c.decoded, `decoded ${JSON.stringify(c.text)}`);
    assert.deepEqual(c.ids.map((i: number) => tok.idToPiece(i)), c.pieces);
  }
});

test("100 real FineWeb documents: every id matches SentencePiece", fx, () => {
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const docs = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string);
  const expected = readJsonl(fixture("reference", "sp1024_encode_verify_docs_0-99.jsonl"));
  assert.equal(expected.length, 100);
  let ids = 0;
  for (const e of expected) {
    const got = tok.encode(docs[e.doc_index]);
    assert.equal(got.length, e.n_ids, `doc ${e.doc_index} length`);
    assert.deepEqual(got, e.ids, `doc ${e.doc_index}`);
    ids += got.length;
  }
  assert.ok(ids > 300_000);
});

test("the word cache never changes a result: a fresh tokenizer per document agrees", fx, () => {
  const warm = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const docs = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string).slice(100, 130);
  const bytes = fs.readFileSync(SP1024_MODEL);
  for (const d of docs) assert.deepEqual(warm.encode(d), SentencePieceTokenizer.fromBytes(bytes).encode(d));
});

test("the official val documents round-trip: encode(decode(doc)) == doc for all 901", fx, () => {
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const tokens = readShard(VAL_901_DOCS_SHARD);
  const docs = readJsonl(fixture("text", "val_prefix_901docs.decoded.jsonl"));
  assert.equal(docs.length, 901);
  for (const d of docs) {
    const ids = [...tokens.subarray(d.bos_offset + 1, d.bos_offset + 1 + d.n_tokens)];
    assert.equal(tokens[d.bos_offset], 1, "doc starts with BOS");
    const text = tok.decode(ids);
    assert.equal(text, d.text, `decode of val doc ${d.val_doc_index}`);
    assert.deepEqual(tok.encode(text), ids, `re-encode of val doc ${d.val_doc_index}`);
  }
});

test("the larger sp8192 record tokenizer agrees with the live SentencePiece library", { skip: fx.skip ?? (pythonWithSentencePiece() ? undefined : "python3-sentencepiece is not installed (apt-get install python3-sentencepiece)") }, () => {
  const py = pythonWithSentencePiece()!;
  const docs = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string).slice(0, 60);
  const edge = readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl")).map((c) => c.text as string);
  const texts = [...edge, ...docs];
  const script = `import sys, json, sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([[sp.encode(t), sp.decode(sp.encode(t))] for t in texts]))`;
  const r = spawnSync(py, ["-c", script, SP8192_MODEL], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Array<[number[], string]>;
  const tok = SentencePieceTokenizer.fromFile(SP8192_MODEL);
  assert.equal(tok.vocabSize, 8192);
  texts.forEach((t, i) => {
    const ids = tok.encode(t);
    assert.deepEqual(ids, expected[i][0], `ids of text ${i}`);
    assert.equal(tok.decode(ids), expected[i][1], `decode of text ${i}`);
  });
});

test("byte table follows build_sentencepiece_luts", fx, () => {
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const t = tok.byteTable();
  // control and unknown pieces are boundaries worth 0 bytes
  for (const id of [0, 1, 2, 3]) assert.deepEqual([t.baseBytes[id], t.isBoundary[id]], [0, 1]);
  // byte-fallback pieces are 1 byte
  assert.deepEqual([t.baseBytes[4], t.isBoundary[4], t.hasLeadingSpace[4]], [1, 0, 0]);
  // "▁the" is 3 bytes plus a leading space; "▁" alone (id 939) is 0 + leading space
  const the = tok.pieceToId("\u2581the");
  assert.deepEqual([t.baseBytes[the], t.hasLeadingSpace[the]], [3, 1]);
  assert.equal(tok.idToPiece(939), "\u2581");
  assert.deepEqual([t.baseBytes[939], t.hasLeadingSpace[939]], [0, 1]);
});

test("bad model files give clear errors", () => {
  assert.throws(() => SentencePieceTokenizer.fromFile("/nonexistent/x.model"), /PGOLF|not found/);
  assert.throws(
    () => SentencePieceTokenizer.fromBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), "junk.model"),
    (e: any) => e.code === "TOKENIZER_PARSE" && e.file === "junk.model",
  );
});
