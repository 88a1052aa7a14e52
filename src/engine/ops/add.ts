// a + b, with broadcasting.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary, unbroadcast } from "./binary.js";

export const AddOp: OpDef = {
  name: "add",
  infer: (inputs) => inferBinary("add", inputs),
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => x + y),
  backward: ([a, b], _out, g) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
  onnx: (e, [a, b]) => e.node("Add", [a, b]),
};

export function add(a: Tensor, b: Tensor): Tensor {
  return apply(AddOp, [a, b], {});
}
