// 1 / x. d/dx = -1/x^2 = -out^2.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { square } from "./square.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const ReciprocalOp: OpDef = {
  name: "reciprocal",
  infer: (inputs) => inferUnaryFloat("reciprocal", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, (v) => 1 / v),
  backward: (_i, out, g) => [neg(mul(g, square(out)))],
  onnx: (e, [x]) => e.node("Reciprocal", [x]),
};

export function reciprocal(x: Tensor): Tensor {
  return apply(ReciprocalOp, [x], {});
}
