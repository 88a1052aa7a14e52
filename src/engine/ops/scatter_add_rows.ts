// The adjoint of embedding: updates[..., D], ids int32[...] -> [rows, D], out[r, :] = sum of
// updates[n, :] over the positions n whose id is r (rows no id names stay 0). ONNX: ScatterND with
// reduction="add" into zeros, indices = ids as int64 with a trailing axis of 1.
// Backward: the gradient of each update is its row of g (an embedding lookup); ids get none.
import { PgolfError } from "../../core/error.js";
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { checkIds, embedding } from "./embedding.js";

interface ScatterAddRowsAttrs {
  rows: number;
}

/** ONNX TensorProto.DataType INT64 (ScatterND indices must be int64). */
const ONNX_INT64 = 7;

export const ScatterAddRowsOp: OpDef<ScatterAddRowsAttrs> = {
  name: "scatter_add_rows",
  infer: ([u, ids], a) => {
    if (ids.dtype !== "int32") throw new PgolfError("ENGINE_DTYPE", `scatter_add_rows: ids are ${ids.dtype}, not int32`, { fix: `cast them with cast(ids, "int32")` });
    const lead = u.shape.slice(0, -1);
    if (u.shape.length !== ids.shape.length + 1 || lead.some((d, i) => d !== ids.shape[i])) {
      throw shapeError("scatter_add_rows", `updates ${showShape(u.shape)} must be ids ${showShape(ids.shape)} plus one row dimension`);
    }
    if (!Number.isInteger(a.rows) || a.rows < 0) throw shapeError("scatter_add_rows", `rows must be a non-negative integer, got ${a.rows}`);
    return { shape: [a.rows, u.shape[u.shape.length - 1]], dtype: u.dtype };
  },
  reference: ([u, ids], a, out) => {
    checkIds("scatter_add_rows", ids.data, a.rows);
    const dim = out.shape[1];
    // Accumulate in float64 in position order, round once at the store.
    const acc = new Float64Array(a.rows * dim);
    for (let n = 0; n < ids.data.length; n++) {
      const r = ids.data[n];
      for (let d = 0; d < dim; d++) acc[r * dim + d] += u.data[n * dim + d];
    }
    const o = allocate(out.dtype, acc.length);
    o.set(acc);
    return o;
  },
  backward: ([, ids], _o, g) => [embedding(g, ids), undefined],
  onnx: (e, [u, ids], a, m) => {
    const zeros = e.node("Expand", [e.scalar(0, m.output.dtype), e.int64([...m.output.shape])]);
    const index = e.node("Unsqueeze", [e.node("Cast", [ids], { to: { i: ONNX_INT64 } }), e.int64([-1])]);
    return e.node("ScatterND", [zeros, index, u], { reduction: { s: "add" } });
  },
};

/** Sums the rows of `updates` ([..., D]) into a [rows, D] tensor at the row each id names. */
export function scatterAddRows(updates: Tensor, ids: Tensor, rows: number): Tensor {
  return apply(ScatterAddRowsOp, [updates, ids], { rows });
}
