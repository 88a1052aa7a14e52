// Quantization-aware training (qat_bits): trains cpu-small for a fixed number of steps on the embedded
// course twice from the same init and batches, without QAT and with QAT at the export's bit width,
// exports both at that width, and prints held-out loss before and after the export (the
// "quantization gap" QAT should close) and the step time each run took. Figures are printed, never
// asserted. Run alone: node --import tsx bench/qat.ts [STEPS] [BATCH_ROWS] [BITS] [QAT_START_FRACTION]
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { exportGPT, importGPT } from "../src/artifact/export_gpt.js";
import { openCourse, readValTokens } from "../src/data/course.js";
import { prepareCourse } from "../src/data/prepare.js";
import { readShard } from "../src/data/shard.js";
import { setBackend, setThreads } from "../src/engine/backend.js";
import { lrMultiplier, muonMomentum } from "../src/engine/optim/schedule.js";
import { realize } from "../src/engine/realize.js";
import { Tensor } from "../src/engine/tensor.js";
import { gptConfig } from "../src/model/config.js";
import { GPT } from "../src/model/gpt.js";
import { REFERENCE_OPTIMIZER, TrainStep } from "../src/train/train_step.js";

export interface QatRun {
  qat_bits: number;
  qat_start_step: number;
  /** Median training step time, ms (after the first steps, which compile). */
  step_ms: number;
  /** Held-out loss (nats/token) of the trained float weights, of the forward training saw, and of the exported-then-imported model. */
  val_loss_float: number;
  val_loss_train_forward: number;
  val_loss_exported: number;
  /** exported - float */
  quant_gap: number;
  artifact_bytes: number;
}

export interface QatBenchResult {
  cpu: string;
  threads: number;
  config: string;
  steps: number;
  batch_rows: number;
  seq_len: number;
  export_bits: number;
  val_tokens: number;
  runs: QatRun[];
  /** QAT step time / plain step time - 1, from the runs' medians (sequential: machine load drifts between them) */
  step_overhead: number;
  /** The same from steps alternating QAT on and off on one model (medians of `pairs` each): the fairer figure on a busy machine */
  step_overhead_interleaved: number;
  interleaved_ms: { off: number; on: number; pairs: number };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** Median step time (ms) with QAT off and on, alternating step by step on the same model and batch. */
async function interleavedStepMs(model: GPT, opt: TrainStep, bits: number, x: Tensor, y: Tensor, pairs: number): Promise<{ off: number; on: number }> {
  const t: { off: number[]; on: number[] } = { off: [], on: [] };
  for (let i = -2; i < 2 * pairs; i++) {
    const on = (i & 1) === 1;
    model.setQat(on ? bits : 0);
    const t0 = performance.now();
    await opt.step(x, y);
    if (i >= 0) t[on ? "on" : "off"].push(performance.now() - t0); // the first pair compiles
  }
  return { off: median(t.off), on: median(t.on) };
}

/** The ort backend on `threads` threads, cpu-small, the embedded course's first training shard and `valTokens` + 1 held-out tokens. */
export async function cpuSmallSetup(threads: number, valTokens: number) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  setBackend("ort");
  setThreads(threads);
  const cfg = gptConfig("cpu-small");
  const course = openCourse((await prepareCourse({ dir: path.join(root, "data") })).dir);
  const train = readShard(course.trainFiles[0], { vocabSize: course.vocabSize });
  const val = readValTokens(course).subarray(0, valTokens + 1);
  return { cfg, T: cfg.seqLen, train, val, cpu: os.cpus()[0]?.model ?? "unknown" };
}

/** Mean loss over held-out sequences of `tokens` (rows of seqLen, in batches of `rows`). */
export async function heldOutLoss(model: GPT, tokens: Uint16Array, seqLen: number, rows: number): Promise<number> {
  const n = Math.floor((tokens.length - 1) / seqLen);
  let total = 0;
  for (let r = 0; r < n; r += rows) {
    const k = Math.min(rows, n - r);
    const x = Int32Array.from(tokens.subarray(r * seqLen, (r + k) * seqLen));
    const y = Int32Array.from(tokens.subarray(r * seqLen + 1, (r + k) * seqLen + 1));
    const loss = model.loss(Tensor.from(x, [k, seqLen], { dtype: "int32" }), Tensor.from(y, [k, seqLen], { dtype: "int32" }));
    await realize(loss);
    total += loss.data![0] * k;
  }
  return total / n;
}

export async function qatBench(o: { steps?: number; batchRows?: number; bits?: number; startFraction?: number; valTokens?: number; threads?: number } = {}, say: (s: string) => void = () => {}): Promise<QatBenchResult> {
  const steps = o.steps ?? 200;
  const batchRows = o.batchRows ?? 4;
  const bits = o.bits ?? 6;
  const threads = o.threads ?? 2;
  const { cfg, T, train, val, cpu } = await cpuSmallSetup(threads, o.valTokens ?? 16_384);
  say(`${cpu}, ${threads} threads: cpu-small, ${steps} steps of ${batchRows} x ${T} tokens, export at ${bits} bits, ${val.length - 1} held-out tokens`);

  const runs: QatRun[] = [];
  const batch = (step: number) => {
    const off = ((step * batchRows * T) % (train.length - batchRows * T - 1)) | 0;
    const x = Int32Array.from(train.subarray(off, off + batchRows * T));
    const y = Int32Array.from(train.subarray(off + 1, off + batchRows * T + 1));
    return [Tensor.from(x, [batchRows, T], { dtype: "int32" }), Tensor.from(y, [batchRows, T], { dtype: "int32" })] as const;
  };
  let last: { model: GPT; opt: TrainStep } | undefined;
  for (const qatBits of [0, bits]) {
    const startStep = qatBits ? Math.round((o.startFraction ?? 0) * steps) : 0;
    const model = new GPT(cfg, { seed: 1337, qatBits: startStep === 0 ? qatBits : 0 });
    const opt = new TrainStep(model, REFERENCE_OPTIMIZER);
    const times: number[] = [];
    for (let step = 0; step < steps; step++) {
      if (qatBits && step === startStep && startStep > 0) model.setQat(qatBits);
      // warmdown over the last quarter, momentum warm-up over the first quarter (as the baseline, scaled)
      opt.setSchedule(
        lrMultiplier(step, 0, { warmdownIters: Math.floor(steps / 4), iterations: steps, maxWallclockMs: null }),
        muonMomentum(step, { start: 0.85, end: REFERENCE_OPTIMIZER.muonMomentum, warmupSteps: Math.floor(steps / 4) }),
      );
      const [x, y] = batch(step);
      const t0 = performance.now();
      const loss = await opt.step(x, y);
      times.push(performance.now() - t0);
      if ((step + 1) % 50 === 0) say(`  qat_bits ${qatBits}: step ${step + 1}/${steps} train_loss ${loss.toFixed(4)}`);
    }
    const trainForward = await heldOutLoss(model, val, T, 16);
    model.setQat(0);
    const float = await heldOutLoss(model, val, T, 16);
    const artifact = await exportGPT(model, { bits });
    const exported = await heldOutLoss(importGPT(artifact, cfg), val, T, 16);
    last = { model, opt };
    const run: QatRun = {
      qat_bits: qatBits,
      qat_start_step: startStep,
      step_ms: median(times.slice(Math.min(5, times.length - 1))),
      val_loss_float: float,
      val_loss_train_forward: trainForward,
      val_loss_exported: exported,
      quant_gap: exported - float,
      artifact_bytes: artifact.length,
    };
    runs.push(run);
    say(
      `qat_bits ${qatBits}${startStep ? ` from step ${startStep}` : ""}: step ${run.step_ms.toFixed(0)} ms; held-out loss float ${float.toFixed(4)}, ` +
        `training forward ${trainForward.toFixed(4)}, exported at ${bits} bits ${exported.toFixed(4)} (gap ${run.quant_gap >= 0 ? "+" : ""}${run.quant_gap.toFixed(4)}); artifact ${artifact.length.toLocaleString("en-US")} bytes (zlib)`,
    );
  }
  const step_overhead = runs[1].step_ms / runs[0].step_ms - 1;
  const pairs = 10;
  const ab = await interleavedStepMs(last!.model, last!.opt, bits, ...batch(0), pairs);
  const step_overhead_interleaved = ab.on / ab.off - 1;
  const pct = (v: number) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(1)}%`;
  say(`fake_quant step time overhead: ${pct(step_overhead)} between the runs; ${pct(step_overhead_interleaved)} interleaved (${ab.on.toFixed(0)} vs ${ab.off.toFixed(0)} ms, ${pairs} pairs)`);
  say(`exported loss, QAT - plain: ${(runs[1].val_loss_exported - runs[0].val_loss_exported).toFixed(4)} nats/token`);
  return { cpu, threads, config: "cpu-small", steps, batch_rows: batchRows, seq_len: T, export_bits: bits, val_tokens: val.length - 1, runs, step_overhead, step_overhead_interleaved, interleaved_ms: { ...ab, pairs } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [steps, rows, bits, start] = process.argv.slice(2).map(Number);
  const r = await qatBench({ steps: steps || undefined, batchRows: rows || undefined, bits: bits || undefined, startFraction: start || undefined }, (s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
