// a * b, with broadcasting.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";

export const MulOp: OpDef = {
  name: "mul",
  infer: (inputs) => inferBinary("mul", inputs),
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => x * y),
  backward: ([a, b], _out, g) => [unbroadcast(mul(g, b), a.shape), unbroadcast(mul(g, a), b.shape)],
  onnx: (e, [a, b]) => e.node("Mul", [a, b]),
};

export function mul(a: Tensor, b: Tensor): Tensor {
  return apply(MulOp, [a, b], {});
}
