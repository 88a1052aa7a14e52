// Logistic sigmoid 1 / (1 + e^-x). d/dx = out (1 - out).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { mul } from "./mul.js";
import { rsubScalar } from "./scalar.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export const SigmoidOp: OpDef = {
  name: "sigmoid",
  infer: (inputs) => inferUnaryFloat("sigmoid", inputs),
  // Two branches so neither exponent overflows: for v < 0, e^v / (1 + e^v).
  reference: ([x], _a, out) =>
    referenceUnary(x, out, (v) => {
      if (v >= 0) return 1 / (1 + Math.exp(-v));
      const z = Math.exp(v);
      return z / (1 + z);
    }),
  backward: (_i, out, g) => [mul(g, mul(out, rsubScalar(1, out)))],
  onnx: (e, [x]) => e.node("Sigmoid", [x]),
};

export function sigmoid(x: Tensor): Tensor {
  return apply(SigmoidOp, [x], {});
}
