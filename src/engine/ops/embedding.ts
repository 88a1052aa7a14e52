// Row lookup (torch's F.embedding, ONNX Gather on axis 0): weight[V, D], ids int32[...] -> [..., D],
// out[..., :] = weight[ids[...], :]. Ids must lie in [0, V) (no negative wrap-around, as torch).
// Backward: the rows' gradients are summed into a [V, D] gradient (scatterAddRows); ids get none.
import { PgolfError } from "../../core/error.js";
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { scatterAddRows } from "./scatter_add_rows.js";

/** Throws unless every id indexes one of `rows` rows. */
export function checkIds(op: string, ids: ArrayLike<number>, rows: number): void {
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (!(id >= 0 && id < rows)) {
      throw new PgolfError("ENGINE_SHAPE", `${op}: id ${id} (at flat position ${n}) is outside [0, ${rows})`, { fix: "token ids must be smaller than the vocabulary size" });
    }
  }
}

export const EmbeddingOp: OpDef = {
  name: "embedding",
  infer: ([w, ids]) => {
    if (w.shape.length !== 2) throw shapeError("embedding", `the weight must be [rows, dim], got ${showShape(w.shape)}`);
    if (ids.dtype !== "int32") throw new PgolfError("ENGINE_DTYPE", `embedding: ids are ${ids.dtype}, not int32`, { fix: `cast them with cast(ids, "int32")` });
    return { shape: [...ids.shape, w.shape[1]], dtype: w.dtype };
  },
  reference: ([w, ids], _a, out) => {
    const [rows, dim] = w.shape;
    checkIds("embedding", ids.data, rows);
    const o = allocate(out.dtype, ids.data.length * dim);
    for (let n = 0; n < ids.data.length; n++) {
      const r = ids.data[n];
      for (let d = 0; d < dim; d++) o[n * dim + d] = w.data[r * dim + d];
    }
    return o;
  },
  backward: ([w, ids], _o, g) => [scatterAddRows(g, ids, w.shape[0]), undefined],
  onnx: (e, [w, ids]) => e.node("Gather", [w, ids], { axis: { i: 0 } }),
};

export function embedding(weight: Tensor, ids: Tensor): Tensor {
  return apply(EmbeddingOp, [weight, ids], {});
}
