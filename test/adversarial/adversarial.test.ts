// Every attack class of issue 12 against the real harness, the real sandbox and the real trusted
// evaluator (see README.md here): each adversarial entry must end in its coded refusal, and the honest
// references, scored in the same conditions, must pass every check.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { courseAndCanary } from "../support/canary_server.js";
import { rejectsWith } from "../support/errors.js";
import { PROJECT_ROOT, tempDir } from "../support/fixtures.js";
import { sha256 } from "../../src/core/hash.js";
import { track } from "../../src/core/track.js";
import { codeFiles } from "../../src/entry/code_bytes.js";
import { sandboxSupport } from "../../src/entry/sandbox.js";
import { sealEntry } from "../../src/entry/seal.js";
import { accountSize } from "../../src/entry/size_rule.js";
import { runSeeds, scoreArtifact } from "../../src/eval/run_seeds.js";
import { parseLog } from "../../src/submission/log_parse.js";
import { writeRecord } from "../../src/submission/record.js";
import { trainSeed } from "../../src/train/harness.js";

const work = tempDir();
const LOCAL = track("cpu-10min-2mb");
const support = sandboxSupport();
const sandboxed = support.ok ? {} : { skip: `no sandbox here: ${support.problems.join("; ")}` };
const fx = courseAndCanary(work);
const HERE = path.join(PROJECT_ROOT, "test", "adversarial");
const QUICK = 16_384;

let n = 0;
/** A fresh copy of an adversarial TS entry with the bigram beside it and config.json's settings merged in. */
function tsAttack(name: string, settings: Record<string, unknown> = {}): string {
  const dir = path.join(work, `${name}-${++n}`);
  fs.cpSync(path.join(HERE, name), dir, { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, "test", "entries", "ts_bigram", "bigram.ts"), path.join(dir, "bigram.ts"));
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, ...settings }));
  return dir;
}

/** The honest TS bigram. */
function tsBigram(): string {
  const dir = path.join(work, `ts_bigram-${++n}`);
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_bigram"), dir, { recursive: true });
  return dir;
}

/** The Python bigram with an attack's modes.py in place of its own (or honest, without one). */
function pyAttack(name: string | null, settings: Record<string, unknown> = {}): string {
  const dir = path.join(work, `${name ?? "py_honest"}-${++n}`);
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "python_bigram_train"), dir, { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, "templates", "python", "pgolf_protocol.py"), path.join(dir, "pgolf_protocol.py"));
  if (name) fs.copyFileSync(path.join(HERE, name, "modes.py"), path.join(dir, "modes.py"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ train_command: ["python3", "train.py"], eval_command: ["python3", "entry.py"], alpha: 0.1, ...settings }));
  return dir;
}

const train = (entryDir: string, extra: { minutes?: number; outDir?: string } = {}) =>
  trainSeed({ entryDir, course: fx.course, track: LOCAL, seed: 1, outDir: extra.outDir ?? path.join(work, `runs-${++n}`), minutes: extra.minutes ?? 0.5, strictConfinement: true });
const score = (entryDir: string, artifactFile: string) => scoreArtifact({ entryDir, artifactFile, courseDir: fx.course.dir, track: LOCAL, maxTargets: QUICK, probes: 4, strictConfinement: true });

let honestTs: { artifact: string; val_bpb: number } | undefined;
/** The honest TS bigram, trained and scored once: the reference the scoring attacks are measured against. */
async function honestBigram(): Promise<{ artifact: string; val_bpb: number }> {
  if (honestTs) return honestTs;
  const t = await train(tsBigram());
  const r = await score(tsBigram(), t.artifact);
  honestTs = { artifact: t.artifact, val_bpb: r.val_bpb };
  return honestTs;
}

test("honest references (TS bigram, Python bigram, legal score-first TTT) are scored in the sandbox and pass C1-C4", { ...sandboxed, timeout: 180_000 }, async () => {
  const ts = await honestBigram();
  const py = await runSeeds({ entryDir: pyAttack(null), courseDir: fx.course.dir, track: LOCAL, seeds: [1], outDir: path.join(work, "py-honest"), minutes: 0.5, maxTargets: QUICK, strictConfinement: true });
  const ttt = path.join(work, "ttt");
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), ttt, { recursive: true });
  const tttRun = await runSeeds({ entryDir: ttt, courseDir: fx.course.dir, track: LOCAL, seeds: [1], outDir: path.join(work, "ttt-runs"), minutes: 0.05, maxTargets: QUICK, strictConfinement: true });
  for (const r of [...py, ...tttRun]) {
    assert.equal(r.confinement, "namespaces");
    assert.equal(r.eval_confinement, "namespaces");
    assert.deepEqual(Object.values(r.eval_verdicts).map((v) => v.pass), [true, true, true, true]);
    assert.equal(r.eval_checks.causality.mismatched_rows, 0);
  }
  assert.ok(ts.val_bpb < py[0].val_bpb + 0.5 && ts.val_bpb > 1, `TS bigram ${ts.val_bpb}, Python bigram ${py[0].val_bpb}`);
  console.log(`honest: TS bigram ${ts.val_bpb.toFixed(6)}, Python bigram ${py[0].val_bpb.toFixed(6)}, TTT unigram ${tttRun[0].val_bpb.toFixed(6)} (first ${QUICK} targets)`);
});

test("class 1: probe evasion by memory (replayed rows, a detector for replaced tokens) ends in EVAL_CAUSALITY", { ...sandboxed, timeout: 120_000 }, async () => {
  const { artifact } = await honestBigram();
  const e = await rejectsWith(score(tsAttack("probe_memory"), artifact), "EVAL_CAUSALITY");
  const verdicts = e.details?.verdicts as Record<string, { pass: boolean }>;
  assert.equal(verdicts.C1_causal.pass, false);
  assert.match(e.message, /a fresh instance of the model/);
});

for (const eps of [5e-4, 1e-4]) {
  test(`class 2: a stateless peek of ${eps} of probability onto the target ends in EVAL_CAUSALITY`, { ...sandboxed, timeout: 120_000 }, async () => {
    const { artifact } = await honestBigram();
    await rejectsWith(score(tsAttack("small_peek", { eps }), artifact), "EVAL_CAUSALITY");
  });
}

test("class 3: rows summing to 1.00099 end in EVAL_DISTRIBUTION; rows within the tolerance are scored normalized and gain nothing", { ...sandboxed, timeout: 120_000 }, async () => {
  const honest = await honestBigram();
  const e = await rejectsWith(score(tsAttack("unnormalized", { sum: 1.00099 }), honest.artifact), "EVAL_DISTRIBUTION");
  assert.match(e.message, /sums to 1\.0009/);
  const within = await score(tsAttack("unnormalized", { sum: 1.00009 }), honest.artifact);
  assert.ok(Math.abs(within.val_bpb - honest.val_bpb) < 1e-9, `lifted rows ${within.val_bpb} vs honest ${honest.val_bpb}`);
});

test("class 4: weights in file names: many files are refused (ENTRY_FILES), long names are counted", { timeout: 60_000 }, () => {
  const many = path.join(work, "names-many");
  fs.cpSync(tsBigram(), many, { recursive: true });
  const weights = Buffer.alloc(300 * 120, 7);
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(many, `w${String(i).padStart(3, "0")}_${weights.subarray(i * 120, (i + 1) * 120).toString("hex").slice(0, 200)}`), "");
  assert.throws(() => sealEntry(many), (e: Error & { code?: string }) => e.code === "ENTRY_FILES");
  const long = path.join(work, "names-long");
  fs.cpSync(tsBigram(), long, { recursive: true });
  const names = Array.from({ length: 8 }, (_, i) => `${i}_${"ab".repeat(120)}`);
  for (const name of names) fs.writeFileSync(path.join(long, name), "");
  const files = codeFiles(long);
  const artifact = path.join(work, "names.bin");
  fs.writeFileSync(artifact, "x");
  const size = accountSize(long, artifact, LOCAL);
  assert.equal(size.bytes_code, files.reduce((a, f) => a + f.bytes + Buffer.byteLength(f.path), 0));
  assert.ok(size.bytes_code >= names.reduce((a, x) => a + x.length, 0), "every name's bytes are in the code count");
});

test("class 4: weights downloaded at run time (TS and Python, training and scoring) end in ENTRY_ACCESS; the server sees nothing", { ...sandboxed, timeout: 180_000 }, async () => {
  const url = `http://127.0.0.1:${fx.canary.port}/weights`;
  await rejectsWith(train(tsAttack("download_ts", { url })), "ENTRY_ACCESS", (e) => assert.match(e.message, /network/));
  await rejectsWith(train(pyAttack("download_py", { url })), "ENTRY_ACCESS", (e) => assert.match(e.message, /network/));
  const { artifact } = await honestBigram();
  await rejectsWith(score(tsAttack("download_ts", { url }), artifact), "ENTRY_ACCESS");
  assert.equal(fx.canary.connections(), 0);
});

test("class 4: files a process entry writes at training (HOME, TMPDIR, /tmp, /dev/shm, beside the artifact) are gone at evaluation", { ...sandboxed, timeout: 180_000 }, async () => {
  const entry = pyAttack("persist_py");
  const t = await train(entry);
  await rejectsWith(score(entry, t.artifact), "ENTRY_CRASHED", (e) => assert.match(e.message, /side channel gone/));
  assert.deepEqual(fs.readdirSync(path.dirname(t.artifact)).filter((f) => f.includes("side")), [], "nothing but the artifact outlives training");
});

test("class 5: validation text from the public corpus or a copy of the shards is out of reach (ENTRY_ACCESS / ENTRY_CRASHED)", { ...sandboxed, timeout: 180_000 }, async () => {
  const copy = path.join(work, "val-copy.bin");
  fs.copyFileSync(fx.course.valFiles[0], copy);
  await rejectsWith(train(tsAttack("val_rebuild_ts", { side: "train" })), "ENTRY_ACCESS", (e) => assert.match(e.message, /@stdlib\/datasets-sotu/));
  await rejectsWith(train(tsAttack("val_rebuild_ts", { side: "copy", path: copy })), "ENTRY_ACCESS");
  const { artifact } = await honestBigram();
  await rejectsWith(score(tsAttack("val_rebuild_ts", { side: "eval" }), artifact), "ENTRY_ACCESS");
  const sotu = path.join(PROJECT_ROOT, "node_modules", "@stdlib", "datasets-sotu", "data");
  assert.ok(fs.existsSync(sotu), "the corpus is on this disk");
  await rejectsWith(train(pyAttack("val_rebuild_py", { paths: [sotu, copy, fx.course.valFiles[0]] })), "ENTRY_CRASHED", (e) => assert.match(e.message, /no validation data reachable/));
});

test("class 6: native code shipped or written at run time is refused (ENTRY_NATIVE_CODE, ENTRY_ACCESS)", { ...sandboxed, timeout: 180_000 }, async () => {
  const addon = fs.readdirSync(path.join(PROJECT_ROOT, "node_modules", "node-liblzma", "build", "Release")).find((f) => f.endsWith(".node"));
  assert.ok(addon, "a real compiled addon to ship");
  const real = fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "node-liblzma", "build", "Release", addon));
  const shipped = tsAttack("native_ts");
  fs.writeFileSync(path.join(shipped, "addon.node"), real);
  await rejectsWith(train(shipped), "ENTRY_NATIVE_CODE", (e) => assert.match(e.message, /addon\.node is an ELF binary/));
  // the same bytes under an innocent name are refused by their content
  const renamed = tsAttack("native_ts");
  fs.writeFileSync(path.join(renamed, "weights.bin"), real);
  await rejectsWith(train(renamed), "ENTRY_NATIVE_CODE");
  const dropped = tsAttack("native_ts", { drop: true });
  fs.writeFileSync(path.join(dropped, "addon.b64"), real.toString("base64"));
  await rejectsWith(train(dropped), "ENTRY_ACCESS");
  await rejectsWith(train(pyAttack("native_py")), "ENTRY_NATIVE_CODE", (e) => assert.match(e.message, /native code/));
});

test("class 7: a slowed clock does not slow the harness's, nor does a longer --minutes lengthen the track's cap (over the cap: RECORD_INELIGIBLE); the resume ledger cannot be written (ENTRY_ACCESS)", { ...sandboxed, timeout: 180_000 }, async () => {
  const out = path.join(work, "slow-runs");
  const runs = await runSeeds({ entryDir: tsAttack("slow_clock", { slowdown: 6 }), courseDir: fx.course.dir, track: LOCAL, seeds: [1], outDir: out, minutes: 0.05, maxTargets: QUICK, strictConfinement: true });
  assert.ok(runs[0].train_seconds > 3 + 10, `the harness measured ${runs[0].train_seconds} s for a 3 s cap`);
  assert.equal(runs[0].within_time, false);
  assert.ok(Number.isFinite(runs[0].val_bpb), "the run keeps its score");
  assert.throws(() => writeRecord({ seedDirs: [path.join(out, "seed_1")], outDir: path.join(work, "slow-record"), author: "mallory", name: "slow clock" }), (e: Error & { code?: string }) => e.code === "RECORD_INELIGIBLE");
  // a longer cap asked for (`--minutes 11` on a 10-minute track) does not lengthen the track's: a
  // track of 2 s stands for it here, and 18 s asked for is 18 s over it
  const longer = await trainSeed({ entryDir: tsAttack("slow_clock", { slowdown: 1 }), course: fx.course, track: { ...LOCAL, trainSeconds: 2 }, seed: 1, outDir: path.join(work, "longer-run"), minutes: 0.3, strictConfinement: true });
  assert.ok(longer.train_seconds > 12, `trained ${longer.train_seconds} s`);
  assert.equal(longer.within_time, false);
  const ledgerOut = path.join(work, "ledger-run");
  await rejectsWith(train(tsAttack("slow_clock", { slowdown: 1, ledger: path.join(ledgerOut, "checkpoint.bin") }), { outDir: ledgerOut, minutes: 0.02 }), "ENTRY_ACCESS");
});

test("class 8: a forged score in the entry's own log and metrics is never taken: pgolf submit refuses the run (RECORD_FILE)", { ...sandboxed, timeout: 180_000 }, async () => {
  const out = path.join(work, "forged-runs");
  await rejectsWith(runSeeds({ entryDir: tsAttack("forged_result"), courseDir: fx.course.dir, track: LOCAL, seeds: [1], outDir: out, minutes: 0.5, maxTargets: QUICK, strictConfinement: true }), "ENTRY_CRASHED");
  const seedDir = path.join(out, "seed_1");
  const log = fs.readFileSync(path.join(seedDir, "train_seed1.log"), "utf8");
  assert.equal(parseLog(log, "train_seed1.log").final, null, "no forged line reads as a score");
  assert.match(log, /^entry: final_int8_zlib_roundtrip_exact val_loss:0\.02000000 val_bpb:0\.01000000$/m);
  const metrics = fs.readFileSync(path.join(seedDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(metrics.filter((m) => m.event === "scored"), [], "no scored event");
  assert.throws(() => writeRecord({ seedDirs: [seedDir], outDir: path.join(work, "forged-record"), author: "mallory", name: "forged" }), (e: Error & { code?: string }) => e.code === "RECORD_FILE");
});

test("class 9: rewriting pgolf's evaluator from an entry fails (ENTRY_ACCESS) and the install is unchanged", { ...sandboxed, timeout: 180_000 }, async () => {
  const target = path.join(PROJECT_ROOT, "dist", "eval", "stream_eval.js");
  const before = sha256(fs.readFileSync(target));
  await rejectsWith(train(tsAttack("tamper_ts", { target })), "ENTRY_ACCESS");
  await rejectsWith(train(pyAttack("tamper_py", { target })), "ENTRY_ACCESS", (e) => assert.match(e.message, /tried to write outside its private scratch/));
  assert.equal(sha256(fs.readFileSync(target)), before);
});
