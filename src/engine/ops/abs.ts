// |x|. d/dx = sign(x), so 0 at x = 0 (as torch).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { sign } from "./sign.js";
import { inferUnaryNumeric, referenceUnary } from "./unary.js";

export const AbsOp: OpDef = {
  name: "abs",
  infer: (inputs) => inferUnaryNumeric("abs", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, Math.abs),
  backward: ([x], _o, g) => [mul(g, sign(x))],
  onnx: (e, [x]) => e.node("Abs", [x]),
};

export function abs(x: Tensor): Tensor {
  return apply(AbsOp, [x], {});
}
