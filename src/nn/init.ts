// Weight initializers (seeded), as the reference's torch defaults:
// nn.Linear: U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)); zero for output
// projections marked _zero_init; the tied embedding: N(0, std).
import { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { numel, type Shape } from "../engine/shape.js";
import { Tensor } from "../engine/tensor.js";

export function uniformInit(shape: Shape, bound: number, rng: Rng, dtype: DType = "float32"): Tensor {
  const v = Array.from({ length: numel(shape) }, () => rng.uniform(-bound, bound));
  return Tensor.from(v, shape, { dtype });
}

export function normalInit(shape: Shape, std: number, rng: Rng, dtype: DType = "float32"): Tensor {
  const v = Array.from({ length: numel(shape) }, () => rng.normal(0, std));
  return Tensor.from(v, shape, { dtype });
}

export function filled(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  return Tensor.from(new Array(numel(shape)).fill(value), shape, { dtype });
}
