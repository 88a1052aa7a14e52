// SmearGate (from the contest's later records): each position's embedding blends in the previous
// position's through a learned per-channel gate, a cheap bigram path ahead of attention.
//   x [B, T, D]; g = sigmoid(gate) [D], gate initialized to 0 (g = 1/2)
//   out[:, t] = (1 - g) * x[:, t] + g * x[:, t-1],   x[:, -1] = 0 (each row starts fresh)
import type { DType } from "../engine/dtype.js";
import { add, mul, pad, rsubScalar, sigmoid, sliceAxis } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { filled } from "./init.js";
import { Module } from "./module.js";

/** x [B, T, D], gate [D] (pre-sigmoid) -> [B, T, D] */
export function smear(x: Tensor, gate: Tensor): Tensor {
  const t = x.shape[1];
  const prev = pad(sliceAxis(x, 1, 0, t - 1), [0, 1, 0], [0, 0, 0]);
  const g = sigmoid(gate);
  return add(mul(rsubScalar(1, g), x), mul(g, prev));
}

export class SmearGate extends Module {
  readonly gate: Tensor;

  constructor(dim: number, opts: { dtype?: DType } = {}) {
    super();
    this.gate = this.param("gate", filled([dim], 0, opts.dtype));
  }

  /** x [B, T, D] -> [B, T, D] */
  forward(x: Tensor): Tensor {
    return smear(x, this.gate);
  }
}
