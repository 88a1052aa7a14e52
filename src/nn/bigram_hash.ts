// BigramHash (from the contest's later records): a second embedding, indexed by a hash of the
// (previous, current) token pair, projected to the model width and added to the token embedding
// before the first norm. It buys a small model bigram statistics with bytes rather than compute: per
// token one gather from [buckets, k] and one [k -> D] GEMM.
//   bucket(t) = hash(ids[t-1], ids[t]) mod buckets, with ids[-1] = -1 at the start of every row
//   out [B, T, D] = proj(embed[bucket])          embed ~ N(0, 0.02), proj zero-initialized: the
//                                                 model starts as it would without it
// The buckets are computed on the host from the ids (a data input of the step, not a graph op), so
// the ids must be realized (they always are: batches and evaluation windows come from the host).
import type { Rng } from "../core/random.js";
import { PgolfError } from "../core/error.js";
import type { DType } from "../engine/dtype.js";
import { Tensor } from "../engine/tensor.js";
import { Embedding } from "./embedding.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

/** Buckets of ids int32 [rows, seqLen] (row-major): a multiplicative hash of each (previous, current) pair. */
export function bigramBuckets(ids: ArrayLike<number>, rows: number, seqLen: number, buckets: number): Int32Array {
  const out = new Int32Array(rows * seqLen);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < seqLen; t++) {
      const i = r * seqLen + t;
      const prev = t === 0 ? -1 : ids[i - 1];
      // golden-ratio and murmur constants; >>> 0 keeps the product as an unsigned 32-bit word
      const h = (Math.imul(prev + 1, 0x9e3779b1) ^ Math.imul(ids[i] + 1, 0x85ebca77)) >>> 0;
      out[i] = h % buckets;
    }
  }
  return out;
}

export class BigramHash extends Module {
  readonly embed: Embedding;
  readonly proj: Linear;
  readonly buckets: number;

  constructor(buckets: number, k: number, dim: number, opts: { rng: Rng; dtype?: DType }) {
    super();
    if (!Number.isInteger(buckets) || buckets < 2 || !Number.isInteger(k) || k < 1) {
      throw new PgolfError("CONFIG_INVALID", `bigramBuckets must be an integer >= 2 and bigramDim >= 1, got ${buckets} and ${k}`, { fix: 'e.g. "bigramBuckets": 4096, "bigramDim": 64 in model_overrides, or "bigramBuckets": 0 for none' });
    }
    this.buckets = buckets;
    this.embed = this.child("embed", new Embedding(buckets, k, { rng: opts.rng, std: 0.02, dtype: opts.dtype }));
    this.proj = this.child("proj", new Linear(k, dim, { rng: opts.rng, zeroInit: true, dtype: opts.dtype }));
  }

  /** ids int32 [B, T] (realized) -> [B, T, D] */
  forward(ids: Tensor): Tensor {
    if (!ids.data) throw new PgolfError("ENGINE_SHAPE", "BigramHash needs realized token ids (a batch from the host)", { fix: "pass ids made with Tensor.from, not the output of another op" });
    const [rows, seqLen] = ids.shape;
    const b = Tensor.from(bigramBuckets(ids.data, rows, seqLen, this.buckets), [rows, seqLen]);
    return this.proj.forward(this.embed.forward(b));
  }
}
