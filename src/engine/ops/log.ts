// Natural logarithm. d/dx = 1/x.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { div } from "./div.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const LogOp: OpDef = {
  name: "log",
  infer: (inputs) => inferUnaryFloat("log", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, Math.log),
  backward: ([x], _o, g) => [div(g, x)],
  onnx: (e, [x]) => e.node("Log", [x]),
};

export function log(x: Tensor): Tensor {
  return apply(LogOp, [x], {});
}
