// Arithmetic with a constant number: the constant becomes a rank-0 tensor of x's dtype (baked into
// compiled graphs) and broadcasts. No new ops: these are add/sub/mul/div with a scalar operand.
import { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { div } from "./div.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

/** A rank-0 constant of `like`'s dtype. */
export function scalarLike(value: number, like: Tensor): Tensor {
  return Tensor.scalar(value, like.dtype);
}

/** x + c. */
export function addScalar(x: Tensor, c: number): Tensor {
  return c === 0 ? x : add(x, scalarLike(c, x));
}

/** x - c. */
export function subScalar(x: Tensor, c: number): Tensor {
  return c === 0 ? x : sub(x, scalarLike(c, x));
}

/** c - x. */
export function rsubScalar(c: number, x: Tensor): Tensor {
  return sub(scalarLike(c, x), x);
}

/** x * c. */
export function mulScalar(x: Tensor, c: number): Tensor {
  return c === 1 ? x : mul(x, scalarLike(c, x));
}

/** x / c (a true division, not a multiplication by 1/c, so results round as torch's `x / c`). */
export function divScalar(x: Tensor, c: number): Tensor {
  return c === 1 ? x : div(x, scalarLike(c, x));
}
