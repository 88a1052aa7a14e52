// where(cond, a, b): a where cond is true, else b; the three shapes broadcast together. cond is bool,
// a and b share a dtype. Gradients: to a where cond holds, to b elsewhere (then summed back to each
// input's shape); none to cond.
import { PgolfError } from "../../core/error.js";
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { broadcastIndex, broadcastShapes, numel } from "../shape.js";
import { Tensor } from "../tensor.js";
import { unbroadcast } from "./binary.js";

export const WhereOp: OpDef = {
  name: "where",
  infer: ([c, a, b]) => {
    if (c.dtype !== "bool") throw new PgolfError("ENGINE_DTYPE", `where: the condition is ${c.dtype}, not bool`, { fix: "build it with a comparison (less, greater, equal)" });
    if (a.dtype !== b.dtype) throw new PgolfError("ENGINE_DTYPE", `where: the branches are ${a.dtype} and ${b.dtype}`, { fix: "cast one branch so both have the same dtype" });
    return { shape: broadcastShapes("where", broadcastShapes("where", c.shape, a.shape), b.shape), dtype: a.dtype };
  },
  reference: ([c, a, b], _a, out) => {
    const n = numel(out.shape);
    const ic = broadcastIndex(c.shape, out.shape);
    const ia = broadcastIndex(a.shape, out.shape);
    const ib = broadcastIndex(b.shape, out.shape);
    const o = allocate(out.dtype, n);
    for (let i = 0; i < n; i++) o[i] = c.data[ic[i]] ? a.data[ia[i]] : b.data[ib[i]];
    return o;
  },
  backward: ([c, a, b], _o, g) => {
    const zero = Tensor.scalar(0, g.dtype);
    return [undefined, unbroadcast(where(c, g, zero), a.shape), unbroadcast(where(c, zero, g), b.shape)];
  },
  onnx: (e, [c, a, b]) => e.node("Where", [c, a, b]),
};

export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return apply(WhereOp, [cond, a, b], {});
}
