// Token embedding: ids int32 [...] -> rows of weight [V, D]. Initialized N(0, std).
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { embedding } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { normalInit } from "./init.js";
import { Module } from "./module.js";

export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(vocab: number, dim: number, opts: { rng: Rng; std: number; dtype?: DType }) {
    super();
    this.weight = this.param("weight", normalInit([vocab, dim], opts.std, opts.rng, opts.dtype));
  }

  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}
