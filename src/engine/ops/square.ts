// x * x. d/dx = 2x.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { mulScalar } from "./scalar.js";
import { inferUnaryNumeric, referenceUnary } from "./unary.js";

export const SquareOp: OpDef = {
  name: "square",
  infer: (inputs) => inferUnaryNumeric("square", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, (v) => v * v),
  backward: ([x], _o, g) => [mul(g, mulScalar(x, 2))],
  onnx: (e, [x]) => e.node("Mul", [x, x]),
};

export function square(x: Tensor): Tensor {
  return apply(SquareOp, [x], {});
}
