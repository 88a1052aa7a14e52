// Score-first test-time training with LoRA: the contest's legal TTT. During evaluation a streaming
// model (entry/contract.ts StreamingModel) is asked to score a chunk of the validation stream first;
// only then does the evaluator show it the chunk's real tokens (observe), and only from those may it
// learn. Here it learns with low-rank adapters (nn/lora.ts) on chosen Linear layers and, with tied
// embeddings, on the head; the base weights stay frozen, as loaded from the artifact. Each observed
// chunk of n tokens becomes rows of the training sequence length L: inputs are the stream from the
// token before the chunk, targets the chunk itself, cut into floor(n / L) rows [rows, L] and one
// shorter row for the rest; each batch takes `steps` Adam steps on the mean cross-entropy.
//
// The state after a chunk depends only on the artifact, the options and the tokens observed so far,
// in order, so two instances fed the same chunks are in the same state bit for bit (the evaluator's
// causality probes compare a second instance's rows with the scorer's exactly: stream_eval.ts).
import { grad } from "../engine/autograd.js";
import { Adam } from "../engine/optim/adam.js";
import { applyUpdates } from "../engine/optim/optimizer.js";
import { Tensor } from "../engine/tensor.js";
import { PgolfError } from "../core/error.js";
import { Rng } from "../core/random.js";
import { Linear } from "../nn/linear.js";
import { LoraAdapter } from "../nn/lora.js";
import type { GPT } from "./gpt.js";

export interface LoraTTTOptions {
  /** Adapter rank r. */
  rank: number;
  /** The adapter's output is multiplied by alpha / r (absent: alpha = r, a factor of 1). */
  alpha?: number;
  /**
   * Layers that get an adapter, by the end of their module path: "attn.c_q", "attn.c_v", "mlp.fc", ...
   * (every block's), and "head" for the tied head's logits.
   */
  targets: string[];
  /** Adam's learning rate. */
  lr: number;
  /** Adam steps per batch of an observed chunk. */
  steps: number;
  /** Training row length L, tokens (the model's sequence length is the natural choice). */
  seqLen: number;
  /** Seeds the adapters' A matrices. */
  seed: number;
}

/** The layer names `targets` may use, for errors. */
function layerNames(model: GPT): string[] {
  const names = new Set<string>(["head"]);
  for (const m of model.modules()) if (m instanceof Linear) names.add((m.weight.name ?? "").replace(/^blocks\.\d+\./, "").replace(/\.weight$/, ""));
  return [...names];
}

export class LoraTTT {
  readonly model: GPT;
  readonly options: LoraTTTOptions;
  readonly adapters: LoraAdapter[] = [];
  private readonly adam: Adam;
  private readonly frozen: Tensor[];
  /** Chunks learned from, tokens learned from, and the mean loss of each batch's first step (nats, before its update). */
  readonly history = { chunks: 0, tokens: 0, losses: [] as number[] };

  constructor(model: GPT, o: LoraTTTOptions) {
    if (!(o.lr > 0) || !Number.isInteger(o.steps) || o.steps < 1 || !Number.isInteger(o.seqLen) || o.seqLen < 1 || o.targets.length === 0) {
      throw new PgolfError("CONFIG_INVALID", `test-time training needs lr > 0, steps >= 1, seqLen >= 1 and at least one target, got ${JSON.stringify(o)}`, { fix: "set ttt_lr, ttt_steps and ttt_targets in config.json" });
    }
    this.model = model;
    this.options = o;
    const rng = new Rng(o.seed);
    const known = layerNames(model);
    for (const t of o.targets) {
      if (!known.includes(t)) throw new PgolfError("CONFIG_INVALID", `test-time training target "${t}" names no layer of this model`, { fix: `use some of: ${known.join(", ")}` });
    }
    for (const m of model.modules()) {
      if (!(m instanceof Linear)) continue;
      const key = (m.weight.name ?? "").replace(/^blocks\.\d+\./, "").replace(/\.weight$/, "");
      if (!o.targets.includes(key)) continue;
      m.lora = new LoraAdapter(m.inFeatures, m.outFeatures, { rank: o.rank, alpha: o.alpha, rng });
      this.adapters.push(m.lora);
    }
    if (o.targets.includes("head")) {
      if (model.lmHead) {
        model.lmHead.lora ??= new LoraAdapter(model.config.dim, model.config.vocabSize, { rank: o.rank, alpha: o.alpha, rng });
        this.adapters.push(model.lmHead.lora);
      } else {
        model.headLora = new LoraAdapter(model.config.dim, model.config.vocabSize, { rank: o.rank, alpha: o.alpha, rng });
        this.adapters.push(model.headLora);
      }
    }
    // the base is frozen: its weights take no gradient, so the backward builds only the adapters' path
    this.frozen = model.parameters().filter((p) => p.requiresGrad);
    for (const p of this.frozen) p.requiresGrad = false;
    this.adam = new Adam([{ params: this.params, lr: o.lr, name: "lora" }], { betas: [0.9, 0.999], eps: 1e-8 });
  }

  get params(): Tensor[] {
    return this.adapters.flatMap((a) => a.parameters);
  }

  /**
   * Learns from an observed chunk: `tokens` are its real tokens, `history` everything before them (at
   * least one token: the stream's first is BOS). Call only after the chunk was scored.
   */
  async learn(tokens: Int32Array, history: Int32Array): Promise<void> {
    const n = tokens.length;
    if (n === 0) return;
    if (history.length === 0) throw new RangeError("learn: the history must hold at least the stream's first token");
    const L = this.options.seqLen;
    // s = [token before the chunk, chunk...]: inputs s[0..n-1], targets s[1..n]
    const s = new Int32Array(n + 1);
    s[0] = history[history.length - 1];
    s.set(tokens, 1);
    const full = Math.floor(n / L);
    const batches: Array<[number, number, number]> = []; // [first target offset, rows, row length]
    if (full > 0) batches.push([0, full, L]);
    if (n % L > 0) batches.push([full * L, 1, n % L]);
    for (const [off, rows, len] of batches) {
      const x = new Int32Array(rows * len);
      const y = new Int32Array(rows * len);
      for (let i = 0; i < rows * len; i++) {
        x[i] = s[off + i];
        y[i] = s[off + i + 1];
      }
      const ids = Tensor.from(x, [rows, len]);
      const targets = Tensor.from(y, [rows, len]);
      for (let k = 0; k < this.options.steps; k++) {
        const loss = this.model.loss(ids, targets);
        const grads = grad(loss, this.params);
        await applyUpdates(this.adam.updates(grads), [loss]);
        if (k === 0) this.history.losses.push(loss.data![0]);
      }
    }
    this.history.chunks++;
    this.history.tokens += n;
  }

  /** Removes the adapters and unfreezes the base: the model is as it was loaded. */
  detach(): void {
    for (const m of this.model.modules()) if (m instanceof Linear) m.lora = undefined;
    this.model.headLora = undefined;
    for (const p of this.frozen) p.requiresGrad = true;
  }
}
