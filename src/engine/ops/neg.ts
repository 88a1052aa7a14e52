// -x.
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";

export const NegOp: OpDef = {
  name: "neg",
  infer: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
  reference: ([x], _a, out) => {
    const o = allocate(out.dtype, x.data.length);
    for (let i = 0; i < o.length; i++) o[i] = -x.data[i];
    return o;
  },
  backward: (_i, _o, g) => [neg(g)],
  onnx: (e, [x]) => e.node("Neg", [x]),
};

export function neg(x: Tensor): Tensor {
  return apply(NegOp, [x], {});
}
