// Token embedding: ids int32 [...] -> rows of weight [V, D]. Initialized N(0, std).
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { embedding, fakeQuant } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { normalInit } from "./init.js";
import { Module } from "./module.js";

export class Embedding extends Module {
  readonly weight: Tensor;
  /** Quantization-aware training: the forward sees the weight quantized to these bits as the export stores it (0: off). */
  qatBits = 0;

  constructor(vocab: number, dim: number, opts: { rng: Rng; std: number; dtype?: DType }) {
    super();
    this.weight = this.param("weight", normalInit([vocab, dim], opts.std, opts.rng, opts.dtype));
  }

  /** The weight the forward uses: fake-quantized during QAT (gradients pass straight through). */
  forwardWeight(): Tensor {
    return this.qatBits > 0 ? fakeQuant(this.weight, this.qatBits) : this.weight;
  }

  /** `weight`: this.forwardWeight() unless the caller already has it (a tied head shares one). */
  forward(ids: Tensor, weight = this.forwardWeight()): Tensor {
    return embedding(weight, ids);
  }
}
