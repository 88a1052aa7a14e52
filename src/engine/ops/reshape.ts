// Same elements, new shape (row-major order kept). One dimension may be -1 (inferred).
import { apply, type OpDef } from "../op.js";
import { numel, shapeError, showShape, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";

interface ReshapeAttrs {
  shape: number[];
}

function resolve(from: Shape, to: readonly number[]): number[] {
  const known = to.filter((d) => d !== -1);
  const free = to.length - known.length;
  const n = numel(from);
  if (free > 1) throw shapeError("reshape", `at most one -1 allowed in ${showShape(to)}`);
  const k = numel(known);
  const out = to.map((d) => (d === -1 ? n / k : d));
  if (numel(out) !== n || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw shapeError("reshape", `cannot reshape ${showShape(from)} (${n} elements) to ${showShape(to)}`);
  }
  return out;
}

export const ReshapeOp: OpDef<ReshapeAttrs> = {
  name: "reshape",
  infer: ([x], a) => ({ shape: resolve(x.shape, a.shape), dtype: x.dtype }),
  reference: ([x]) => x.data.slice(),
  backward: ([x], _o, g) => [reshape(g, x.shape)],
  onnx: (e, [x], _a, m) => e.node("Reshape", [x, e.int64([...m.output.shape])]),
};

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolve(x.shape, shape);
  if (resolved.length === x.rank && resolved.every((d, i) => d === x.shape[i])) return x;
  return apply(ReshapeOp, [x], { shape: resolved });
}
