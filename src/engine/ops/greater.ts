// a > b -> bool, with broadcasting. No gradient (a comparison is piecewise constant).
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";
import { inferBinary, referenceBinary } from "./binary.js";
import { requireNumeric } from "./unary.js";

export const GreaterOp: OpDef = {
  name: "greater",
  infer: (inputs) => {
    requireNumeric("greater", ...inputs);
    return inferBinary("greater", inputs, "bool");
  },
  reference: (inputs, _a, out) => referenceBinary(inputs, out, (x, y) => (x > y ? 1 : 0)),
  onnx: (e, [a, b]) => e.node("Greater", [a, b]),
};

export function greater(a: Tensor, b: Tensor): Tensor {
  return apply(GreaterOp, [a, b], {});
}
