// The tokenizer commands' library functions, called directly: train a tokenizer from a JSONL file,
// encode texts with it (one text, then a JSONL stream), and count bytes over documents.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isPgolfError } from "../core/error.js";
import { countBytes } from "./count_bytes.js";
import { encodeTexts } from "./encode_texts.js";
import { readSotuDocuments } from "./sources.js";
import { loadTokenizer } from "./tokenizer/load.js";
import { trainTokenizer } from "./train_tokenizer.js";

async function all<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

test("trainTokenizer writes PREFIX.model and .vocab; encodeTexts and countBytes use it", async () => {
  const dir = tempDir();
  const docs = readSotuDocuments().slice(0, 12);
  const jsonl = path.join(dir, "docs.jsonl");
  fs.writeFileSync(jsonl, docs.map((d) => JSON.stringify({ text: d.text })).join("\n\n") + "\n");
  const t = await trainTokenizer({ from: jsonl, out: path.join(dir, "tok"), vocabSize: 400 });
  assert.equal(t.documents, 12);
  assert.equal(t.vocab_size, 400);
  assert.equal(loadTokenizer(t.model).vocabSize, 400);
  assert.equal(fs.readFileSync(t.vocab, "utf8").trim().split("\n").length, 400);

  const [one] = await all(encodeTexts({ model: t.model, text: "The state of the union is strong." }));
  assert.equal(loadTokenizer(t.model).decode(one), "The state of the union is strong.");
  const many = await all(encodeTexts({ model: t.model, jsonl }));
  assert.equal(many.length, 12, "blank lines skipped, one id list per document");
  assert.deepEqual(many[3], loadTokenizer(t.model).encode(docs[3].text));

  const bytes = await countBytes({ model: t.model, docs: jsonl });
  assert.ok("raw_bytes" in bytes);
  assert.equal(bytes.documents, 12);
  assert.equal(bytes.raw_bytes, docs.reduce((a, d) => a + Buffer.byteLength(d.text, "utf8"), 0));

  const bad = path.join(dir, "bad.jsonl");
  fs.writeFileSync(bad, '{"text": "fine"}\n{"txt": 1}\n');
  await assert.rejects(all(encodeTexts({ model: t.model, jsonl: bad })), (e) => isPgolfError(e, "COURSE_SOURCE") && /line 2 has no "text" string/.test(e.message) && e.file === bad);
  await assert.rejects(all(encodeTexts({ model: t.model })), (e) => isPgolfError(e, "USAGE"));
  await assert.rejects(countBytes({ model: t.model, docs: jsonl, shard: "x.bin" }), (e) => isPgolfError(e, "USAGE") && /exactly one/.test(e.message));
  await assert.rejects(countBytes({ model: t.model, shard: "x.bin", seqLen: 0 }), (e) => isPgolfError(e, "USAGE") && /--seq-len/.test(e.fix ?? ""));
});
