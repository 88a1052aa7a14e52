// Sum over axes (all axes when none are given), keeping reduced dims as 1 when `keepDims`.
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { normAxis, numel, strides, forEachCoord } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { expand } from "./expand.js";
import { reshape } from "./reshape.js";

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** Output shape of a reduction (shared by sum, mean, max). */
export function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** For each input element (row-major), the flat index of the output element it reduces into. */
export function reduceIndex(shape: readonly number[], axes: number[]): Int32Array {
  const ks = strides(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  const idx = new Int32Array(numel(shape));
  forEachCoord(shape, (coord, i) => {
    let j = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) j += coord[d] * ks[d];
    idx[i] = j;
  });
  return idx;
}

export const SumOp: OpDef<ReduceAttrs> = {
  name: "sum",
  infer: ([x], a) => ({ shape: reducedShape(x.shape, a.axes, a.keepDims), dtype: x.dtype }),
  reference: ([x], a, out) => {
    const o = allocate(out.dtype, numel(out.shape));
    const idx = reduceIndex(x.shape, a.axes);
    for (let i = 0; i < x.data.length; i++) o[idx[i]] += x.data[i];
    return o;
  },
  backward: ([x], _o, g, a) => [expand(reshape(g, reducedShape(x.shape, a.axes, true)), x.shape)],
  onnx: (e, [x], a) => e.node("ReduceSum", [x, e.int64(a.axes)], { keepdims: { i: a.keepDims ? 1 : 0 } }),
};

export function normAxes(op: string, axes: number | number[] | undefined, rank: number): number[] {
  const list = axes === undefined ? [...Array(rank).keys()] : Array.isArray(axes) ? axes : [axes];
  return [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((p, q) => p - q);
}

export function sum(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const resolved = normAxes("sum", axes, x.rank);
  // An explicit empty axis list reduces nothing (ONNX ReduceSum would reduce everything).
  if (resolved.length === 0) return x;
  return apply(SumOp, [x], { axes: resolved, keepDims });
}
