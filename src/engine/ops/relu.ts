// max(x, 0). d/dx = 1 for x > 0, else 0 (0 at x = 0, as torch).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { greater } from "./greater.js";
import { scalarLike } from "./scalar.js";
import { inferUnaryNumeric, referenceUnary } from "./unary.js";
import { where } from "./where.js";

export const ReluOp: OpDef = {
  name: "relu",
  infer: (inputs) => inferUnaryNumeric("relu", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, (v) => (v > 0 ? v : v === v ? 0 : v)), // NaN stays NaN
  backward: ([x], _o, g) => [where(greater(x, scalarLike(0, x)), g, scalarLike(0, g))],
  onnx: (e, [x]) => e.node("Relu", [x]),
};

export function relu(x: Tensor): Tensor {
  return apply(ReluOp, [x], {});
}
