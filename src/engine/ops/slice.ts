// Strided slicing, as Python's x[start:end:step] along chosen axes (ONNX Slice semantics for
// positive steps): negative starts/ends count from the end, out-of-range bounds are clamped, and an
// empty range gives a dimension of 0. Steps must be >= 1.
// Backward: the gradient is scattered back into zeros of x's shape. With step 1 that is a pad; with
// step s, first "dilate" g (interleave s - 1 zeros after each element, by reshape + pad), then pad.
import { apply, type OpDef } from "../op.js";
import { allocate } from "../dtype.js";
import { normAxis, numel, shapeError, strides, forEachCoord } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { pad } from "./pad.js";
import { reshape } from "./reshape.js";

/** Resolved per dimension of x: out[..., k, ...] = x[..., start + k * step, ...] for k < size. */
interface SliceAttrs {
  start: number[];
  step: number[];
  size: number[];
}

export const SliceOp: OpDef<SliceAttrs> = {
  name: "slice",
  infer: ([x], a) => ({ shape: [...a.size], dtype: x.dtype }),
  reference: ([x], a, out) => {
    const o = allocate(out.dtype, numel(out.shape));
    const inStr = strides(x.shape);
    forEachCoord(out.shape, (coord, i) => {
      let j = 0;
      for (let d = 0; d < coord.length; d++) j += (a.start[d] + coord[d] * a.step[d]) * inStr[d];
      o[i] = x.data[j];
    });
    return o;
  },
  backward: ([x], _o, g, a) => {
    let cur = g;
    for (let d = 0; d < x.rank; d++) {
      const s = a.step[d];
      if (s === 1 || a.size[d] === 0) continue;
      // [.., L, ..] -> [.., L, 1, ..] -> pad to [.., L, s, ..] -> [.., L * s, ..]: g[k] lands at k * s.
      const withUnit = [...cur.shape.slice(0, d + 1), 1, ...cur.shape.slice(d + 1)];
      const spread = pad(reshape(cur, withUnit), [], withUnit.map((_, i) => (i === d + 1 ? s - 1 : 0)));
      cur = reshape(spread, [...cur.shape.slice(0, d), cur.shape[d] * s, ...cur.shape.slice(d + 1)]);
    }
    // Now cur.shape[d] = size * step (or size); place it at `start`. The end amount may be negative
    // (the dilation's trailing zeros can run past x's end), which pad crops.
    const begin = a.start;
    const end = x.shape.map((dim, d) => dim - a.start[d] - cur.shape[d]);
    return [pad(cur, begin, end)];
  },
  onnx: (e, [x], a, m) => {
    const shape = m.inputs[0].shape;
    const axes: number[] = [];
    for (let d = 0; d < shape.length; d++) if (a.start[d] !== 0 || a.step[d] !== 1 || a.size[d] !== shape[d]) axes.push(d);
    if (axes.length === 0) return e.node("Identity", [x]);
    // ends = one past the last element read (= start for an empty slice): never negative, since
    // steps are positive, so ONNX's count-from-the-end rule never applies.
    const ends = axes.map((d) => (a.size[d] === 0 ? a.start[d] : a.start[d] + (a.size[d] - 1) * a.step[d] + 1));
    return e.node("Slice", [x, e.int64(axes.map((d) => a.start[d])), e.int64(ends), e.int64(axes), e.int64(axes.map((d) => a.step[d]))]);
  },
};

/**
 * x sliced along `axes` (default: the first starts.length dims) from starts[i] to ends[i] (exclusive)
 * with steps[i] (default 1): Python semantics, so negative indices count from the end and
 * out-of-range bounds clamp (use Infinity for "to the end").
 */
export function slice(x: Tensor, starts: number[], ends: number[], axes?: number[], steps?: number[]): Tensor {
  const ax = (axes ?? starts.map((_, i) => i)).map((d) => normAxis("slice", d, x.rank));
  if (starts.length !== ax.length || ends.length !== ax.length || (steps && steps.length !== ax.length)) {
    throw shapeError("slice", `starts, ends, axes and steps must have one entry per sliced axis (got ${starts.length}, ${ends.length}, ${ax.length}, ${steps?.length ?? "-"})`);
  }
  if (new Set(ax).size !== ax.length) throw shapeError("slice", `axis listed twice in [${ax.join(", ")}]`);
  const start = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const size = [...x.shape];
  ax.forEach((d, i) => {
    const dim = x.shape[d];
    const st = steps ? steps[i] : 1;
    if (!Number.isInteger(st) || st < 1) throw shapeError("slice", `step ${st} along axis ${d}: steps must be positive integers`);
    for (const v of [starts[i], ends[i]]) {
      if (!Number.isInteger(v) && Math.abs(v) !== Infinity) throw shapeError("slice", `bound ${v} along axis ${d} is not an integer`);
    }
    const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
    const b = clamp(starts[i]);
    const e = clamp(ends[i]);
    start[d] = b;
    step[d] = st;
    size[d] = e > b ? Math.ceil((e - b) / st) : 0;
  });
  if (size.every((s, d) => s === x.shape[d]) && step.every((s) => s === 1)) return x;
  return apply(SliceOp, [x], { start, step, size });
}

/** x[start:end:step] along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number, step = 1): Tensor {
  return slice(x, [start], [end], [axis], [step]);
}
