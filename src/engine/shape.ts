// Shapes: arrays of dimension sizes, row-major (the last dimension is contiguous), and the NumPy /
// ONNX broadcasting rule: align from the right; a dimension of 1 stretches to match the other.
import { PgolfError } from "../core/error.js";

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function showShape(s: Shape): string {
  return `[${s.join(", ")}]`;
}

export function shapeError(op: string, problem: string, fix?: string): PgolfError {
  return new PgolfError("ENGINE_SHAPE", `${op}: ${problem}`, fix ? { fix } : {});
}

/** The broadcast shape of `a` and `b`; throws naming both shapes when they do not broadcast. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(op, `shapes ${showShape(a)} and ${showShape(b)} do not broadcast (dimension ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank) || !Number.isInteger(a)) throw shapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/**
 * Calls `f(coord, i)` for every element of `shape` in row-major order: `coord` is its index per
 * dimension (one array, reused: read it, do not keep it), `i` its flat index. The loop of the
 * reference kernels (slow and obvious on purpose).
 */
export function forEachCoord(shape: Shape, f: (coord: readonly number[], i: number) => void): void {
  const n = numel(shape);
  const r = shape.length;
  const coord = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    f(coord, i);
    for (let d = r - 1; d >= 0; d--) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
}

/**
 * For each element of `outShape` (row-major), the flat index of the element of `inShape` it reads
 * under broadcasting.
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const idx = new Int32Array(numel(outShape));
  const inStr = strides(inShape);
  const off = outShape.length - inShape.length;
  forEachCoord(outShape, (coord, i) => {
    let j = 0;
    for (let d = off; d < outShape.length; d++) if (inShape[d - off] !== 1) j += coord[d] * inStr[d - off];
    idx[i] = j;
  });
  return idx;
}
