// Rotary position embedding tables per sequence length (the reference's Rotary module), cached.
import type { DType } from "../engine/dtype.js";
import { rotaryTables, type RotaryTables } from "../engine/ops/index.js";

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
