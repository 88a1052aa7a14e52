// The reference's relu^2 MLP: proj(relu(fc(x))^2), hidden = mult x dim, proj zero-initialized.
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { relu, square } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";

export class MLP extends Module {
  readonly fc: Linear;
  readonly proj: Linear;

  constructor(dim: number, mult: number, opts: { rng: Rng; dtype?: DType }) {
    super();
    this.fc = this.child("fc", new Linear(dim, mult * dim, opts));
    this.proj = this.child("proj", new Linear(mult * dim, dim, { ...opts, zeroInit: true }));
  }

  forward(x: Tensor): Tensor {
    return this.proj.forward(square(relu(this.fc.forward(x))));
  }
}
