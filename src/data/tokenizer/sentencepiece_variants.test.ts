// Exactness beyond the official model: models trained here by the real SentencePiece library
// (Debian's python3-sentencepiece) with other settings, Unigram among them, must encode and decode
// exactly as the library does.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { fixture, needsFixtures, pythonWithSentencePiece, readJsonl, tempDir } from "../../../test/support/fixtures.js";
import { SentencePieceTokenizer } from "./sentencepiece.js";

const py = pythonWithSentencePiece();
const skip = needsFixtures().skip ?? (py ? undefined : "python3-sentencepiece is not installed (apt-get install python3-sentencepiece)");

const VARIANTS: Record<string, string> = {
  unigram_nfkc: "model_type=unigram vocab_size=600 byte_fallback=true",
  unigram_plain: "model_type=unigram vocab_size=400 normalization_rule_name=identity add_dummy_prefix=true remove_extra_whitespaces=false",
  unigram_user: "model_type=unigram vocab_size=500 user_defined_symbols=<sep>,@@,hello split_digits=true",
  bpe_dummy_prefix: "model_type=bpe vocab_size=500 add_dummy_prefix=true",
  bpe_no_fallback: "model_type=bpe vocab_size=400 byte_fallback=false character_coverage=0.99",
  bpe_user_ws_suffix: "model_type=bpe vocab_size=500 user_defined_symbols=<sep>,@@ treat_whitespace_as_suffix=true byte_fallback=true",
  bpe_identity: "model_type=bpe vocab_size=500 normalization_rule_name=identity remove_extra_whitespaces=false split_digits=true",
  bpe_nfkc_cf: "model_type=bpe vocab_size=500 normalization_rule_name=nmt_nfkc_cf byte_fallback=true",
};

test("models trained by the real SentencePiece with other settings encode and decode identically", { skip, timeout: 120_000 }, () => {
  const dir = tempDir();
  const docs = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string);
  const corpus = path.join(dir, "corpus.txt");
  // SentencePiece trains on lines; use the first 120 documents, one paragraph per line.
  fs.writeFileSync(corpus, docs.slice(0, 120).join("\n").replace(/\r/g, ""));
  const edge = readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl")).map((c) => c.text as string);
  const texts = [...edge, "a <sep> b @@ hello world 12345 hello<sep>@@", ...docs.slice(150, 170)];
  const script = `import sys, json, sentencepiece as spm
corpus, out, variants = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
texts = json.load(sys.stdin)
result = {}
for name, flags in variants.items():
    prefix = out + "/" + name
    spm.SentencePieceTrainer.train(f"--input={corpus} --model_prefix={prefix} --num_threads=2 --minloglevel=2 " + " ".join("--" + f for f in flags.split()))
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    result[name] = [[sp.encode(t), sp.decode(sp.encode(t))] for t in texts]
print(json.dumps(result))`;
  const r = spawnSync(py!, ["-c", script, corpus, dir, JSON.stringify(VARIANTS)], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Record<string, Array<[number[], string]>>;
  for (const name of Object.keys(VARIANTS)) {
    const tok = SentencePieceTokenizer.fromFile(path.join(dir, `${name}.model`));
    texts.forEach((t, i) => {
      const ids = tok.encode(t);
      assert.deepEqual(ids, expected[name][i][0], `${name}: ids of text ${i} ${JSON.stringify(t.slice(0, 40))}`);
      assert.equal(tok.decode(ids), expected[name][i][1], `${name}: decode of text ${i}`);
    });
  }
});
