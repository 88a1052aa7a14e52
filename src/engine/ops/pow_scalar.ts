// x^p for a constant exponent p. d/dx = p x^(p-1); exactly 0 for p = 0 (as torch, so 0^0 has no NaN
// gradient). Negative x with a non-integer p gives NaN, as Math.pow and ONNX Pow.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { expand } from "./expand.js";
import { mul } from "./mul.js";
import { mulScalar, scalarLike } from "./scalar.js";
import { inferUnaryFloat, referenceUnary } from "./unary.js";

interface PowScalarAttrs {
  exponent: number;
}

export const PowScalarOp: OpDef<PowScalarAttrs> = {
  name: "pow_scalar",
  infer: (inputs) => inferUnaryFloat("pow_scalar", inputs),
  reference: ([x], a, out) => referenceUnary(x, out, (v) => Math.pow(v, a.exponent)),
  backward: ([x], _o, g, a) => {
    const p = a.exponent;
    if (p === 0) return [expand(scalarLike(0, g), g.shape)];
    if (p === 1) return [g];
    return [mul(g, mulScalar(powScalar(x, p - 1), p))];
  },
  onnx: (e, [x], a, m) => e.node("Pow", [x, e.scalar(a.exponent, m.output.dtype)]),
};

export function powScalar(x: Tensor, exponent: number): Tensor {
  if (exponent === 1) return x;
  return apply(PowScalarOp, [x], { exponent });
}
