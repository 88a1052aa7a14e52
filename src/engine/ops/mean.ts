// Mean over axes (all axes when none are given), keeping reduced dims as 1 when `keepDims`.
// The gradient spreads evenly: each input element gets g / (number of elements reduced).
import { allocate, requireFloat } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { numel } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { expand } from "./expand.js";
import { reshape } from "./reshape.js";
import { mulScalar } from "./scalar.js";
import { normAxes, reduceIndex, reducedShape } from "./sum.js";

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** How many input elements each output element of a reduction over `axes` gathers. */
export function reduceCount(shape: readonly number[], axes: number[]): number {
  return axes.reduce((n, a) => n * shape[a], 1);
}

export const MeanOp: OpDef<ReduceAttrs> = {
  name: "mean",
  infer: ([x], a) => {
    requireFloat("mean", x.dtype);
    return { shape: reducedShape(x.shape, a.axes, a.keepDims), dtype: x.dtype };
  },
  reference: ([x], a, out) => {
    // Sum in float64, divide once (float32 outputs round once, at the store).
    const acc = new Float64Array(numel(out.shape));
    const idx = reduceIndex(x.shape, a.axes);
    for (let i = 0; i < x.data.length; i++) acc[idx[i]] += x.data[i];
    const n = reduceCount(x.shape, a.axes);
    const o = allocate(out.dtype, acc.length);
    for (let j = 0; j < acc.length; j++) o[j] = acc[j] / n;
    return o;
  },
  backward: ([x], _o, g, a) => [mulScalar(expand(reshape(g, reducedShape(x.shape, a.axes, true)), x.shape), 1 / reduceCount(x.shape, a.axes))],
  onnx: (e, [x], a) => e.node("ReduceMean", [x, e.int64(a.axes)], { keepdims: { i: a.keepDims ? 1 : 0 } }),
};

/** Mean over `axes` (default: all). An empty axis list reduces nothing and returns x. */
export function mean(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  const list = normAxes("mean", axes, x.rank);
  // ONNX reads an empty axes input as "reduce everything": no op at all keeps the meaning exact.
  if (list.length === 0) return x;
  return apply(MeanOp, [x], { axes: list, keepDims });
}
