// Broadcasts x to a larger shape (numpy broadcast_to / ONNX Expand). The gradient sums back.
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { broadcastIndex, broadcastShapes, numel, sameShape, shapeError, showShape, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { unbroadcast } from "./binary.js";

interface ExpandAttrs {
  shape: number[];
}

export const ExpandOp: OpDef<ExpandAttrs> = {
  name: "expand",
  infer: ([x], a) => {
    const b = broadcastShapes("expand", x.shape, a.shape);
    if (!sameShape(b, a.shape)) throw shapeError("expand", `cannot expand ${showShape(x.shape)} to ${showShape(a.shape)}`);
    return { shape: a.shape, dtype: x.dtype };
  },
  reference: ([x], _a, out) => {
    const idx = broadcastIndex(x.shape, out.shape);
    const o = allocate(out.dtype, numel(out.shape));
    for (let i = 0; i < o.length; i++) o[i] = x.data[idx[i]];
    return o;
  },
  backward: ([x], _o, g) => [unbroadcast(g, x.shape)],
  onnx: (e, [x], a) => e.node("Expand", [x, e.int64(a.shape)]),
};

export function expand(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return apply(ExpandOp, [x], { shape: [...shape] });
}
