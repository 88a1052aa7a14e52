// GELU, x * Phi(x), in torch's two forms (ONNX Gelu is opset 20, so both lower to primitives):
//   "none" (exact, torch's default): 0.5 x (1 + erf(x / sqrt(2)))
//   "tanh" (approximate="tanh"):     0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// Derivatives:
//   "none": Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt(2))) + x e^(-x^2/2) / sqrt(2 pi)
//   "tanh": with u = sqrt(2/pi) (x + 0.044715 x^3), t = tanh(u):
//           0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { erf, ErfOp, erfScalar } from "./erf.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { addScalar, mulScalar, rsubScalar } from "./scalar.js";
import { square } from "./square.js";
import { tanh } from "./tanh.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

export type GeluApproximate = "none" | "tanh";

interface GeluAttrs {
  approximate: GeluApproximate;
}

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function geluScalar(v: number, approximate: GeluApproximate): number {
  if (approximate === "tanh") return 0.5 * v * (1 + Math.tanh(K * (v + C * v * v * v)));
  return 0.5 * v * (1 + erfScalar(v * Math.SQRT1_2));
}

export const GeluOp: OpDef<GeluAttrs> = {
  name: "gelu",
  infer: (inputs) => inferUnaryFloat("gelu", inputs),
  reference: ([x], a, out) => referenceUnary(x, out, (v) => geluScalar(v, a.approximate)),
  backward: ([x], _o, g, a) => {
    if (a.approximate === "tanh") {
      const x2 = square(x);
      const t = tanh(mulScalar(mul(x, addScalar(mulScalar(x2, C), 1)), K)); // tanh(K (x + C x^3))
      const left = mulScalar(addScalar(t, 1), 0.5);
      const right = mul(mulScalar(x, 0.5 * K), mul(rsubScalar(1, square(t)), addScalar(mulScalar(x2, 3 * C), 1)));
      return [mul(g, add(left, right))];
    }
    const cdf = mulScalar(addScalar(erf(mulScalar(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mulScalar(exp(mulScalar(square(x), -0.5)), INV_SQRT_2PI);
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
  onnx: (e, [x], a, m) => {
    const dt = m.output.dtype;
    const s = (v: number) => e.scalar(v, dt);
    let inner: string;
    if (a.approximate === "tanh") {
      const x3 = e.node("Mul", [e.node("Mul", [x, x]), x]);
      inner = e.node("Tanh", [e.node("Mul", [e.node("Add", [x, e.node("Mul", [x3, s(C)])]), s(K)])]);
    } else {
      // Through erf's own lowering, which handles float64 (onnxruntime has no float64 Erf kernel).
      const meta = { shape: m.output.shape, dtype: dt };
      inner = ErfOp.onnx(e, [e.node("Mul", [x, s(Math.SQRT1_2)])], {}, { inputs: [meta], output: meta });
    }
    return e.node("Mul", [e.node("Mul", [x, s(0.5)]), e.node("Add", [inner, s(1)])]);
  },
};

/** GELU; `approximate` as torch's F.gelu (default "none", the exact erf form). */
export function gelu(x: Tensor, approximate: GeluApproximate = "none"): Tensor {
  return apply(GeluOp, [x], { approximate });
}
