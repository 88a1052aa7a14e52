// The reference export's quantization arithmetic (openai/parameter-golf train_gpt.py:
// quantize_float_tensor), in torch's float32 steps, and its rule for which tensors it quantizes.
// One definition for the two users that must agree bit for bit: the exporter
// (artifact/quantize_int8.ts) and the fake_quant op that quantization-aware training puts in the
// forward pass (ops/fake_quant.ts).
//
// Per row of a matrix [rows, cols]: clip = the 99.99984th percentile of |row| (torch.quantile,
// linear interpolation), scale = max(clip / qmax, 1 / qmax) in float32,
// q = round_half_even(clamp(x, -clip, clip) / scale) clamped to [-qmax, qmax], qmax = 2^(bits-1) - 1;
// the scale is stored as fp16, so the dequantized value is fl32(q * fp16(scale)).
import { PgolfError } from "../core/error.js";
import { isFloat, type DType } from "./dtype.js";
import { fromFloat16, toFloat16 } from "./half.js";
import { numel } from "./shape.js";

/** Substrings marking control tensors (kept in fp32 when small), as the reference's default. */
export const CONTROL_TENSOR_NAME_PATTERNS = ["attn_scale", "attn_scales", "mlp_scale", "mlp_scales", "resid_mix", "resid_mixes", "q_gain", "skip_weight", "skip_weights"] as const;
/**
 * Float tensors with at most this many elements are kept as floats, not quantized (the reference's
 * INT8_KEEP_FLOAT_MAX_NUMEL). Exports may lower it: at dim 256 every attention matrix has exactly
 * 65,536 elements, so the reference rule keeps all of them in fp16.
 */
export const KEEP_FLOAT_MAX_NUMEL = 65_536;
export const INT8_CLIP_PERCENTILE = 99.99984;
export const INT8_CLIP_Q = INT8_CLIP_PERCENTILE / 100;

/** An export's float threshold: a whole number of elements, 0 or more (config key export_keep_float_max_numel). */
export function checkKeepFloatMaxNumel(n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new PgolfError("CONFIG_INVALID", `export_keep_float_max_numel must be a whole number of elements, 0 or more, got ${n}`, { fix: `use ${KEEP_FLOAT_MAX_NUMEL} (the reference's) or less, e.g. 16384 to quantize cpu-small's attention matrices too` });
  }
  return n;
}

/** What the export does with one tensor. */
export type QuantDecision = "int_per_row" | "int_per_tensor" | "keep_fp32" | "keep_fp16" | "keep";

/** The reference's decision for a tensor, from its name, shape and dtype alone (and the float threshold, the reference's by default). */
export function quantDecision(name: string, shape: readonly number[], dtype: DType, keepFloatMaxNumel = KEEP_FLOAT_MAX_NUMEL): QuantDecision {
  if (!isFloat(dtype)) return "keep";
  if (numel(shape) <= keepFloatMaxNumel) {
    if (CONTROL_TENSOR_NAME_PATTERNS.some((p) => name.includes(p))) return "keep_fp32";
    return dtype === "float32" ? "keep_fp16" : "keep";
  }
  return shape.length === 2 ? "int_per_row" : "int_per_tensor";
}

// ---------------------------------------------------------------------------------------------
// Scalar steps, in torch's float32 arithmetic

/** torch.round: round half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f; // exact for |x| < 2^52
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torch.quantile(x, q) (linear interpolation) of ascending-sorted float32 values, computed in
 * float32 as torch's CPU kernel does: q is cast to float32, rank = fl(q * (n - 1)), the weight is
 * rank - floor(rank), and the lerp is torch's vectorized form fma(w, b - a, a) for w < 0.5 and
 * fma(w - 1, b - a, b) otherwise (the fused product is exact in a double; one final rounding).
 * torch's scalar tail (the last rows % 16 rows on AVX2, and a whole-tensor quantile) rounds the
 * product first; the two can differ by one float32 ulp of the clip, and only on rounding ties.
 */
export function quantileSorted(sorted: Float32Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const { lo, hi, w } = quantileRank(n, q);
  const a = sorted[lo];
  const b = sorted[hi];
  const d = Math.fround(b - a);
  return w < 0.5 ? Math.fround(a + w * d) : Math.fround(b + (w - 1) * d);
}

/** The sorted positions a quantile interpolates between and its weight (n >= 1). */
export function quantileRank(n: number, q: number): { lo: number; hi: number; w: number } {
  const rank = Math.fround(Math.fround(q) * (n - 1));
  const lo = Math.floor(rank);
  return { lo, hi: Math.ceil(rank), w: rank - lo }; // w exact in float32
}

/** Largest |q| for `bits`: 127 for 8, 31 for 6, 7 for 4. */
export function qmaxFor(bits: number): number {
  return (1 << (bits - 1)) - 1;
}

/** Per-row scale as the reference computes it: max(fl(clip / qmax), fl(1 / qmax)), float32. */
export function rowScale(clip: number, qmax: number): number {
  return Math.max(Math.fround(clip / qmax), Math.fround(1 / qmax));
}

/** Quantizes x[off, off + n) with one clip into out[off, ...); scale is the float32 row scale. */
export function quantizeSpan(x: Float32Array, off: number, n: number, clip: number, scale: number, qmax: number, out: Int8Array): void {
  for (let i = off; i < off + n; i++) {
    let v = x[i];
    v = v > clip ? clip : v < -clip ? -clip : v; // torch.maximum(torch.minimum(x, clip), -clip)
    const r = roundHalfEven(Math.fround(v / scale));
    out[i] = r > qmax ? qmax : r < -qmax ? -qmax : r;
  }
}

/** The fp16 value a float32 scale is stored as, back in float32. */
export function asStoredFp16(scale: number): number {
  return fromFloat16(toFloat16(Float32Array.of(scale)))[0];
}

// ---------------------------------------------------------------------------------------------
// Per-row quantization of a matrix [rows, cols] (row-major float32)

export interface RowQuantized {
  /** [rows * cols] values in [-qmax, qmax]. */
  q: Int8Array;
  /** [rows] scales as stored (fp16 bits); dequantized x = q * fp16(scale). */
  scale: Uint16Array;
  /** [rows] the clip used per row. */
  clip: Float32Array;
}

/** |x| of row r, sorted ascending, into `buf` (length cols). */
export function sortedAbsRow(x: Float32Array, r: number, cols: number, buf: Float32Array): Float32Array {
  for (let j = 0; j < cols; j++) buf[j] = Math.abs(x[r * cols + j]);
  return buf.sort();
}

/** Per-row clips at quantile `q` of |row| (the reference's fixed clip). */
export function rowClips(x: Float32Array, rows: number, cols: number, q = INT8_CLIP_Q): Float32Array {
  const clips = new Float32Array(rows);
  const buf = new Float32Array(cols);
  for (let r = 0; r < rows; r++) clips[r] = quantileSorted(sortedAbsRow(x, r, cols, buf), q);
  return clips;
}

/** Quantizes a matrix [rows, cols] row by row with the given clips (default: the reference's); bits 2..8. */
export function quantizeMatrixRows(x: Float32Array, rows: number, cols: number, bits: number, clips?: Float32Array): RowQuantized {
  const qmax = qmaxFor(bits);
  const clip = clips ?? rowClips(x, rows, cols);
  const q = new Int8Array(rows * cols);
  const scale32 = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    // The reference rounds with the float32 scale and stores it as fp16 afterwards.
    scale32[r] = rowScale(clip[r], qmax);
    quantizeSpan(x, r * cols, cols, clip[r], scale32[r], qmax, q);
  }
  return { q, scale: toFloat16(scale32), clip };
}

/** The matrix a per-row quantization restores to: y = fl32(q * fp16(scale)) row by row. */
export function dequantizeMatrixRows(q: Int8Array, scale: Uint16Array, rows: number, cols: number): Float32Array {
  const s = fromFloat16(scale);
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = r * cols; j < (r + 1) * cols; j++) y[j] = q[j] * s[r]; // the product is exact in a double, rounded once on store
  return y;
}
