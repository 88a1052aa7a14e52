// Elementwise max(a, b), with broadcasting. Gradient: to the larger input; on a tie (a == b) it is
// split equally, half to each (as torch.maximum), so the gradient of maximum(x, x) is that of x.
import type { DType } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";
import { cast } from "./cast.js";
import { equal } from "./equal.js";
import { greater } from "./greater.js";
import { mul } from "./mul.js";
import { mulScalar, rsubScalar } from "./scalar.js";
import { requireNumeric } from "./unary.js";

/** Share of the gradient that goes to `a` when `pick` (a > b for maximum) selects it: 1, 0.5 on ties, else 0. */
export function selectWeight(pick: Tensor, a: Tensor, b: Tensor, dtype: DType): Tensor {
  return add(cast(pick, dtype), mulScalar(cast(equal(a, b), dtype), 0.5));
}

export const MaximumOp: OpDef = {
  name: "maximum",
  infer: (inputs) => {
    requireNumeric("maximum", ...inputs);
    return inferBinary("maximum", inputs);
  },
  // NaN wins (as torch.maximum and ONNX Max).
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => (x !== x || y !== y ? NaN : x >= y ? x : y)),
  backward: ([a, b], _o, g) => {
    const wa = selectWeight(greater(a, b), a, b, g.dtype);
    return [unbroadcast(mul(g, wa), a.shape), unbroadcast(mul(g, rsubScalar(1, wa)), b.shape)];
  },
  onnx: (e, [a, b]) => e.node("Max", [a, b]),
};

export function maximum(a: Tensor, b: Tensor): Tensor {
  return apply(MaximumOp, [a, b], {});
}
