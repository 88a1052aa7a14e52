// The training run end to end on the embedded course with a tiny model: the baseline entry trains for
// ~25 s, its artifact scores clearly better than the untrained model, the logs use the reference's
// line formats, and a run killed mid-training resumes from its checkpoint.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { isPgolfError, type PgolfError } from "../core/error.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { openCourse } from "../data/course.js";
import { trainSeed } from "../train/harness.js";
import { initEntry } from "../train/init_entry.js";
import { courseTokenizer, readValTokens } from "../data/course.js";
import { setBackend } from "../engine/backend.js";
import type { WindowedModel } from "../entry/contract.js";
import { loadEntry } from "../entry/load_entry.js";
import { evaluateTokens } from "./evaluate.js";
import { runSeeds, scoreArtifact } from "./run_seeds.js";

const TINY = { model_overrides: { layers: 2, dim: 64, heads: 4, kvHeads: 2, seqLen: 64 }, train_batch_tokens: 2048, eval_seq_len: 64, warmup_steps: 1, train_log_every: 10, warmdown_iters: 100 };
const work = tempDir();
let courseDir = "";

test("the baseline entry trains on the embedded course and lowers validation loss by a clear margin", { timeout: 300_000 }, async () => {
  courseDir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "entry");
  await initEntry(entryDir);
  const out = path.join(work, "runs");
  // 0.02 minutes: a few steps only, the "untrained" reference point; then ~25 s of training.
  const [short] = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.02, outDir: path.join(out, "short"), configOverrides: TINY });
  const [long] = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.4, outDir: path.join(out, "long"), configOverrides: TINY });
  assert.ok(long.val_loss < short.val_loss - 0.5, `val_loss after ~25 s ${long.val_loss.toFixed(4)} vs after ~1 s ${short.val_loss.toFixed(4)}`);
  assert.ok(long.val_bpb < 4, `val_bpb ${long.val_bpb}`);
  assert.ok(long.train_seconds <= long.cap_seconds + 5, `trained ${long.train_seconds} s for a ${long.cap_seconds} s cap`);
  const log = fs.readFileSync(long.log, "utf8");
  assert.match(log, /^step:1\/20000 train_loss:\d+\.\d{4} train_time:\d+ms step_avg:\d+\.\d{2}ms$/m);
  // the entry's own stop line, prefixed as every entry line that could pass for the harness's; then the harness's timing
  assert.match(log, /^entry: stopping_early: wallclock_cap train_time:\d+ms step:\d+\/20000$/m);
  assert.match(log, /^pgolf_timing: train_time:\d+ms export_time:\d+ms cap:24000ms export_cap:15000ms within_time:true$/m);
  assert.match(log, /^Total submission size int8\+zlib: \d+ bytes$/m);
  assert.match(log, /^final_int8_zlib_roundtrip_exact val_loss:\d+\.\d{8} val_bpb:\d+\.\d{8}$/m);
  assert.equal(long.bytes_total, long.bytes_model + long.bytes_code);
  assert.equal(long.bytes_code, ["entry.ts", "config.json"].reduce((a, f) => a + fs.statSync(path.join(entryDir, f)).size + f.length, 0));
  assert.equal(long.within_time, true);
  assert.equal(long.within_cap, true);
  trained = { entryDir, artifact: long.artifact };
});

let trained: { entryDir: string; artifact: string } | undefined;

test("the trusted evaluator (model in its sandboxed process, streamed) equals the in-process reference scoring", { timeout: 300_000 }, async (t) => {
  if (!trained) return t.skip("needs the trained artifact of the first test");
  const course = openCourse(courseDir);
  const T = 3 * 8192;
  const streamed = await scoreArtifact({ entryDir: trained.entryDir, artifactFile: trained.artifact, courseDir, track: track("cpu-10min-2mb"), configOverrides: TINY, maxTargets: T, probes: 2 });
  // the reference path: the entry loaded here, non-overlapping windows of eval_seq_len over the same T targets
  const entry = await loadEntry(trained.entryDir);
  setBackend("ort");
  const model = (await entry.module.load(new Uint8Array(fs.readFileSync(trained.artifact)), { config: { ...entry.config, ...TINY }, vocabSize: course.vocabSize, threads: 2 })) as WindowedModel;
  const ref = await evaluateTokens(model, readValTokens(course).subarray(0, T + 1), courseTokenizer(course).byteTable(), { seqLen: TINY.eval_seq_len, vocabSize: course.vocabSize });
  assert.equal(streamed.targets, ref.targets);
  assert.equal(streamed.bytes, ref.bytes);
  assert.ok(Math.abs(streamed.val_loss - ref.val_loss) < 1e-5, `streamed ${streamed.val_loss} vs reference ${ref.val_loss}`);
  assert.equal(streamed.checks.causality.mismatched_rows, 0, "the windowed baseline is exactly causal and deterministic across processes");
});

test("a corrupt or truncated artifact ends evaluation with its artifact error code, no score", { timeout: 120_000 }, async (t) => {
  if (!trained) return t.skip("needs the trained artifact of the first test");
  const bytes = fs.readFileSync(trained.artifact);
  const cut = path.join(work, "cut.bin");
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  const flipped = path.join(work, "flipped.bin");
  const f = Buffer.from(bytes);
  f[Math.floor(f.length / 2)] ^= 0xff;
  fs.writeFileSync(flipped, f);
  for (const file of [cut, flipped]) {
    const e: PgolfError = await scoreArtifact({ entryDir: trained.entryDir, artifactFile: file, courseDir, track: track("cpu-10min-2mb"), configOverrides: TINY, maxTargets: 8192 }).then(
      () => assert.fail(`${path.basename(file)} was scored`),
      (err: unknown) => err as PgolfError,
    );
    assert.ok(isPgolfError(e), String(e));
    assert.match(e.code, /^ARTIFACT_/);
    assert.equal((e.details?.partial as { targets_scored: number }).targets_scored, 0);
  }
});

test("a run killed mid-training resumes from its checkpoint", { timeout: 300_000 }, async () => {
  if (!courseDir) courseDir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "entry-resume");
  await initEntry(entryDir);
  const outDir = path.join(work, "runs", "resume");
  const args = JSON.stringify({ entryDir, courseDir, outDir, seed: 3, minutes: 0.5, configOverrides: { ...TINY, checkpoint_every_seconds: 0 } });
  const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "test/support/train_child.ts"), args], { stdio: "ignore" });
  const logFile = path.join(outDir, "train_seed3.log");
  // Kill it (SIGKILL: a crash, no cleanup) once it has logged step 20.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(logFile) && /^step:20\//m.test(fs.readFileSync(logFile, "utf8"))) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve();
      }
    }, 100);
    child.on("exit", () => {
      clearInterval(timer);
      reject(new Error("the training process ended before it could be killed"));
    });
  });
  await new Promise((r) => child.once("exit", r));
  assert.ok(fs.existsSync(path.join(outDir, "checkpoint.bin")), "a checkpoint was left by the killed run");
  assert.ok(!fs.existsSync(path.join(outDir, "artifact.bin")));
  const resumed = await trainSeed({ entryDir, course: openCourse(courseDir), track: track("cpu-10min-2mb"), seed: 3, outDir, minutes: 0.5, configOverrides: { ...TINY, checkpoint_every_seconds: 0 } });
  assert.equal(resumed.resumed, true);
  const log = fs.readFileSync(resumed.log, "utf8");
  assert.match(log, /^resumed_from_checkpoint train_time:\d+ms$/m);
  const resumedAt = Number(/^resumed at step:(\d+)$/m.exec(log)![1]);
  // step 20's log line may reach the harness just before step 20's checkpoint does: the kill can fall between
  assert.ok(resumedAt >= 19, `resumed at step ${resumedAt}`);
  assert.ok(fs.existsSync(resumed.artifact));
  assert.ok(!fs.existsSync(path.join(outDir, "checkpoint.bin")), "the checkpoint is removed once the artifact is written");
});

test("the lossy-tokenizer template: its tokenizer does not give the text back, so the run is refused before any seed trains", { timeout: 120_000 }, async () => {
  const dir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "lossy");
  await initEntry(entryDir, { template: "lossy-tokenizer" });
  const outDir = path.join(work, "lossy-runs");
  const t0 = performance.now();
  const err = await runSeeds({ entryDir, courseDir: dir, track: track("cpu-10min-2mb"), seeds: [1, 2], outDir }).then(
    () => assert.fail("a lossy tokenizer must be refused"),
    (e: unknown) => e as PgolfError,
  );
  assert.ok(isPgolfError(err) && err.code === "TOKENIZER_ROUNDTRIP", String(err));
  assert.match(err.message, /validation document \d+/);
  assert.match(err.fix ?? "", /--lossless/);
  assert.ok(!fs.existsSync(path.join(outDir, "seed_1")), "no seed started training");
  console.log(`refused in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${err.message.slice(0, 160)}`);
});
