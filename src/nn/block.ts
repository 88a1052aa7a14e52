// A transformer block of the reference baseline:
//   x = mix[0] x + mix[1] x0               (resid_mix, x0 = the normed embedding)
//   x = x + attn_scale * attn(rms_norm(x))
//   x = x + mlp_scale  * mlp(rms_norm(x))
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { add, mul, reshape, rmsNorm, sliceAxis } from "../engine/ops/index.js";
import { Tensor } from "../engine/tensor.js";
import { CausalSelfAttention, type AttentionConfig } from "./attention.js";
import { filled } from "./init.js";
import { MLP } from "./mlp.js";
import { Module } from "./module.js";

export class Block extends Module {
  readonly attnScale: Tensor;
  readonly mlpScale: Tensor;
  readonly residMix: Tensor;
  readonly attn: CausalSelfAttention;
  readonly mlp: MLP;

  constructor(c: AttentionConfig & { mlpMult: number }, opts: { rng: Rng; dtype?: DType }) {
    super();
    this.attnScale = this.param("attn_scale", filled([c.dim], 1, opts.dtype));
    this.mlpScale = this.param("mlp_scale", filled([c.dim], 1, opts.dtype));
    const mix = [...new Array(c.dim).fill(1), ...new Array(c.dim).fill(0)];
    this.residMix = this.param("resid_mix", Tensor.from(mix, [2, c.dim], { dtype: opts.dtype }));
    this.attn = this.child("attn", new CausalSelfAttention(c, opts));
    this.mlp = this.child("mlp", new MLP(c.dim, c.mlpMult, opts));
  }

  /** x, x0 [B, T, D] -> [B, T, D] */
  forward(x: Tensor, x0: Tensor): Tensor {
    const d = x.shape[x.rank - 1];
    const m0 = reshape(sliceAxis(this.residMix, 0, 0, 1), [d]);
    const m1 = reshape(sliceAxis(this.residMix, 0, 1, 2), [d]);
    let h = add(mul(m0, x), mul(m1, x0));
    h = add(h, mul(this.attnScale, this.attn.forward(rmsNorm(h))));
    return add(h, mul(this.mlpScale, this.mlp.forward(rmsNorm(h))));
  }
}
