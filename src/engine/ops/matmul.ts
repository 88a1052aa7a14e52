// Batched matrix product: a[..., M, K] @ b[..., K, N] -> [..., M, N]; leading (batch) dimensions
// broadcast. Backward: dA = dOut @ B^T, dB = A^T @ dOut, each summed over broadcast batch dims.
import { PgolfError } from "../../core/error.js";
import { allocate, requireFloat } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { broadcastIndex, broadcastShapes, numel, shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { unbroadcast } from "./binary.js";
import { transpose } from "./transpose.js";

export const MatMulOp: OpDef = {
  name: "matmul",
  infer: ([a, b]) => {
    requireFloat("matmul", a.dtype);
    if (a.dtype !== b.dtype) throw new PgolfError("ENGINE_DTYPE", `matmul: inputs are ${a.dtype} and ${b.dtype}`, { fix: "cast both inputs to one dtype first (cast(x, \"float32\"))" });
    if (a.shape.length < 2 || b.shape.length < 2) throw shapeError("matmul", `inputs need rank >= 2, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) throw shapeError("matmul", `inner dimensions differ: ${showShape(a.shape)} @ ${showShape(b.shape)} (${k} vs ${k2})`);
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype: a.dtype };
  },
  reference: ([a, b], _a, out) => {
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.shape.length - 1];
    const batch = out.shape.slice(0, -2);
    const nb = numel(batch);
    // Which matrix of a and b each output batch reads (broadcast over batch dims).
    const ia = broadcastIndex(a.shape.slice(0, -2), batch);
    const ib = broadcastIndex(b.shape.slice(0, -2), batch);
    const o = allocate(out.dtype, numel(out.shape));
    for (let t = 0; t < nb; t++) {
      const ao = ia[t] * m * k;
      const bo = ib[t] * k * n;
      const oo = t * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
          o[oo + i * n + j] = s;
        }
      }
    }
    return o;
  },
  backward: ([a, b], _o, g) => [unbroadcast(matmul(g, transpose(b)), a.shape), unbroadcast(matmul(transpose(a), g), b.shape)],
  onnx: (e, [a, b]) => e.node("MatMul", [a, b]),
};

export function matmul(a: Tensor, b: Tensor): Tensor {
  return apply(MatMulOp, [a, b], {});
}
