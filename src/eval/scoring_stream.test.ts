// An entry's own tokenizer, scored for real: the uniform model (test/entries/ts_uniform) with two
// lossless tokenizers of different vocabularies, trained by pgolf on the embedded course's training
// text, goes through the trusted evaluator. Both are divided by the same bytes, the validation
// text's raw UTF-8, and the uniform model scores log2(V) x targets / bytes. A tokenizer that does
// not give the text back (pgolf tokenizer train's default nmt_nfkc: newlines become spaces) is refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { readCourseText } from "../data/course_text.js";
import { prepareCourse } from "../data/prepare.js";
import { trainTokenizer } from "../data/train_tokenizer.js";
import { initEntry } from "../train/init_entry.js";
import { loadTokenizer } from "../data/tokenizer/load.js";
import { decodeModelProto, encodeModelProto } from "../data/tokenizer/model_proto.js";
import { MAX_ENTRY_VOCAB } from "../entry/rules.js";
import { runSeeds, scoreArtifact } from "./run_seeds.js";

const work = tempDir("pgolf-byo-");

test("an entry's own tokenizer: the same raw-byte denominator for every vocabulary, the uniform model at log2(V) x targets / bytes; a lossy tokenizer refused", { timeout: 900_000 }, async () => {
  const course = openCourse((await prepareCourse({ dir: path.join(work, "data") })).dir);
  const val = readCourseText(course, "val");
  const raw = val.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
  assert.equal(raw, course.manifest.pgolf.val_bytes?.raw_utf8, "the course's raw text is the text its byte count was made from");
  // training text for the tokenizers: the course's own, as an entry would get it (ctx.trainingText())
  const train = readCourseText(course, "train").slice(0, 60);
  const jsonl = path.join(work, "train.jsonl");
  fs.writeFileSync(jsonl, train.map((text) => JSON.stringify({ text })).join("\n") + "\n");

  const entryWith = async (name: string, vocab: number, lossless: boolean) => {
    const dir = path.join(work, name);
    fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_uniform"), dir, { recursive: true });
    await trainTokenizer({ from: jsonl, out: path.join(dir, "tokenizer"), vocabSize: vocab, lossless });
    fs.rmSync(path.join(dir, "tokenizer.vocab"));
    const artifact = path.join(work, `${name}.bin`);
    fs.writeFileSync(artifact, JSON.stringify({ uniform: true }));
    return { dir, artifact, tok: loadTokenizer(path.join(dir, "tokenizer.model")) };
  };
  const L = track("cpu-10min-2mb");
  const scored = [];
  for (const [name, vocab] of [["small", 320], ["large", 900]] as const) {
    const e = await entryWith(name, vocab, true);
    const r = await scoreArtifact({ entryDir: e.dir, artifactFile: e.artifact, courseDir: course.dir, track: L, probes: 2 });
    const tokens = val.reduce((a, t) => a + 1 + e.tok.encode(t).length, 0);
    assert.equal(r.tokenizer.source, "entry");
    assert.equal(r.tokenizer.vocab_size, vocab);
    assert.equal(r.targets, tokens - 1, "every target is scored");
    assert.equal(r.bytes, raw, "the denominator is the raw UTF-8 bytes of the validation text");
    assert.equal(r.truncated, false);
    const expected = (Math.log2(vocab) * r.targets) / raw;
    assert.ok(Math.abs(r.val_bpb - expected) < 1e-9 * expected, `uniform over ${vocab}: ${r.val_bpb} vs log2(V) x targets / bytes = ${expected}`);
    assert.equal(r.verdicts.C1_causal.pass, true);
    scored.push(r);
  }
  assert.equal(scored[0].bytes, scored[1].bytes, "two vocabularies, one denominator");
  assert.ok(scored[1].targets < scored[0].targets, "the larger vocabulary needs fewer tokens");

  // the default (nmt_nfkc) tokenizer turns newlines into spaces: the text does not come back
  const lossy = await entryWith("lossy", 320, false);
  const e = await rejectsWith(scoreArtifact({ entryDir: lossy.dir, artifactFile: lossy.artifact, courseDir: course.dir, track: L, probes: 2 }), "TOKENIZER_ROUNDTRIP");
  assert.match(e.message, /^validation document \d+ does not survive encode then decode: from character \d+/);
  assert.match(e.fix ?? "", /pgolf tokenizer train --lossless/);
  assert.equal(e.file, path.join(lossy.dir, "tokenizer.model"));

  // the evaluator reads the tokenizer in its own process: a path out of the entry, a link out of it, or
  // a FIFO (a read that never ends) is refused before anything is read
  const use = (name: string) => fs.writeFileSync(path.join(lossy.dir, "config.json"), JSON.stringify({ tokenizer: name }));
  const refused = (code: string) => rejectsWith(scoreArtifact({ entryDir: lossy.dir, artifactFile: lossy.artifact, courseDir: course.dir, track: L }), code);
  use("../small/tokenizer.model");
  await refused("CONFIG_INVALID");
  fs.symlinkSync(path.join(work, "small", "tokenizer.model"), path.join(lossy.dir, "linked.model"));
  use("linked.model");
  await refused("FILE_NOT_FOUND");
  execFileSync("mkfifo", [path.join(lossy.dir, "fifo.model")]);
  use("fifo.model");
  await refused("FILE_NOT_FOUND");
  // a vocabulary over MAX_ENTRY_VOCAB would make the evaluator take CHUNK_TOKENS x V floats a chunk
  const m = decodeModelProto(fs.readFileSync(path.join(work, "small", "tokenizer.model")));
  const extra = Array.from({ length: MAX_ENTRY_VOCAB }, (_, i) => ({ piece: `zz${i}`, score: -1e4, type: 1 as const }));
  fs.writeFileSync(path.join(lossy.dir, "huge.model"), encodeModelProto({ pieces: [...m.pieces, ...extra], trainer_spec: { ...m.trainer_spec }, normalizer_spec: { ...m.normalizer_spec } }));
  use("huge.model");
  const huge = await refused("TOKENIZER_UNSUPPORTED");
  assert.match(huge.message, new RegExp(`over the ${MAX_ENTRY_VOCAB}`));
});

test("the baseline with its own tokenizer trains on the course's training text and is scored on the raw bytes", { timeout: 600_000 }, async () => {
  const course = openCourse((await prepareCourse({ dir: path.join(work, "data") })).dir);
  const entryDir = path.join(work, "own-baseline");
  await initEntry(entryDir);
  const jsonl = path.join(work, "train-own.jsonl");
  fs.writeFileSync(jsonl, readCourseText(course, "train").slice(0, 40).map((text) => JSON.stringify({ text })).join("\n") + "\n");
  await trainTokenizer({ from: jsonl, out: path.join(entryDir, "tokenizer"), vocabSize: 512, lossless: true });
  fs.rmSync(path.join(entryDir, "tokenizer.vocab"));
  const config = JSON.parse(fs.readFileSync(path.join(entryDir, "config.json"), "utf8"));
  fs.writeFileSync(path.join(entryDir, "config.json"), JSON.stringify({ ...config, tokenizer: "tokenizer.model" }));
  const tiny = { model_overrides: { layers: 2, dim: 64, heads: 4, kvHeads: 2, seqLen: 64 }, train_batch_tokens: 2048, eval_seq_len: 64, warmup_steps: 1, train_log_every: 10, warmdown_iters: 100 };
  const [run] = await runSeeds({ entryDir, courseDir: course.dir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.1, outDir: path.join(work, "own-runs"), configOverrides: tiny, maxTargets: 8192 });
  const log = fs.readFileSync(run.log, "utf8");
  const own = /^tokenizer:tokenizer\.model vocab:512 train_tokens:(\d+)$/m.exec(log);
  assert.ok(own, `the entry tokenized the training text with its own tokenizer:\n${log.slice(0, 800)}`);
  const tok = loadTokenizer(path.join(entryDir, "tokenizer.model"));
  const expected = readCourseText(course, "train").reduce((a, t) => a + 1 + tok.encode(t).length, 0);
  assert.equal(Number(own[1]), expected, "every training document, BOS + its ids");
  assert.match(log, /^step:[1-9]\d*\/\d+ /m, "it trained steps");
  assert.equal(run.eval_targets, 8192);
  // the bytes of the first 8,192 targets of the validation text as the own tokenizer splits it
  const uniform = (Math.log2(512) * run.eval_targets) / run.eval_bytes;
  assert.ok(run.val_bpb < uniform, `learned something: ${run.val_bpb} against uniform ${uniform}`);
  assert.equal(run.eval_verdicts.C1_causal.pass, true);
});