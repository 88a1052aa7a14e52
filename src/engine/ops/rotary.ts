// Rotary position embedding, exactly as the Parameter Golf baseline (train_gpt.py `Rotary` and
// `apply_rotary_emb`, "rotate half" layout, base 10000):
//   inv_freq[i] = 1 / base^(2i / Dh)            for i < Dh/2   (float32, as the baseline's buffer)
//   freqs[t, i] = t * inv_freq[i]; cos = cos(freqs), sin = sin(freqs)   [T, Dh/2]
//   x1 = x[..., :Dh/2], x2 = x[..., Dh/2:]
//   out = concat(x1 * cos + x2 * sin, x2 * cos - x1 * sin)
// Each pair (x1[i], x2[i]) is rotated by the angle -freqs[t, i], so norms are preserved.
import type { DType } from "../dtype.js";
import { shapeError, showShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { concat } from "./concat.js";
import { mul } from "./mul.js";
import { sliceAxis } from "./slice.js";
import { sub } from "./sub.js";

export interface RotaryTables {
  /** [T, Dh/2] */
  cos: Tensor;
  /** [T, Dh/2] */
  sin: Tensor;
}

/**
 * The cos/sin tables for positions 0..seqLen-1 and head size headDim, computed in float32 as the
 * baseline does (each intermediate rounded to float32), then stored as `dtype` constants.
 */
export function rotaryTables(seqLen: number, headDim: number, base = 10000, dtype: DType = "float32"): RotaryTables {
  if (headDim % 2 !== 0) throw shapeError("rotary", `head_dim must be even for RoPE, got ${headDim}`);
  const half = headDim / 2;
  const f = Math.fround;
  // torch: 1.0 / (base ** (torch.arange(0, dim, 2, dtype=float32) / dim)), all in float32.
  const invFreq = Array.from({ length: half }, (_, i) => f(1 / f(f(base) ** f(f(2 * i) / headDim))));
  const cos = new Array<number>(seqLen * half);
  const sin = new Array<number>(seqLen * half);
  for (let t = 0; t < seqLen; t++) {
    for (let i = 0; i < half; i++) {
      const angle = f(t * invFreq[i]);
      cos[t * half + i] = f(Math.cos(angle));
      sin[t * half + i] = f(Math.sin(angle));
    }
  }
  return { cos: Tensor.constant(cos, [seqLen, half], dtype), sin: Tensor.constant(sin, [seqLen, half], dtype) };
}

/**
 * Applies the rotation to x [..., T, Dh] (typically [B, H, T, Dh]) with tables that broadcast
 * against [..., T, Dh/2] (rotaryTables' [T, Dh/2], or [1, 1, T, Dh/2]).
 */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const dh = x.shape[x.rank - 1];
  if (x.rank < 2 || dh % 2 !== 0) throw shapeError("rotary", `x ${showShape(x.shape)} needs an even last dimension (head_dim)`);
  const half = dh / 2;
  if (cos.shape[cos.rank - 1] !== half || sin.shape[sin.rank - 1] !== half) {
    throw shapeError("rotary", `cos ${showShape(cos.shape)} / sin ${showShape(sin.shape)} must end in head_dim / 2 = ${half} for x ${showShape(x.shape)}`);
  }
  const x1 = sliceAxis(x, -1, 0, half);
  const x2 = sliceAxis(x, -1, half, dh);
  return concat([add(mul(x1, cos), mul(x2, sin)), sub(mul(x2, cos), mul(x1, sin))], -1);
}
