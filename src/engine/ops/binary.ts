// Shared machinery of elementwise binary ops with broadcasting (add, sub, mul, div, maximum, pow...):
// the shape rule, the reference kernel loop, and `unbroadcast`, which sums a gradient back down to
// an input's shape.
import { PgolfError } from "../../core/error.js";
import { allocate, type DType } from "../dtype.js";
import type { HostTensor } from "../op.js";
import { broadcastIndex, broadcastShapes, numel, sameShape, type Shape } from "../shape.js";
import type { Tensor, TensorMeta } from "../tensor.js";
import { reshape } from "./reshape.js";
import { sum } from "./sum.js";

export function inferBinary(op: string, inputs: TensorMeta[], outDtype?: DType): TensorMeta {
  const [a, b] = inputs;
  if (a.dtype !== b.dtype) {
    throw new PgolfError("ENGINE_DTYPE", `${op}: inputs are ${a.dtype} and ${b.dtype}`, { fix: "cast one input so both have the same dtype" });
  }
  return { shape: broadcastShapes(op, a.shape, b.shape), dtype: outDtype ?? a.dtype };
}

/** out[i] = f(a[ia[i]], b[ib[i]]) over the broadcast shape. */
export function referenceBinary(inputs: HostTensor[], out: TensorMeta, f: (x: number, y: number) => number) {
  const [a, b] = inputs;
  const n = numel(out.shape);
  const ia = broadcastIndex(a.shape, out.shape);
  const ib = broadcastIndex(b.shape, out.shape);
  const o = allocate(out.dtype, n);
  for (let i = 0; i < n; i++) o[i] = f(a.data[ia[i]], b.data[ib[i]]);
  return o;
}

/** Sums `grad` (of the broadcast shape) down to `shape`: over added leading dims and stretched 1s. */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const off = grad.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < grad.rank; d++) if (d < off || (shape[d - off] === 1 && grad.shape[d] !== 1)) axes.push(d);
  const summed = axes.length > 0 ? sum(grad, axes, true) : grad;
  return reshape(summed, shape);
}
