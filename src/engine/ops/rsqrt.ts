// 1 / sqrt(x) (ONNX has no Rsqrt: Reciprocal of Sqrt). d/dx = -x^(-3/2) / 2 = -out^3 / 2.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { mulScalar } from "./scalar.js";
import { square } from "./square.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const RsqrtOp: OpDef = {
  name: "rsqrt",
  infer: (inputs) => inferUnaryFloat("rsqrt", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, (v) => 1 / Math.sqrt(v)),
  backward: (_i, out, g) => [mul(g, mulScalar(mul(out, square(out)), -0.5))],
  onnx: (e, [x]) => e.node("Reciprocal", [e.node("Sqrt", [x])]),
};

export function rsqrt(x: Tensor): Tensor {
  return apply(RsqrtOp, [x], {});
}
