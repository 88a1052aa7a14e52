// a < b -> bool, with broadcasting. No gradient (a comparison is piecewise constant).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary } from "./binary.js";
import { requireNumeric } from "./unary.js";

export const LessOp: OpDef = {
  name: "less",
  infer: (inputs) => {
    requireNumeric("less", ...inputs);
    return inferBinary("less", inputs, "bool");
  },
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => (x < y ? 1 : 0)),
  onnx: (e, [a, b]) => e.node("Less", [a, b]),
};

export function less(a: Tensor, b: Tensor): Tensor {
  return apply(LessOp, [a, b], {});
}
