// `pgolf bench train`: full training steps (forward, backward, Muon on block matrices, Adam on the
// rest) of the reference architecture on a fixed random batch, plus forward-only (evaluation)
// throughput, peak memory, and model FLOPs utilization against a GEMM rate measured on the spot.
// The PyTorch peer (bench/peers/torch_train.py: same architecture, optimizer and batch) runs in the
// same call when Debian's python3-torch is installed, and the ratios are reported. Model config
// overrides (model/config.ts) apply to both: the options past the reference (BigramHash, SmearGate,
// partial RoPE, XSA) are switched on in the peer by environment variables with the same math.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PgolfError } from "../core/error.js";
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
  /** Model config overrides over the named config (an entry's `model_overrides`). */
  overrides?: Record<string, unknown>;
  /** Rows of seqLen tokens per step (default 32). */
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
  params: number;
  /** The options past the reference the peer had on, keyed as GPTConfig. */
  options: Record<string, number | boolean>;
  /** Loss of the warm-up step and of the last timed step (nats, random targets). */
  first_loss: number;
  last_loss: number;
  train_tokens_per_s: number;
  eval_tokens_per_s: number;
  train_step_ms: number;
}

export interface BenchTrainResult {
  config: string;
  overrides: Record<string, unknown>;
  /** What differs from the named config, readably: the options past the reference first. */
  options: string[];
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

/**
 * Model FLOPs of one training step: 6 x tokens x matmul params + 3 x attention forward FLOPs.
 * Options past the reference: BigramHash adds one [k -> D] GEMM per token, k x D matmul params
 * (64 x 256 = 16,384 on cpu-small, +0.8% over its 2,097,152); its table lookup is a gather. SmearGate
 * (about 4 D FLOPs a token), XSA (about 6 Dh a head and token, against attention's 4 T Dh: 0.6% at
 * T = 256) and partial RoPE (less rotation) are elementwise and not counted, as norms and softmax are not.
 */
export function trainFlops(c: GPTConfig, batch: number): number {
  const tokens = batch * c.seqLen;
  const hd = c.dim / c.heads;
  const perLayer = c.dim * c.dim * 2 + 2 * c.dim * c.kvHeads * hd + 2 * c.dim * c.mlpMult * c.dim;
  const bigram = c.bigramBuckets > 0 ? c.bigramDim * c.dim : 0;
  const matmulParams = c.layers * perLayer + c.vocabSize * c.dim + bigram;
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

/** The keys of the options past the reference (model/config.ts), in the order they are described. */
const GOLF_KEYS = ["bigramBuckets", "bigramDim", "smearGate", "ropeDims", "xsa"] as const;

/**
 * What `c` changes over the named config `name`, readably: the options past the reference that are on
 * (BigramHash buckets x width, SmearGate, partial RoPE dims/head dim, XSA), then any other key that
 * differs ("layers 5"). Empty: the named config as it is.
 */
export function configOptions(name: string, c: GPTConfig): string[] {
  const base = gptConfig(name) as unknown as Record<string, unknown>;
  const hd = c.dim / c.heads;
  const out: string[] = [];
  if (c.bigramBuckets > 0) out.push(`BigramHash ${c.bigramBuckets}x${c.bigramDim}`);
  if (c.smearGate) out.push("SmearGate");
  if (c.ropeDims > 0 && c.ropeDims < hd) out.push(`partial RoPE ${c.ropeDims}/${hd}`);
  if (c.xsa) out.push("XSA");
  for (const [k, v] of Object.entries(c)) if (!(GOLF_KEYS as readonly string[]).includes(k) && v !== base[k]) out.push(`${k} ${String(v)}`);
  return out;
}

/** A peer script: bench/peers/NAME from src/train (tsx) or dist/train (built). */
export function peerScript(name = "torch_train.py"): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bench/peers", name);
}

/** Debian's python3 imports torch. */
export function hasTorch(): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

/**
 * The environment that gives the peer (bench/peers/torch_gpt.py) config `c`: its shapes and the
 * options past the reference. Keys that change no work (ropeBase, qkGain, logitSoftcap,
 * tiedEmbedInitStd) stay the reference's in the peer; untied embeddings it does not have.
 */
export function peerEnv(c: GPTConfig): Record<string, string> {
  return {
    VOCAB: String(c.vocabSize), LAYERS: String(c.layers), DIM: String(c.dim), HEADS: String(c.heads), KV: String(c.kvHeads),
    MLP: String(c.mlpMult), SEQ: String(c.seqLen),
    BIGRAM: String(c.bigramBuckets), BIGRAM_DIM: String(c.bigramDim), SMEAR: c.smearGate ? "1" : "0", ROPE_DIMS: String(c.ropeDims), XSA: c.xsa ? "1" : "0",
  };
}

export function runTorchPeer(c: GPTConfig, o: { batch: number; threads: number; steps: number; evalSteps: number }): { result: PeerResult | null; note: string | null } {
  const script = peerScript();
  if (!fs.existsSync(script)) return { result: null, note: `peer script not found at ${script}` };
  if (!hasTorch()) return { result: null, note: "PyTorch peer skipped: install Debian's python3-torch and libopenblas0-pthread" };
  if (!c.tieEmbeddings) return { result: null, note: "PyTorch peer skipped: it has tied embeddings only (tieEmbeddings is false)" };
  const env = {
    ...process.env,
    ...peerEnv(c),
    BATCH: String(o.batch), THREADS: String(o.threads), STEPS: String(o.steps), EVAL_STEPS: String(o.evalSteps),
  };
  const r = spawnSync("/usr/bin/python3", [script], { env, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) return { result: null, note: `PyTorch peer failed: ${r.stderr.trim().split("\n").pop()}` };
  return { result: JSON.parse(r.stdout.trim().split("\n").pop()!) as PeerResult, note: null };
}

export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const name = opts.config ?? "cpu-small";
  const overrides = opts.overrides ?? {};
  const c = gptConfig(name, overrides);
  const batch = opts.batch ?? 32;
  if (!Number.isInteger(batch) || batch < 1) throw new PgolfError("CONFIG_INVALID", `the bench batch is rows of ${c.seqLen} tokens, a positive integer; got ${batch}`, { fix: "pass --batch 32 (rows per step)" });
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

  const options = configOptions(name, c);
  if (options.length > 0) say(`${name} with ${options.join(", ")}: batch ${batch}x${c.seqLen}`);
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
    if (peer && peer.params !== model.parameterCount()) say(`warning: the peer has ${peer.params.toLocaleString("en-US")} parameters, pgolf ${model.parameterCount().toLocaleString("en-US")}: not the same model`);
  }
  const trainTps = (n / stepMs) * 1000;
  const evalTps = (n / evalMs) * 1000;
  return {
    config: name,
    overrides,
    options,
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
