// Permutes dimensions: out.shape[i] = x.shape[perm[i]]. Default: swap the last two.
import { allocate } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import { normAxis, numel, shapeError, strides, forEachCoord } from "../shape.js";
import type { Tensor } from "../tensor.js";

interface TransposeAttrs {
  perm: number[];
}

export const TransposeOp: OpDef<TransposeAttrs> = {
  name: "transpose",
  infer: ([x], a) => {
    const sorted = [...a.perm].sort((p, q) => p - q);
    if (a.perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
      throw shapeError("transpose", `perm [${a.perm.join(", ")}] is not a permutation of the ${x.shape.length} dimensions`);
    }
    return { shape: a.perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  reference: ([x], a, out) => {
    const o = allocate(out.dtype, numel(out.shape));
    const inStr = strides(x.shape);
    forEachCoord(out.shape, (coord, i) => {
      let j = 0;
      for (let d = 0; d < coord.length; d++) j += coord[d] * inStr[a.perm[d]];
      o[i] = x.data[j];
    });
    return o;
  },
  backward: (_i, _o, g, a) => {
    const inv = new Array<number>(a.perm.length);
    a.perm.forEach((p, i) => (inv[p] = i));
    return [transpose(g, inv)];
  },
  onnx: (e, [x], a) => e.node("Transpose", [x], { perm: { ints: a.perm } }),
};

export function transpose(x: Tensor, perm?: number[]): Tensor {
  const r = x.rank;
  const p = perm ? perm.map((d) => normAxis("transpose", d, r)) : [...Array(r).keys()].map((d) => (d === r - 2 ? r - 1 : d === r - 1 ? r - 2 : d));
  if (p.every((d, i) => d === i)) return x;
  return apply(TransposeOp, [x], { perm: p });
}
