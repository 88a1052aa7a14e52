// x for x > 0, slope * x otherwise (torch's default slope is 0.01). d/dx = 1 or slope (slope at 0,
// as torch).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { greater } from "./greater.js";
import { mulScalar, scalarLike } from "./scalar.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";
import { where } from "./where.js";

interface LeakyReluAttrs {
  slope: number;
}

export const LeakyReluOp: OpDef<LeakyReluAttrs> = {
  name: "leaky_relu",
  infer: (inputs) => inferUnaryFloat("leaky_relu", inputs),
  reference: ([x], a, out) => referenceUnary(x, out, (v) => (v > 0 ? v : a.slope * v)),
  backward: ([x], _o, g, a) => [where(greater(x, scalarLike(0, x)), g, mulScalar(g, a.slope))],
  // LeakyRelu's alpha is a float32 attribute: exact for float32 graphs, but it would round the slope
  // of float64 ones, which therefore get where(x > 0, x, slope * x) with a float64 slope.
  onnx: (e, [x], a, m) => {
    const dt = m.output.dtype;
    if (dt === "float32") return e.node("LeakyRelu", [x], { alpha: { f: a.slope } });
    return e.node("Where", [e.node("Greater", [x, e.scalar(0, dt)]), x, e.node("Mul", [x, e.scalar(a.slope, dt)])]);
  },
};

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return apply(LeakyReluOp, [x], { slope });
}
