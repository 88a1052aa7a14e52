// -1, 0 or 1 by the sign of x (0 for 0). No gradient: it is 0 wherever it exists.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferUnaryNumeric, referenceUnary } from "./unary.js";

export const SignOp: OpDef = {
  name: "sign",
  infer: (inputs) => inferUnaryNumeric("sign", inputs),
  // Math.sign keeps -0 as -0; ONNX Sign gives 0 for both zeros, so normalize to +0.
  reference: ([x], _a, out) => referenceUnary(x, out, (v) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN)),
  onnx: (e, [x]) => e.node("Sign", [x]),
};

export function sign(x: Tensor): Tensor {
  return apply(SignOp, [x], {});
}
