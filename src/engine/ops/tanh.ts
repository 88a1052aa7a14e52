// Hyperbolic tangent. d/dx = 1 - tanh(x)^2 = 1 - out^2.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { rsubScalar } from "./scalar.js";
import { square } from "./square.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const TanhOp: OpDef = {
  name: "tanh",
  infer: (inputs) => inferUnaryFloat("tanh", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, Math.tanh),
  backward: (_i, out, g) => [mul(g, rsubScalar(1, square(out)))],
  onnx: (e, [x]) => e.node("Tanh", [x]),
};

export function tanh(x: Tensor): Tensor {
  return apply(TanhOp, [x], {});
}
