// Causal scaled dot-product attention with grouped KV heads, as torch's
// F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True):
//   q [B, H, T, Dh], k and v [B, Hkv, T, Dh], H a multiple of Hkv -> [B, H, T, Dh]
// Query head h reads KV head floor(h / (H / Hkv)) (torch's repeat_interleave of the KV heads).
// Position i attends to positions j <= i, with scores q.k / sqrt(Dh).
// Built from ops: q is viewed as [B, Hkv, G, T, Dh] (G = H / Hkv) and k, v as [B, Hkv, 1, T, Dh], so
// matmul broadcasts each KV head over its G query heads without copying, and the gradient of k and
// v sums over the group (matmul's unbroadcast).
import { PgolfError } from "../../core/error.js";
import { requireFloat } from "../dtype.js";
import { shapeError, showShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { less } from "./less.js";
import { matmul } from "./matmul.js";
import { reshape } from "./reshape.js";
import { mulScalar } from "./scalar.js";
import { softmax } from "./softmax.js";
import { transpose } from "./transpose.js";
import { where } from "./where.js";

export interface AttentionOptions {
  /** Score scale; default 1 / sqrt(Dh). */
  scale?: number;
}

/**
 * The causal mask [T, T]: true where key j may be seen from query i (j <= i, i.e. j < i + 1). Built
 * in the graph from two small int32 constants ([1, T] key positions, [T, 1] query positions + 1), so
 * compiled graphs carry 2T numbers instead of a T x T table.
 */
export function causalMask(t: number): Tensor {
  const keys = Tensor.constant(Array.from({ length: t }, (_, j) => j), [1, t], "int32");
  const queriesPlusOne = Tensor.constant(Array.from({ length: t }, (_, i) => i + 1), [t, 1], "int32");
  return less(keys, queriesPlusOne);
}

export function causalAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  requireFloat("causal_attention", q.dtype);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new PgolfError("ENGINE_DTYPE", `causal_attention: q, k, v are ${q.dtype}, ${k.dtype}, ${v.dtype}`, { fix: "cast q, k and v to one dtype first (cast(x, \"float32\"))" });
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw shapeError("causal_attention", `q, k, v must be [B, H, T, Dh], got ${showShape(q.shape)}, ${showShape(k.shape)}, ${showShape(v.shape)}`);
  }
  const [b, h, t, dh] = q.shape;
  const hkv = k.shape[1];
  const kvShape = [b, hkv, t, dh];
  if (k.shape.some((d, i) => d !== kvShape[i]) || v.shape.some((d, i) => d !== kvShape[i]) || hkv === 0 || h % hkv !== 0) {
    throw shapeError(
      "causal_attention",
      `q ${showShape(q.shape)} needs k and v of shape [${b}, Hkv, ${t}, ${dh}] with ${h} a multiple of Hkv; got k ${showShape(k.shape)}, v ${showShape(v.shape)}`,
    );
  }
  const g = h / hkv;
  const q5 = reshape(q, [b, hkv, g, t, dh]);
  const k5 = reshape(k, [b, hkv, 1, t, dh]);
  const v5 = reshape(v, [b, hkv, 1, t, dh]);
  const scores = mulScalar(matmul(q5, transpose(k5)), opts.scale ?? 1 / Math.sqrt(dh)); // [B, Hkv, G, T, T]
  // Masked scores become -inf: e^-inf = 0 exactly, and where() sends them no gradient.
  const masked = where(causalMask(t), scores, Tensor.scalar(-Infinity, q.dtype));
  const out = matmul(softmax(masked, -1), v5); // [B, Hkv, G, T, Dh]
  return reshape(out, [b, h, t, dh]);
}
