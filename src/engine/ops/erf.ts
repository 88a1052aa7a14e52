// The error function erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt (JavaScript has no Math.erf).
// d/dx = 2/sqrt(pi) * e^(-x^2).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { mulScalar } from "./scalar.js";
import { square } from "./square.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** ONNX TensorProto.DataType codes FLOAT and DOUBLE (the `to` attribute of Cast). */
const ONNX_FLOAT = 1;
const ONNX_DOUBLE = 11;

/**
 * erf in float64, to about 1e-15: the series erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
 * (Abramowitz & Stegun 7.1.6) has only positive terms, so nothing cancels. Beyond |x| = 6,
 * 1 - erf(x) < 2.2e-17 and erf rounds to +-1.
 */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  const a2 = a * a;
  let term = a;
  let total = a;
  for (let n = 1; term > total * 1e-17; n++) {
    term *= (2 * a2) / (2 * n + 1);
    total += term;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-a2) * total;
  return x < 0 ? -r : r;
}

export const ErfOp: OpDef = {
  name: "erf",
  infer: (inputs) => inferUnaryFloat("erf", inputs),
  reference: ([x], _a, out) => referenceUnary(x, out, erfScalar),
  backward: ([x], _o, g) => [mul(g, mulScalar(exp(mulScalar(square(x), -1)), TWO_OVER_SQRT_PI))],
  // onnxruntime's CPU Erf kernel is float32 only: float64 graphs round-trip through float32 there
  // (erf to ~1e-7 instead of 1e-15; the reference backend stays exact).
  onnx: (e, [x], _a, m) => {
    if (m.output.dtype === "float32") return e.node("Erf", [x]);
    const y = e.node("Erf", [e.node("Cast", [x], { to: { i: ONNX_FLOAT } })]);
    return e.node("Cast", [y], { to: { i: ONNX_DOUBLE } });
  },
};

export function erf(x: Tensor): Tensor {
  return apply(ErfOp, [x], {});
}
