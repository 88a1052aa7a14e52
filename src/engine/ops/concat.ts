// Joins tensors along an existing axis; all other dimensions must match. Backward: each input gets
// its slab of the gradient back (a slice along the axis).
import { PgolfError } from "../../core/error.js";
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { normAxis, numel, shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { sliceAxis } from "./slice.js";
import { splitAtAxis } from "./softmax.js";

interface ConcatAttrs {
  axis: number;
}

export const ConcatOp: OpDef<ConcatAttrs> = {
  name: "concat",
  infer: (inputs, a) => {
    const first = inputs[0];
    let total = 0;
    for (const t of inputs) {
      if (t.dtype !== first.dtype) throw new PgolfError("ENGINE_DTYPE", `concat: inputs are ${first.dtype} and ${t.dtype}`, { fix: "cast the inputs to one dtype" });
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== a.axis && d !== first.shape[i])) {
        throw shapeError("concat", `shapes ${showShape(first.shape)} and ${showShape(t.shape)} differ outside axis ${a.axis}`);
      }
      total += t.shape[a.axis];
    }
    return { shape: first.shape.map((d, i) => (i === a.axis ? total : d)), dtype: first.dtype };
  },
  reference: (inputs, a, out) => {
    // Seen as [outer, n, inner] around the axis, the output's row p is the inputs' rows p end to end.
    const o = allocate(out.dtype, numel(out.shape));
    const { outer, inner } = splitAtAxis(out.shape, a.axis);
    let k = 0;
    for (let p = 0; p < outer; p++) {
      for (const t of inputs) {
        const len = t.shape[a.axis] * inner;
        for (let j = 0; j < len; j++) o[k++] = t.data[p * len + j];
      }
    }
    return o;
  },
  backward: (inputs, _o, g, a) => {
    let at = 0;
    return inputs.map((t) => {
      const part = sliceAxis(g, a.axis, at, at + t.shape[a.axis]);
      at += t.shape[a.axis];
      return part;
    });
  },
  onnx: (e, inputs, a) => e.node("Concat", inputs, { axis: { i: a.axis } }),
};

/** The tensors joined end to end along `axis` (negative counts from the end). */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw shapeError("concat", "needs at least one tensor");
  const ax = normAxis("concat", axis, xs[0].rank);
  if (xs.length === 1) return xs[0];
  return apply(ConcatOp, xs, { axis: ax });
}
