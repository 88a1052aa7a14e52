// GPTQ against round-to-nearest on a trained model: trains cpu-small for a fixed number of steps of
// the templates' batch (32 x 256 tokens) on the embedded course, then exports the same weights both
// ways at 6 and 5 bits (the baseline's float threshold, 16,384: attention matrices quantized too) and
// prints the held-out loss of each against the float weights: the quantization gap GPTQ should close.
// GPTQ's Hessians come from training batches the run did not train on. Figures are printed, never
// asserted. Run alone: node --import tsx bench/gptq.ts [STEPS] [CALIBRATION_BATCHES]
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { exportGPT, importGPT } from "../src/artifact/export_gpt.js";
import { lrMultiplier, muonMomentum } from "../src/engine/optim/schedule.js";
import { Tensor } from "../src/engine/tensor.js";
import { GPT } from "../src/model/gpt.js";
import { collectHessians } from "../src/model/hessians.js";
import { REFERENCE_OPTIMIZER, TrainStep } from "../src/train/train_step.js";
import { cpuSmallSetup, heldOutLoss } from "./qat.js";

export interface GptqBenchRow {
  bits: number;
  /** Held-out loss, nats/token, after the export: round-to-nearest, then GPTQ. */
  loss_rtn: number;
  loss_gptq: number;
  /** exported - float */
  gap_rtn: number;
  gap_gptq: number;
  bytes_rtn: number;
  bytes_gptq: number;
  export_seconds_rtn: number;
  export_seconds_gptq: number;
}

export interface GptqBenchResult {
  cpu: string;
  threads: number;
  steps: number;
  calibration_batches: number;
  calibration_seconds: number;
  val_tokens: number;
  loss_float: number;
  rows: GptqBenchRow[];
}

const KEEP_FLOAT = 16_384;

export async function gptqBench(o: { steps?: number; calibrationBatches?: number; valTokens?: number; threads?: number } = {}, say: (s: string) => void = () => {}): Promise<GptqBenchResult> {
  const steps = o.steps ?? 300;
  const calBatches = o.calibrationBatches ?? 4;
  const threads = o.threads ?? 2;
  const rows = 32;
  const { cfg, T, train, val, cpu } = await cpuSmallSetup(threads, o.valTokens ?? 32_768);
  say(`${cpu}, ${threads} threads: cpu-small, ${steps} steps of ${rows} x ${T} tokens, then export at 6 and 5 bits (float threshold ${KEEP_FLOAT}); ${val.length - 1} held-out tokens`);
  const span = rows * T;
  const batch = (i: number) => {
    const off = (i * span) % (train.length - span - 1);
    return [Tensor.from(Int32Array.from(train.subarray(off, off + span)), [rows, T], { dtype: "int32" }), Tensor.from(Int32Array.from(train.subarray(off + 1, off + span + 1)), [rows, T], { dtype: "int32" })] as const;
  };
  const model = new GPT(cfg, { seed: 1337, keepFloatMaxNumel: KEEP_FLOAT });
  const opt = new TrainStep(model, { ...REFERENCE_OPTIMIZER, matrixLr: REFERENCE_OPTIMIZER.matrixLr * 0.6, scalarLr: REFERENCE_OPTIMIZER.scalarLr * 0.6, tiedEmbedLr: REFERENCE_OPTIMIZER.tiedEmbedLr * 0.6 });
  for (let step = 0; step < steps; step++) {
    opt.setSchedule(
      lrMultiplier(step, 0, { warmdownIters: Math.floor(steps / 3), iterations: steps, maxWallclockMs: null }),
      muonMomentum(step, { start: 0.85, end: REFERENCE_OPTIMIZER.muonMomentum, warmupSteps: Math.floor(steps / 4) }),
    );
    const loss = await opt.step(...batch(step));
    if ((step + 1) % 50 === 0) say(`  step ${step + 1}/${steps} train_loss ${loss.toFixed(4)}`);
  }
  const lossFloat = await heldOutLoss(model, val, T, 16);
  let t0 = performance.now();
  // calibration batches the run never trained on
  const cal = await collectHessians(model, Array.from({ length: calBatches }, (_, i) => batch(steps + 1 + i)[0]));
  const calibrationSeconds = (performance.now() - t0) / 1000;
  say(`float weights: held-out loss ${lossFloat.toFixed(4)}; calibration: ${cal.byWeight.size} layers, ${cal.tokens.toLocaleString("en-US")} tokens in ${calibrationSeconds.toFixed(1)} s`);
  const out: GptqBenchRow[] = [];
  for (const bits of [6, 5]) {
    t0 = performance.now();
    const rtn = await exportGPT(model, { bits, codec: "best", keepFloatMaxNumel: KEEP_FLOAT });
    const rtnSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const gptq = await exportGPT(model, { bits, codec: "best", keepFloatMaxNumel: KEEP_FLOAT, hessians: cal.byWeight });
    const gptqSeconds = (performance.now() - t0) / 1000;
    const lossRtn = await heldOutLoss(importGPT(rtn, cfg), val, T, 16);
    const lossGptq = await heldOutLoss(importGPT(gptq, cfg), val, T, 16);
    const row: GptqBenchRow = { bits, loss_rtn: lossRtn, loss_gptq: lossGptq, gap_rtn: lossRtn - lossFloat, gap_gptq: lossGptq - lossFloat, bytes_rtn: rtn.length, bytes_gptq: gptq.length, export_seconds_rtn: rtnSeconds, export_seconds_gptq: gptqSeconds };
    out.push(row);
    say(
      `${bits} bits: quantization gap round-to-nearest ${row.gap_rtn.toFixed(4)}, GPTQ ${row.gap_gptq.toFixed(4)} nats/token (${((1 - row.gap_gptq / row.gap_rtn) * 100).toFixed(0)}% closed); ` +
        `artifact ${rtn.length.toLocaleString("en-US")} and ${gptq.length.toLocaleString("en-US")} bytes; export ${rtnSeconds.toFixed(1)} s and ${gptqSeconds.toFixed(1)} s`,
    );
  }
  return { cpu, threads, steps, calibration_batches: calBatches, calibration_seconds: calibrationSeconds, val_tokens: val.length - 1, loss_float: lossFloat, rows: out };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [steps, cal] = process.argv.slice(2).map(Number);
  const r = await gptqBench({ steps: steps || undefined, calibrationBatches: cal || undefined }, (s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
