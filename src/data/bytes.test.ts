import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, needsFixtures, readJsonl, referenceValues, SP1024_MODEL, VAL_901_DOCS_SHARD, VAL_PREFIX_SHARD } from "../../test/support/fixtures.js";
import { compareDocumentBytes, countShardTargetBytes, countTargetBytes, documentBytes, scoredTargets } from "./bytes.js";
import { readShard } from "./shard.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

const fx = needsFixtures();

test("scored targets follow eval_val: ((N-1)//L)*L, or N-1 without a sequence length", () => {
  assert.equal(scoredTargets(1040298, 1024), 1039360);
  assert.equal(scoredTargets(1040298, 2048), 1038336);
  assert.equal(scoredTargets(1040298), 1040297);
  assert.equal(scoredTargets(62021846, 1024), 62021632);
  assert.equal(scoredTargets(1), 0);
});

test("reference byte counts on the official val prefix (reference_values.json)", fx, () => {
  const ref = referenceValues().computed_here_val_prefix;
  const table = SentencePieceTokenizer.fromFile(SP1024_MODEL).byteTable();
  const all = countShardTargetBytes(VAL_PREFIX_SHARD, table);
  assert.deepEqual([all.targets, all.bytes], [ref.targets_all, ref.lut_bytes_all_targets]);
  const s1024 = countShardTargetBytes(VAL_PREFIX_SHARD, table, 1024);
  assert.deepEqual([s1024.targets, s1024.bytes], [ref.seq1024_eval_targets, ref.seq1024_eval_lut_bytes]);
  assert.ok(Math.abs(s1024.tokens_per_byte - ref.seq1024_tokens_per_byte) < 1e-12);
  // The uniform model's bpb: log2(1024) x tokens/byte.
  assert.ok(Math.abs(10 * s1024.tokens_per_byte - ref.seq1024_uniform_model_val_bpb) < 1e-9);
  const s2048 = countShardTargetBytes(VAL_PREFIX_SHARD, table, 2048);
  assert.deepEqual([s2048.targets, s2048.bytes], [ref.seq2048_eval_targets, ref.seq2048_eval_lut_bytes]);
  // Streaming and in-memory counting agree.
  assert.deepEqual(countTargetBytes(readShard(VAL_PREFIX_SHARD), table, 1024), s1024);
  assert.deepEqual(countShardTargetBytes(VAL_901_DOCS_SHARD, table, 1024).bytes, ref.first901docs_seq1024_eval_lut_bytes);
});

test("byte table agrees with the decoded text on the 901 complete val docs", fx, () => {
  const ref = referenceValues().computed_here_val_prefix;
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const docs = readJsonl(fixture("text", "val_prefix_901docs.decoded.jsonl"));
  const cmp = compareDocumentBytes(docs.map((d) => d.text as string), tok);
  assert.equal(cmp.table_bytes, ref.lut_bytes_complete_docs);
  assert.equal(cmp.raw_bytes, ref.lut_bytes_complete_docs, "decoded val text is already normalized");
  assert.equal(cmp.raw_matches_table, true);
  assert.equal(cmp.differing_count, 0);
});

test("on raw FineWeb text the canonical count differs where normalization changes the text, and says so", fx, () => {
  const tok = SentencePieceTokenizer.fromFile(SP1024_MODEL);
  const raw = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string);
  const expected = readJsonl(fixture("reference", "sp1024_encode_verify_docs_0-99.jsonl"));
  for (const e of expected.slice(0, 40)) {
    const d = documentBytes(raw[e.doc_index], tok);
    assert.equal(d.table, e.lut_bytes_after_bos, `doc ${e.doc_index} table bytes`);
    assert.equal(d.table, e.normalized_utf8_bytes, `doc ${e.doc_index} table bytes = normalized bytes`);
  }
  const cmp = compareDocumentBytes(raw, tok);
  assert.equal(cmp.documents, 200);
  assert.equal(cmp.table_matches_decoded, true, "the byte table counts what the tokens spell");
  assert.equal(cmp.table_bytes, 1489418);
  assert.equal(cmp.raw_matches_table, false);
  assert.ok(cmp.raw_bytes > cmp.table_bytes);
  assert.ok(cmp.differing_count > 0 && cmp.differing[0].reason.includes("normalization"));
});
