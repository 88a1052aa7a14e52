// Max over axes (all axes when none are given), keeping reduced dims as 1 when `keepDims`.
// Gradient: split equally among the elements that tie for the max (as torch.amax), so reference and
// ONNX agree whatever order a backend scans in. Built from ops: mask = (x == max), g * mask / count.
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { numel } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { cast } from "./cast.js";
import { div } from "./div.js";
import { equal } from "./equal.js";
import { mul } from "./mul.js";
import { reshape } from "./reshape.js";
import { normAxes, reduceIndex, reducedShape, sum } from "./sum.js";
import { requireNumeric } from "./unary.js";

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

export const MaxOp: OpDef<ReduceAttrs> = {
  name: "max",
  infer: ([x], a) => {
    requireNumeric("max", x);
    return { shape: reducedShape(x.shape, a.axes, a.keepDims), dtype: x.dtype };
  },
  reference: ([x], a, out) => {
    // A float64 accumulator starting at -Infinity (an int32 one could not hold it); NaN wins.
    const acc = new Float64Array(numel(out.shape)).fill(-Infinity);
    const idx = reduceIndex(x.shape, a.axes);
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      const j = idx[i];
      if (v > acc[j] || v !== v) acc[j] = v;
    }
    const o = allocate(out.dtype, acc.length);
    for (let j = 0; j < acc.length; j++) o[j] = acc[j];
    return o;
  },
  backward: ([x], out, g, a) => {
    const kept = reducedShape(x.shape, a.axes, true);
    const mask = cast(equal(x, reshape(out, kept)), g.dtype); // x's shape: 1 where x attains the max
    const count = sum(mask, a.axes, true); // ties per output element (>= 1)
    return [mul(mask, div(reshape(g, kept), count))];
  },
  onnx: (e, [x], a) => e.node("ReduceMax", [x, e.int64(a.axes)], { keepdims: { i: a.keepDims ? 1 : 0 } }),
};

/** Max over `axes` (default: all). An empty axis list reduces nothing and returns x. */
export function max(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const list = normAxes("max", axes, x.rank);
  if (list.length === 0) return x;
  return apply(MaxOp, [x], { axes: list, keepDims });
}
