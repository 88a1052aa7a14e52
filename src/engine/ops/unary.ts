// Shared machinery of elementwise unary ops (exp, tanh, relu, gelu...): the dtype rule and the
// reference kernel loop. The output always has the input's shape.
import { PgolfError } from "../../core/error.js";
import { allocate, requireFloat } from "../dtype.js";
import type { HostTensor } from "../op.js";
import type { TensorMeta } from "../tensor.js";

/** Float-only math (exp, log, sqrt...): same shape and dtype as the input. */
export function inferUnaryFloat(op: string, [x]: TensorMeta[]): TensorMeta {
  requireFloat(op, x.dtype);
  return { shape: x.shape, dtype: x.dtype };
}

/** Numeric ops (abs, relu, square...): float or int32, never bool. */
export function requireNumeric(op: string, ...metas: TensorMeta[]): void {
  for (const m of metas) {
    if (m.dtype === "bool") {
      throw new PgolfError("ENGINE_DTYPE", `${op} needs a numeric tensor, got bool`, { fix: `cast the mask with cast(x, "float32") first` });
    }
  }
}

export function inferUnaryNumeric(op: string, [x]: TensorMeta[]): TensorMeta {
  requireNumeric(op, x);
  return { shape: x.shape, dtype: x.dtype };
}

/** out[i] = f(x[i]), computed in float64 and stored in the output's dtype. */
export function referenceUnary(x: HostTensor, out: TensorMeta, f: (v: number) => number) {
  const o = allocate(out.dtype, x.data.length);
  for (let i = 0; i < o.length; i++) o[i] = f(x.data[i]);
  return o;
}
