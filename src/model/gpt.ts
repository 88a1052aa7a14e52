// The reference baseline GPT (train_gpt.py), on pgolf's engine:
//   x = rms_norm(tok_emb(ids)); x0 = x
//   first half of the blocks store skips; the second half adds skip_weights[i] * skips.pop() first
//   (options past the reference: + BigramHash(ids) before that norm, SmearGate after it; depthLoops
//   runs each block that many times in a row with the same weights: more depth, no more bytes)
//   logits = softcap * tanh((rms_norm(x) E^T) / softcap)      (tied embeddings E, or an lm_head)
//   loss = mean cross-entropy (nats)
// Quantization-aware training (opts.qatBits, setQat): the weights the export quantizes per row (2-D,
// more than 65,536 elements: see engine/row_quant.ts quantDecision) enter the forward through
// fake_quant at that bit width; the others (kept as floats by the export) are used as they are.
// Parameter names and order match the reference state dict.
import { PgolfError } from "../core/error.js";
import { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { checkKeepFloatMaxNumel, KEEP_FLOAT_MAX_NUMEL, quantDecision } from "../engine/row_quant.js";
import { add, crossEntropy, matmul, mul, reshape, rmsNorm, sliceAxis, softcapLogits, transpose } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { BigramHash } from "../nn/bigram_hash.js";
import { Block } from "../nn/block.js";
import { Embedding } from "../nn/embedding.js";
import { filled } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import type { LoraAdapter } from "../nn/lora.js";
import { Module } from "../nn/module.js";
import { SmearGate } from "../nn/smear_gate.js";
import type { GPTConfig } from "./config.js";

export class GPT extends Module {
  readonly config: GPTConfig;
  readonly skipWeights: Tensor;
  readonly tokEmb: Embedding;
  readonly blocks: Block[];
  readonly lmHead: Linear | undefined;
  /** Test-time training (model/test_time_training.ts): a low-rank term on the tied head's logits [B*T, V]. */
  headLora: LoraAdapter | undefined;
  readonly bigram: BigramHash | undefined;
  readonly smear: SmearGate | undefined;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  /** Bits of quantization-aware training (0: off); set with setQat. */
  qatBits = 0;

  /** The export's float threshold (engine/row_quant.ts KEEP_FLOAT_MAX_NUMEL by default): QAT quantizes exactly what the export will. */
  readonly keepFloatMaxNumel: number;

  constructor(config: GPTConfig, opts: { seed: number; dtype?: DType; qatBits?: number; keepFloatMaxNumel?: number }) {
    super();
    if (!Number.isInteger(config.depthLoops) || config.depthLoops < 1) throw new PgolfError("CONFIG_INVALID", `depthLoops must be a positive integer, got ${config.depthLoops}`, { fix: 'set "depthLoops" in model_overrides to 1 (the reference) or more' });
    if (config.logitSoftcap <= 0) throw new PgolfError("CONFIG_INVALID", `logitSoftcap must be positive, got ${config.logitSoftcap}`, { fix: "set logit_softcap above 0 in config.json (the reference uses 30)" });
    this.config = config;
    const rng = new Rng(opts.seed);
    const o = { rng, dtype: opts.dtype };
    this.encoderLayers = Math.floor(config.layers / 2);
    this.decoderLayers = config.layers - this.encoderLayers;
    const skips = Math.min(this.encoderLayers, this.decoderLayers);
    // Registration order = torch's: own parameter (skip_weights), then tok_emb, blocks, lm_head.
    this.skipWeights = this.param("skip_weights", filled([skips, config.dim], 1, opts.dtype));
    // The reference draws the embedding from N(0, 1) untied and N(0, tiedEmbedInitStd) tied.
    this.tokEmb = this.child("tok_emb", new Embedding(config.vocabSize, config.dim, { ...o, std: config.tieEmbeddings ? config.tiedEmbedInitStd : 1 }));
    const blocks = this.child("blocks", new BlockList());
    this.blocks = Array.from({ length: config.layers }, (_, i) => blocks.add(i, new Block(config, o)));
    this.lmHead = config.tieEmbeddings ? undefined : this.child("lm_head", new Linear(config.dim, config.vocabSize, { ...o, zeroInit: true }));
    // additions past the reference come after its parameters, so its names and order stay a prefix
    this.bigram = config.bigramBuckets > 0 ? this.child("bigram", new BigramHash(config.bigramBuckets, config.bigramDim, config.dim, o)) : undefined;
    this.smear = config.smearGate ? this.child("smear", new SmearGate(config.dim, o)) : undefined;
    this.nameParameters();
    this.keepFloatMaxNumel = checkKeepFloatMaxNumel(opts.keepFloatMaxNumel ?? KEEP_FLOAT_MAX_NUMEL);
    this.setQat(opts.qatBits ?? 0);
  }

  /**
   * Turns quantization-aware training on at `bits` (2..8, the export's bit width) or off (0): the
   * forward then sees every weight the export quantizes as the export will store it. Returns the
   * names of those weights. Can be called between steps (late QAT); the next step builds a new graph.
   */
  setQat(bits: number): string[] {
    if (!Number.isInteger(bits) || bits < 0 || bits === 1 || bits > 8) {
      throw new PgolfError("CONFIG_INVALID", `qat_bits must be 0 (off) or an integer from 2 to 8, got ${bits}`, { fix: "set qat_bits in config.json to export_bits (e.g. 6) or 0" });
    }
    this.qatBits = bits;
    const names: string[] = [];
    for (const m of this.modules()) {
      if (!(m instanceof Linear || m instanceof Embedding)) continue;
      const w = m.weight;
      const on = bits > 0 && quantDecision(w.name ?? "", w.shape, w.dtype, this.keepFloatMaxNumel) === "int_per_row";
      m.qatBits = on ? bits : 0;
      if (on) names.push(w.name ?? "");
    }
    return names;
  }

  /** ids int32 [B, T] -> final hidden states [B*T, D] (after the final norm); `emb`: the embedding the forward uses. */
  hidden(ids: Tensor, emb = this.tokEmb.forwardWeight()): Tensor {
    let x = this.tokEmb.forward(ids, emb);
    if (this.bigram) x = add(x, this.bigram.forward(ids));
    x = rmsNorm(x);
    if (this.smear) x = this.smear.forward(x);
    const x0 = x;
    const skips: Tensor[] = [];
    const run = (i: number) => {
      for (let l = 0; l < this.config.depthLoops; l++) x = this.blocks[i].forward(x, x0);
    };
    for (let i = 0; i < this.encoderLayers; i++) {
      run(i);
      skips.push(x);
    }
    for (let i = 0; i < this.decoderLayers; i++) {
      const s = skips.pop();
      if (s) x = add(x, mul(reshape(sliceAxis(this.skipWeights, 0, i, i + 1), [this.config.dim]), s));
      run(this.encoderLayers + i);
    }
    return reshape(rmsNorm(x), [-1, this.config.dim]);
  }

  /** ids int32 [B, T] -> soft-capped logits [B*T, V]. */
  logits(ids: Tensor): Tensor {
    const emb = this.tokEmb.forwardWeight(); // one fake_quant shared by the tied head
    const h = this.hidden(ids, emb);
    let proj = this.lmHead ? this.lmHead.forward(h) : matmul(h, transpose(emb));
    // the tied head has no Linear to carry an adapter: test-time training's head adapter sits here
    if (this.headLora) proj = add(proj, this.headLora.delta(h));
    return softcapLogits(proj, this.config.logitSoftcap);
  }

  /** Mean cross-entropy in nats of targets int32 [B, T] given ids [B, T] (a scalar). */
  loss(ids: Tensor, targets: Tensor): Tensor {
    return crossEntropy(this.logits(ids), reshape(targets, [-1]));
  }
}

/** torch's nn.ModuleList: children named 0, 1, 2, ... */
class BlockList extends Module {
  add(i: number, b: Block): Block {
    return this.child(String(i), b);
  }
}
