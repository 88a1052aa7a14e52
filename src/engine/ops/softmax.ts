// Softmax over one axis: out = e^(x - max) / sum(e^(x - max)) (the max shift changes nothing but
// overflow). Backward: dx = out * (g - sum(g * out, axis)).
import { allocate, requireFloat } from "../dtype.js";
import { apply, type OpDef, type HostTensor } from "../op.js";
import { normAxis, numel, type Shape } from "../shape.js";
import type { Tensor, TensorMeta } from "../tensor.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";
import { sum } from "./sum.js";

export interface AxisAttrs {
  axis: number;
}

/** A shape seen as [outer, n, inner] around `axis`: element (o, j, i) is at (o * n + j) * inner + i. */
export function splitAtAxis(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  return { outer: numel(shape.slice(0, axis)), n: shape[axis], inner: numel(shape.slice(axis + 1)) };
}

export function inferAxisFloat(op: string, [x]: TensorMeta[]): TensorMeta {
  requireFloat(op, x.dtype);
  return { shape: x.shape, dtype: x.dtype };
}

/**
 * Runs `row(values)` on every line of x along `axis` (values in float64) and stores what it returns.
 * Shared by softmax and log_softmax.
 */
export function referenceAlongAxis(x: HostTensor, axis: number, out: TensorMeta, row: (v: Float64Array) => Float64Array) {
  const { outer, n, inner } = splitAtAxis(x.shape, axis);
  const o = allocate(out.dtype, x.data.length);
  const line = new Float64Array(n);
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < n; j++) line[j] = x.data[(p * n + j) * inner + i];
      const r = row(line);
      for (let j = 0; j < n; j++) o[(p * n + j) * inner + i] = r[j];
    }
  }
  return o;
}

function softmaxLine(v: Float64Array): Float64Array {
  let m = -Infinity;
  for (const a of v) m = Math.max(m, a);
  const e = v.map((a) => Math.exp(a - m));
  let s = 0;
  for (const a of e) s += a;
  return e.map((a) => a / s);
}

export const SoftmaxOp: OpDef<AxisAttrs> = {
  name: "softmax",
  infer: (inputs) => inferAxisFloat("softmax", inputs),
  reference: ([x], a, out) => referenceAlongAxis(x, a.axis, out, softmaxLine),
  backward: (_i, out, g, a) => [mul(out, sub(g, sum(mul(g, out), a.axis, true)))],
  onnx: (e, [x], a) => e.node("Softmax", [x], { axis: { i: a.axis } }),
};

/** Softmax along `axis` (default: the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply(SoftmaxOp, [x], { axis: normAxis("softmax", axis, x.rank) });
}
