// Constant padding: adds begin[d] elements before and end[d] after along each dimension d, filled
// with `value`. A negative amount crops instead (as ONNX Pad), which makes the gradient another pad:
// d/dx pad(x, b, e) = pad(g, -b, -e) (crop what was added, zero-fill what was cropped).
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { numel, shapeError, showShape, strides, forEachCoord } from "../shape.js";
import type { Tensor } from "../tensor.js";

interface PadAttrs {
  begin: number[];
  end: number[];
  value: number;
}

export const PadOp: OpDef<PadAttrs> = {
  name: "pad",
  infer: ([x], a) => {
    if (a.begin.length !== x.shape.length || a.end.length !== x.shape.length) {
      throw shapeError("pad", `needs ${x.shape.length} begin and end amounts for ${showShape(x.shape)}, got [${a.begin.join(", ")}] and [${a.end.join(", ")}]`);
    }
    const shape = x.shape.map((d, i) => d + a.begin[i] + a.end[i]);
    if (shape.some((d) => d < 0) || [...a.begin, ...a.end].some((p) => !Number.isInteger(p))) {
      throw shapeError("pad", `cannot pad ${showShape(x.shape)} by [${a.begin.join(", ")}] / [${a.end.join(", ")}]`);
    }
    return { shape, dtype: x.dtype };
  },
  reference: ([x], a, out) => {
    const o = allocate(out.dtype, numel(out.shape));
    const inStr = strides(x.shape);
    forEachCoord(out.shape, (coord, i) => {
      // The input element this output element copies, if it lies inside x.
      let j = 0;
      let inside = true;
      for (let d = 0; d < coord.length; d++) {
        const c = coord[d] - a.begin[d];
        if (c < 0 || c >= x.shape[d]) inside = false;
        j += c * inStr[d];
      }
      o[i] = inside ? x.data[j] : a.value;
    });
    return o;
  },
  backward: (_i, _o, g, a) => [pad(g, a.begin.map((p) => -p), a.end.map((p) => -p))],
  onnx: (e, [x], a, m) => {
    // Crop first (Slice) and pad after, so the Pad node only sees non-negative amounts.
    let cur = x;
    const shape = m.inputs[0].shape;
    const crop = [...a.begin, ...a.end].some((p) => p < 0);
    if (crop) {
      const starts = a.begin.map((p) => Math.max(0, -p));
      const ends = a.end.map((p, d) => shape[d] - Math.max(0, -p));
      cur = e.node("Slice", [cur, e.int64(starts), e.int64(ends)]);
    }
    const pads = [...a.begin.map((p) => Math.max(0, p)), ...a.end.map((p) => Math.max(0, p))];
    if (pads.every((p) => p === 0)) return crop ? cur : e.node("Identity", [cur]);
    return e.node("Pad", [cur, e.int64(pads), e.scalar(a.value, m.output.dtype)], { mode: { s: "constant" } });
  },
};

/**
 * Pads (or, with negative amounts, crops) x: `begin[d]` / `end[d]` elements before / after along
 * dimension d, filled with `value` (default 0). Shorter lists pad the last dimensions (the rest get 0).
 */
export function pad(x: Tensor, begin: number[], end: number[], value = 0): Tensor {
  const fill = (p: number[]) => [...new Array<number>(Math.max(0, x.rank - p.length)).fill(0), ...p];
  const b = fill(begin);
  const e = fill(end);
  if (b.every((p) => p === 0) && e.every((p) => p === 0)) return x;
  return apply(PadOp, [x], { begin: b, end: e, value });
}
