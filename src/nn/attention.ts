// Causal self-attention with grouped KV heads, as the reference's CausalSelfAttention:
//   q, k, v = x Wq, x Wk, x Wv reshaped to [B, heads, T, Dh]; q, k RMS-normed over Dh; RoPE on q, k;
//   q scaled per head by q_gain; causal SDPA (KV heads shared by H / Hkv query heads); output proj
//   (zero-initialized).
// Options past the reference: ropeDims < Dh rotates only the first ropeDims of each head (partial
// RoPE; the rest attend by content alone), xsa removes each output's component along its own value
// vector (nn/exclusive_attention.ts).
import { PgolfError } from "../core/error.js";
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { causalAttention, mul, reshape, rmsNorm, transpose } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { exclusive } from "./exclusive_attention.js";
import { filled } from "./init.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { partialRotary, Rotary } from "./rotary.js";

export interface AttentionConfig {
  dim: number;
  heads: number;
  kvHeads: number;
  ropeBase: number;
  qkGain: number;
  /** Dimensions of each head that RoPE rotates (0: all, the reference). */
  ropeDims?: number;
  /** Exclusive self attention (false: the reference). */
  xsa?: boolean;
}

export class CausalSelfAttention extends Module {
  readonly qGain: Tensor;
  readonly cQ: Linear;
  readonly cK: Linear;
  readonly cV: Linear;
  readonly proj: Linear;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly rotary: Rotary;
  readonly ropeDims: number;
  readonly xsa: boolean;

  constructor(c: AttentionConfig, opts: { rng: Rng; dtype?: DType }) {
    super();
    if (c.dim % c.heads !== 0) throw new PgolfError("CONFIG_INVALID", `model dim ${c.dim} must be divisible by heads ${c.heads}`, { fix: "choose model_dim and num_heads in config.json so that heads divide the dimension" });
    if (c.heads % c.kvHeads !== 0) throw new PgolfError("CONFIG_INVALID", `heads ${c.heads} must be divisible by kv heads ${c.kvHeads}`, { fix: "choose num_kv_heads in config.json to divide num_heads" });
    this.heads = c.heads;
    this.kvHeads = c.kvHeads;
    this.headDim = c.dim / c.heads;
    if (this.headDim % 2 !== 0) throw new PgolfError("CONFIG_INVALID", `head dim ${this.headDim} must be even for RoPE`, { fix: "choose model_dim / num_heads even (RoPE rotates pairs of dimensions)" });
    const kvDim = c.kvHeads * this.headDim;
    // Own parameter first, then children: the reference's named_parameters order.
    this.qGain = this.param("q_gain", filled([c.heads], c.qkGain, opts.dtype));
    this.cQ = this.child("c_q", new Linear(c.dim, c.dim, opts));
    this.cK = this.child("c_k", new Linear(c.dim, kvDim, opts));
    this.cV = this.child("c_v", new Linear(c.dim, kvDim, opts));
    this.proj = this.child("proj", new Linear(c.dim, c.dim, { ...opts, zeroInit: true }));
    this.ropeDims = c.ropeDims || this.headDim;
    if (this.ropeDims % 2 !== 0 || this.ropeDims > this.headDim || this.ropeDims < 0) throw new PgolfError("CONFIG_INVALID", `ropeDims ${this.ropeDims} must be even and at most the head dim ${this.headDim}`, { fix: `e.g. "ropeDims": ${Math.max(2, (this.headDim / 4) & ~1)} in model_overrides, or 0 for all` });
    this.xsa = c.xsa ?? false;
    this.rotary = new Rotary(this.ropeDims, c.ropeBase);
  }

  /** x [B, T, D] -> [B, T, D] */
  forward(x: Tensor): Tensor {
    const [b, t, d] = x.shape;
    const heads = (y: Tensor, n: number) => transpose(reshape(y, [b, t, n, this.headDim]), [0, 2, 1, 3]);
    let q = heads(this.cQ.forward(x), this.heads);
    let k = heads(this.cK.forward(x), this.kvHeads);
    const v = heads(this.cV.forward(x), this.kvHeads);
    q = rmsNorm(q);
    k = rmsNorm(k);
    const { cos, sin } = this.rotary.tables(t, x.dtype);
    q = partialRotary(q, cos, sin, this.ropeDims);
    k = partialRotary(k, cos, sin, this.ropeDims);
    q = mul(q, reshape(this.qGain, [1, this.heads, 1, 1]));
    let y = causalAttention(q, k, v); // [B, H, T, Dh]
    if (this.xsa) y = exclusive(y, v);
    return this.proj.forward(reshape(transpose(y, [0, 2, 1, 3]), [b, t, d]));
  }
}
