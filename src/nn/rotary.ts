// Rotary position embedding tables per sequence length (the reference's Rotary module), cached.
import type { DType } from "../engine/dtype.js";
import { applyRotary, concat, rotaryTables, sliceAxis, type RotaryTables } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";

/**
 * Partial RoPE: x [..., T, Dh] with its first `dims` rotated by tables made for `dims` dimensions
 * (cos, sin [T, dims/2]) and the other Dh - dims passed through, so they match by content alone at
 * any distance. dims = Dh: the reference's full rotation.
 */
export function partialRotary(x: Tensor, cos: Tensor, sin: Tensor, dims: number): Tensor {
  const dh = x.shape[x.rank - 1];
  if (dims === dh) return applyRotary(x, cos, sin);
  const axis = x.rank - 1;
  return concat([applyRotary(sliceAxis(x, axis, 0, dims), cos, sin), sliceAxis(x, axis, dims, dh)], axis);
}

export class Rotary {
  readonly headDim: number;
  readonly base: number;
  private readonly cache = new Map<string, RotaryTables>();

  constructor(headDim: number, base = 10000) {
    this.headDim = headDim;
    this.base = base;
  }

  tables(seqLen: number, dtype: DType): RotaryTables {
    const key = `${seqLen}:${dtype}`;
    let t = this.cache.get(key);
    if (!t) this.cache.set(key, (t = rotaryTables(seqLen, this.headDim, this.base, dtype)));
    return t;
  }
}
