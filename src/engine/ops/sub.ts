// a - b, with broadcasting.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";
import { neg } from "./neg.js";

export const SubOp: OpDef = {
  name: "sub",
  infer: (inputs) => inferBinary("sub", inputs),
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => x - y),
  backward: ([a, b], _out, g) => [unbroadcast(g, a.shape), unbroadcast(neg(g), b.shape)],
  onnx: (e, [a, b]) => e.node("Sub", [a, b]),
};

export function sub(a: Tensor, b: Tensor): Tensor {
  return apply(SubOp, [a, b], {});
}
