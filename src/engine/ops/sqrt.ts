// Square root. d/dx = 1 / (2 sqrt(x)) = 1 / (2 out).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { div } from "./div.js";
import { mulScalar } from "./scalar.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const SqrtOp: OpDef = {
  name: "sqrt",
  infer: (inputs) => inferUnaryFloat("sqrt", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, Math.sqrt),
  backward: (_i, out, g) => [div(g, mulScalar(out, 2))],
  onnx: (e, [x]) => e.node("Sqrt", [x]),
};

export function sqrt(x: Tensor): Tensor {
  return apply(SqrtOp, [x], {});
}
