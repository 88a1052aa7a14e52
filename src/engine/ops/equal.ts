// a == b -> bool, with broadcasting; any dtype (both the same). No gradient.
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary } from "./binary.js";

export const EqualOp: OpDef = {
  name: "equal",
  infer: (inputs) => inferBinary("equal", inputs, "bool"),
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => (x === y ? 1 : 0)),
  onnx: (e, [a, b]) => e.node("Equal", [a, b]),
};

export function equal(a: Tensor, b: Tensor): Tensor {
  return apply(EqualOp, [a, b], {});
}
