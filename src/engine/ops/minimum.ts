// Elementwise min(a, b), with broadcasting. Gradient: to the smaller input; on a tie (a == b) it is
// split equally, half to each (as torch.minimum).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";
import { less } from "./less.js";
import { selectWeight } from "./maximum.js";
import { mul } from "./mul.js";
import { rsubScalar } from "./scalar.js";
import { requireNumeric } from "./unary.js";

export const MinimumOp: OpDef = {
  name: "minimum",
  infer: (inputs) => {
    requireNumeric("minimum", ...inputs);
    return inferBinary("minimum", inputs);
  },
  // NaN wins (as torch.minimum and ONNX Min).
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => (x !== x || y !== y ? NaN : x <= y ? x : y)),
  backward: ([a, b], _o, g) => {
    const wa = selectWeight(less(a, b), a, b, g.dtype);
    return [unbroadcast(mul(g, wa), a.shape), unbroadcast(mul(g, rsubScalar(1, wa)), b.shape)];
  },
  onnx: (e, [a, b]) => e.node("Min", [a, b]),
};

export function minimum(a: Tensor, b: Tensor): Tensor {
  return apply(MinimumOp, [a, b], {});
}
