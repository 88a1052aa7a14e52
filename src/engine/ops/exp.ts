// e^x. d/dx = e^x = out.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const ExpOp: OpDef = {
  name: "exp",
  infer: (inputs) => inferUnaryFloat("exp", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, Math.exp),
  backward: (_i, out, g) => [mul(g, out)],
  onnx: (e, [x]) => e.node("Exp", [x]),
};

export function exp(x: Tensor): Tensor {
  return apply(ExpOp, [x], {});
}
