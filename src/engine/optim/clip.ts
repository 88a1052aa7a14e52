// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_:
//   total = sqrt(sum of squared gradient elements);  coef = min(max_norm / (total + 1e-6), 1)
// Lazy: returns the clipped gradients and the total norm.
import { add, div, minimum, mul, sqrt, square, sum } from "../ops/index.js";
import { Tensor } from "../tensor.js";

export function clipGradNorm(grads: Tensor[], maxNorm: number): { grads: Tensor[]; norm: Tensor } {
  const dt = grads[0]?.dtype ?? "float32";
  let total: Tensor = Tensor.scalar(0, dt);
  for (const g of grads) total = add(total, sum(square(g)));
  const norm = sqrt(total);
  const coef = minimum(div(Tensor.scalar(maxNorm, dt), add(norm, Tensor.scalar(1e-6, dt))), Tensor.scalar(1, dt));
  return { grads: grads.map((g) => mul(g, coef)), norm };
}
