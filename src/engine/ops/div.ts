// a / b, with broadcasting. d/da = 1/b, d/db = -a/b^2 = -out/b.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

export const DivOp: OpDef = {
  name: "div",
  infer: (inputs) => inferBinary("div", inputs),
  reference: (inputs, _a, out) =>
    referenceBinary(inputs, out, out.dtype === "int32" ? (x, y) => Math.trunc(x / y) : (x, y) => x / y),
  backward: ([a, b], out, g) => [unbroadcast(div(g, b), a.shape), unbroadcast(neg(mul(g, div(out, b))), b.shape)],
  onnx: (e, [a, b]) => e.node("Div", [a, b]),
};

export function div(a: Tensor, b: Tensor): Tensor {
  return apply(DivOp, [a, b], {});
}
