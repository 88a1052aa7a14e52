// `pgolf bench train`: full training steps (forward, backward, Muon on block matrices, Adam on the
// rest) of the reference architecture on a fixed random batch, plus forward-only (evaluation)
// throughput, peak memory, and model FLOPs utilization against a GEMM rate measured on the spot.
// The PyTorch peer (bench/peers/torch_train.py: same architecture, optimizer and batch) runs in the
// same call when Debian's python3-torch is installed, and the ratios are reported.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../core/random.js";
import { setBackend, setThreads } from "../engine/backend.js";
import { endOrtProfiling, setOrtProfiling } from "../engine/backends/ort.js";
import { GEMM_OPS, summarizeProfile } from "../engine/ort/profile.js";
import { matmul } from "../engine/ops/index.js";
import { realize } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig, type GPTConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { TrainStep } from "./train_step.js";

export interface BenchTrainOptions {
  config?: string;
  batch?: number;
  steps?: number;
  evalSteps?: number;
  threads?: number;
  /** Run the PyTorch peer when available (default true). */
  peer?: boolean;
  /** Profile a few extra steps with onnxruntime's profiler and report time per op type. */
  profile?: boolean;
  onLine?: (s: string) => void;
}

export interface PeerResult {
  peer: string;
  train_tokens_per_s: number;
  eval_tokens_per_s: number;
  train_step_ms: number;
}

export interface BenchTrainResult {
  config: string;
  threads: number;
  batch: number;
  seq_len: number;
  params: number;
  steps: number;
  train_step_ms: number;
  train_tokens_per_s: number;
  eval_tokens_per_s: number;
  peak_rss_mib: number;
  gemm_gflops: number;
  model_gflop_per_step: number;
  /** Model FLOPs per second / measured GEMM rate. */
  mfu: number;
  /** Step time a perfect GEMM-bound run would take; the rest is everything else. */
  gemm_time_ms_estimate: number;
  other_time_ms_estimate: number;
  compile_ms: number;
  /** Measured with onnxruntime's profiler (when `profile`): ms per step by op type, GEMMs apart. */
  profile: { steps: number; gemm_ms_per_step: number; other_ms_per_step: number; by_op: Array<{ op: string; ms_per_step: number; calls_per_step: number }> } | null;
  peer: PeerResult | null;
  peer_note: string | null;
  ratio_train: number | null;
  ratio_eval: number | null;
}

/** Model FLOPs of one training step: 6 x tokens x matmul params + 3 x attention forward FLOPs. */
export function trainFlops(c: GPTConfig, batch: number): number {
  const tokens = batch * c.seqLen;
  const hd = c.dim / c.heads;
  const perLayer = c.dim * c.dim * 2 + 2 * c.dim * c.kvHeads * hd + 2 * c.dim * c.mlpMult * c.dim;
  const matmulParams = c.layers * perLayer + c.vocabSize * c.dim;
  const attnFwd = c.layers * 2 * 2 * batch * c.heads * c.seqLen * c.seqLen * hd;
  return 6 * tokens * matmulParams + 3 * attnFwd;
}

/** fp32 GEMM rate of the backend at 8192x512x2048 (best of a few runs), GFLOP/s. */
export async function measureGemm(rng: Rng): Promise<number> {
  const a = Tensor.from(Float32Array.from({ length: 8192 * 512 }, () => rng.uniform(-1, 1)), [8192, 512]);
  const b = Tensor.from(Float32Array.from({ length: 512 * 2048 }, () => rng.uniform(-1, 1)), [512, 2048]);
  let best = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    await realize(matmul(a, b));
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * 8192 * 512 * 2048) / (best / 1000) / 1e9;
}

function peerScript(): string {
  // bench/peers/torch_train.py from src/train (tsx) or dist/train (built).
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bench/peers/torch_train.py");
}

export function runTorchPeer(c: GPTConfig, o: { batch: number; threads: number; steps: number; evalSteps: number }): { result: PeerResult | null; note: string | null } {
  const script = peerScript();
  if (!fs.existsSync(script)) return { result: null, note: `peer script not found at ${script}` };
  const probe = spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" });
  if (probe.status !== 0) return { result: null, note: "PyTorch peer skipped: install Debian's python3-torch and libopenblas0-pthread" };
  const env = {
    ...process.env,
    VOCAB: String(c.vocabSize), LAYERS: String(c.layers), DIM: String(c.dim), HEADS: String(c.heads), KV: String(c.kvHeads),
    MLP: String(c.mlpMult), SEQ: String(c.seqLen), BATCH: String(o.batch), THREADS: String(o.threads),
    STEPS: String(o.steps), EVAL_STEPS: String(o.evalSteps),
  };
  const r = spawnSync("/usr/bin/python3", [script], { env, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) return { result: null, note: `PyTorch peer failed: ${r.stderr.trim().split("\n").pop()}` };
  return { result: JSON.parse(r.stdout.trim().split("\n").pop()!) as PeerResult, note: null };
}

export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const name = opts.config ?? "cpu-small";
  const c = gptConfig(name);
  const batch = opts.batch ?? 32;
  const steps = opts.steps ?? 5;
  const evalSteps = opts.evalSteps ?? 5;
  const threads = opts.threads ?? 2;
  const say = opts.onLine ?? (() => {});
  setBackend("ort");
  setThreads(threads);
  const rng = new Rng(1234);
  let peak = process.memoryUsage().rss;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));

  const gemm = await measureGemm(rng);
  say(`GEMM 8192x512x2048 fp32, ${threads} threads: ${gemm.toFixed(1)} GFLOP/s`);

  const model = new GPT(c, { seed: 1337 });
  const step = new TrainStep(model);
  const n = batch * c.seqLen;
  const ids = Tensor.from(Int32Array.from({ length: n }, () => Math.floor(rng.uniform(0, c.vocabSize))), [batch, c.seqLen]);
  const targets = Tensor.from(Int32Array.from({ length: n }, () => Math.floor(rng.uniform(0, c.vocabSize))), [batch, c.seqLen]);

  // Warm-up: compiles the step session and lets onnxruntime size its memory arena.
  const tc = performance.now();
  await step.step(ids, targets);
  const compileMs = performance.now() - tc;
  await step.step(ids, targets);
  sample();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    await step.step(ids, targets);
    sample();
  }
  const stepMs = (performance.now() - t0) / steps;
  say(`train: ${stepMs.toFixed(0)} ms/step, ${((n / stepMs) * 1000).toFixed(0)} tokens/s`);

  await step.evalLoss(ids, targets);
  await step.evalLoss(ids, targets);
  const e0 = performance.now();
  for (let s = 0; s < evalSteps; s++) {
    await step.evalLoss(ids, targets);
    sample();
  }
  const evalMs = (performance.now() - e0) / evalSteps;
  say(`eval: ${((n / evalMs) * 1000).toFixed(0)} tokens/s`);

  let profile: BenchTrainResult["profile"] = null;
  if (opts.profile) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-profile-"));
    setOrtProfiling(path.join(dir, "step"));
    try {
      // One profiled session: its first two runs (memory arena growth) are left out of the summary.
      for (let s = 0; s < 6; s++) await step.step(ids, targets);
      await endOrtProfiling();
    } finally {
      setOrtProfiling(undefined);
    }
    const file = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f))[0];
    const { runs: steps, ops } = summarizeProfile(file, { skipRuns: 2 });
    const gemm = ops.filter((o) => GEMM_OPS.has(o.op)).reduce((a, o) => a + o.ms, 0) / steps;
    const total = ops.reduce((a, o) => a + o.ms, 0) / steps;
    profile = {
      steps,
      gemm_ms_per_step: gemm,
      other_ms_per_step: total - gemm,
      by_op: ops.slice(0, 15).map((o) => ({ op: o.op, ms_per_step: o.ms / steps, calls_per_step: o.calls / steps })),
    };
    fs.rmSync(dir, { recursive: true, force: true });
    say(`profile: ${gemm.toFixed(0)} ms/step in GEMMs, ${(total - gemm).toFixed(0)} ms/step in other ops`);
  }

  const flops = trainFlops(c, batch);
  const gemmMs = (flops / (gemm * 1e9)) * 1000;
  let peer: PeerResult | null = null;
  let note: string | null = "peer not requested";
  if (opts.peer !== false) {
    say("running the PyTorch peer ...");
    ({ result: peer, note } = runTorchPeer(c, { batch, threads, steps, evalSteps }));
    if (peer) say(`${peer.peer}: train ${peer.train_tokens_per_s.toFixed(0)} tokens/s, eval ${peer.eval_tokens_per_s.toFixed(0)} tokens/s`);
    else say(note ?? "");
  }
  const trainTps = (n / stepMs) * 1000;
  const evalTps = (n / evalMs) * 1000;
  return {
    config: name,
    threads,
    batch,
    seq_len: c.seqLen,
    params: model.parameterCount(),
    steps,
    train_step_ms: stepMs,
    train_tokens_per_s: trainTps,
    eval_tokens_per_s: evalTps,
    peak_rss_mib: peak / 2 ** 20,
    gemm_gflops: gemm,
    model_gflop_per_step: flops / 1e9,
    mfu: flops / (stepMs / 1000) / (gemm * 1e9),
    gemm_time_ms_estimate: gemmMs,
    other_time_ms_estimate: stepMs - gemmMs,
    compile_ms: compileMs,
    profile,
    peer,
    peer_note: note,
    ratio_train: peer ? trainTps / peer.train_tokens_per_s : null,
    ratio_eval: peer ? evalTps / peer.eval_tokens_per_s : null,
  };
}
