// Newton-Schulz orthogonalization of a 2-D update, as the reference Muon (train_gpt.py
// zeropower_via_newtonschulz5) does it, in float32:
//   X = G / (||G||_F + 1e-7); transpose when rows > cols
//   repeat `steps`:  A = X X^T;  B = b A + c A A;  X = a X + B X      (a, b, c) = (3.4445, -4.7750, 2.0315)
//   transpose back.
import { add, matmul, mul, sqrt, square, sum, div, transpose } from "../ops/index.js";
import { Tensor } from "../tensor.js";

export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

export function newtonSchulz5(g: Tensor, steps = 5, eps = 1e-7): Tensor {
  const [a, b, c] = NS_COEFFICIENTS.map((v) => Tensor.scalar(v, g.dtype));
  let x = div(g, add(sqrt(sum(square(g))), Tensor.scalar(eps, g.dtype)));
  const transposed = g.shape[0] > g.shape[1];
  if (transposed) x = transpose(x);
  for (let i = 0; i < steps; i++) {
    const A = matmul(x, transpose(x));
    const B = add(mul(b, A), mul(c, matmul(A, A)));
    x = add(mul(a, x), matmul(B, x));
  }
  return transposed ? transpose(x) : x;
}
