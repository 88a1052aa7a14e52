// Element types. Compute is float32 (float64 on the reference backend, for gradient checks);
// int32 holds indices; bool holds masks (one byte per element, 0 or 1).
import { PgolfError } from "../core/error.js";

export type DType = "float32" | "float64" | "int32" | "bool";

export type TypedArrayFor<D extends DType> = D extends "float32"
  ? Float32Array
  : D extends "float64"
    ? Float64Array
    : D extends "int32"
      ? Int32Array
      : Uint8Array;

export type HostArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function allocate(dtype: DType, size: number): HostArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function dtypeOf(a: HostArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}

export function requireFloat(op: string, dtype: DType): void {
  if (!isFloat(dtype)) {
    throw new PgolfError("ENGINE_DTYPE", `${op} needs a float tensor, got ${dtype}`, { fix: `cast the input with cast(x, "float32")` });
  }
}
