// Post-training quantization of a state dict, as the reference's export (openai/parameter-golf
// train_gpt.py: quantize_float_tensor, quantize_state_dict_int8, dequantize_state_dict_int8):
//   - non-float tensors: kept exactly;
//   - float tensors of at most 65,536 elements: kept as floats: control tensors (names containing
//     attn_scale, mlp_scale, resid_mix, q_gain, skip_weight, ... ) in fp32, other float32 ones in
//     fp16 (float64 ones as they are, as the reference keeps non-fp32/bf16 floats);
//   - larger 2-D float tensors: one int8 row per row with its own scale: clip = the 99.99984th
//     percentile of |row| (torch.quantile, linear interpolation), scale = max(clip / 127, 1 / 127),
//     q = round_half_even(clamp(x, -clip, clip) / scale) clamped to [-127, 127]; scales stored fp16;
//   - other larger float tensors: one fp32 scale for the whole tensor (clip from all of |x|; scale =
//     clip / 127, or 1 when clip is 0).
// The arithmetic follows torch's float32 steps so that the bytes match the reference's.
//
// Beyond the reference (options, off by default): fewer bits per weight (q in [-(2^(b-1) - 1),
// 2^(b-1) - 1], stored bit-packed), and a per-row clip search ("GPTQ-lite": try a few clip
// percentiles per row and keep the one with the least squared reconstruction error).
import { PgolfError } from "../core/error.js";
import { isFloat, type DType, type HostArray } from "../engine/dtype.js";
import { fromBFloat16, fromFloat16, toFloat16 } from "../engine/half.js";
import {
  asStoredFp16,
  checkKeepFloatMaxNumel,
  dequantizeMatrixRows,
  INT8_CLIP_Q,
  KEEP_FLOAT_MAX_NUMEL,
  qmaxFor,
  quantDecision,
  quantileSorted,
  quantizeMatrixRows,
  quantizeSpan,
  rowScale,
  sortedAbsRow,
  type RowQuantized,
} from "../engine/row_quant.js";
import { numel } from "../engine/shape.js";
import type { Tensor } from "../engine/tensor.js";
import type { ArtifactTensor } from "./container.js";
import { gptqQuantizeRows } from "./gptq.js";

// The arithmetic and the decision rule live in the engine (engine/row_quant.ts), shared with the
// fake_quant op of quantization-aware training; they are re-exported here as the exporter's API.
export {
  CONTROL_TENSOR_NAME_PATTERNS,
  INT8_CLIP_PERCENTILE,
  INT8_CLIP_Q,
  KEEP_FLOAT_MAX_NUMEL,
  qmaxFor,
  quantDecision,
  quantileSorted,
  roundHalfEven,
  rowClips,
  type QuantDecision,
  type RowQuantized,
} from "../engine/row_quant.js";

/** Quantiles the per-row clip search tries (besides INT8_CLIP_Q), as later contest records do. */
export const CLIP_SEARCH_QUANTILES = [0.999, 0.9995, 0.9999, 0.99995, 0.99999, 0.999999, 1];
/** Identifies the metadata layout below (the container's `quant` block). */
export const QUANT_FORMAT = "pgolf-quant-v1";
/** Suffix of a quantized tensor's scale tensor ('#' cannot occur in torch parameter names). */
export const SCALE_SUFFIX = "#scale";

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new PgolfError("ARTIFACT_QUANTIZE", `bits must be an integer from 2 to 8, got ${bits}`, { fix: "use 8 (int8, the reference), 6 or 5 bits" });
}

/** Squared error of row r reconstructed from `clip` exactly as stored (fp16 scale). */
function rowError(x: Float32Array, r: number, cols: number, clip: number, qmax: number, tmp: Int8Array): number {
  const scale = rowScale(clip, qmax);
  quantizeSpan(x.subarray(r * cols, (r + 1) * cols), 0, cols, clip, scale, qmax, tmp);
  const s = asStoredFp16(scale);
  let err = 0;
  for (let j = 0; j < cols; j++) {
    const e = x[r * cols + j] - Math.fround(tmp[j] * s);
    err += e * e;
  }
  return err;
}

/**
 * GPTQ-lite: per row, the clip (from `INT8_CLIP_Q` first, then `candidates` quantiles of |row|)
 * whose reconstruction, with the scale as stored, has the least squared error. The fixed clip is
 * a candidate and wins ties, so no row ends up worse than with the reference's clip.
 */
export function searchRowClips(x: Float32Array, rows: number, cols: number, bits: number, candidates: readonly number[] = CLIP_SEARCH_QUANTILES): Float32Array {
  checkBits(bits);
  const qmax = qmaxFor(bits);
  const clips = new Float32Array(rows);
  const buf = new Float32Array(cols);
  const tmp = new Int8Array(cols);
  for (let r = 0; r < rows; r++) {
    const sorted = sortedAbsRow(x, r, cols, buf);
    let best = quantileSorted(sorted, INT8_CLIP_Q);
    let bestErr = rowError(x, r, cols, best, qmax, tmp);
    for (const q of candidates) {
      const clip = quantileSorted(sorted, q);
      if (clip === best) continue;
      const err = rowError(x, r, cols, clip, qmax, tmp);
      if (err < bestErr) {
        best = clip;
        bestErr = err;
      }
    }
    clips[r] = best;
  }
  return clips;
}

/** Quantizes a matrix [rows, cols] row by row with the given clips (default: the reference's). */
export function quantizeRows(x: Float32Array, rows: number, cols: number, opts: { bits?: number; clips?: Float32Array } = {}): RowQuantized {
  const bits = opts.bits ?? 8;
  checkBits(bits);
  return quantizeMatrixRows(x, rows, cols, bits, opts.clips);
}

/** Quantizes all of x with one float32 scale (the reference's path for non-matrix tensors). */
export function quantizeTensor(x: Float32Array, bits = 8): { q: Int8Array; scale: number } {
  checkBits(bits);
  const qmax = qmaxFor(bits);
  const clip = quantileSorted(x.map(Math.abs).sort(), INT8_CLIP_Q);
  const scale = clip > 0 ? Math.fround(clip / qmax) : 1;
  const q = new Int8Array(x.length);
  quantizeSpan(x, 0, x.length, clip, scale, qmax, q);
  return { q, scale };
}

// ---------------------------------------------------------------------------------------------
// Bit packing of small signed integers

/**
 * Packs integers in [-2^(bits-1), 2^(bits-1) - 1] into ceil(n * bits / 8) bytes: each value as
 * bits-wide unsigned (value + 2^(bits-1)), least significant bit first, back to back.
 */
export function packIntN(values: ArrayLike<number>, bits: number): Uint8Array {
  checkBits(bits);
  const off = 1 << (bits - 1);
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  let acc = 0; // pending bits, fewer than 16 at any time
  let pending = 0;
  let p = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -off || v >= off) throw new PgolfError("ARTIFACT_QUANTIZE", `value ${v} at ${i} does not fit in ${bits} signed bits`, { fix: "quantize to the range of the bit width first (quantizeStateDict does)", details: { index: i, value: v, bits } });
    acc |= (v + off) << pending;
    pending += bits;
    while (pending >= 8) {
      out[p++] = acc & 0xff;
      acc >>>= 8;
      pending -= 8;
    }
  }
  if (pending > 0) out[p] = acc & 0xff;
  return out;
}

/** Inverse of packIntN: `count` values from exactly ceil(count * bits / 8) bytes. */
export function unpackIntN(packed: Uint8Array, bits: number, count: number): Int8Array {
  checkBits(bits);
  const need = Math.ceil((count * bits) / 8);
  if (packed.length !== need) throw new PgolfError("ARTIFACT_QUANTIZE", `${count} values of ${bits} bits need ${need} bytes, got ${packed.length}`, { fix: "the packed bytes are damaged or were packed with another bit width or count; export the artifact again", details: { count, bits, need, actual: packed.length } });
  const off = 1 << (bits - 1);
  const mask = (1 << bits) - 1;
  const out = new Int8Array(count);
  let acc = 0;
  let pending = 0;
  let p = 0;
  for (let i = 0; i < count; i++) {
    while (pending < bits) {
      acc |= packed[p++] << pending;
      pending += 8;
    }
    out[i] = (acc & mask) - off;
    acc >>>= bits;
    pending -= bits;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// State dicts

/** One tensor's entry in the `quant` metadata block. */
export type QuantEntry =
  | {
      name: string;
      scheme: "per_row" | "per_tensor";
      bits: number;
      /** The dtype to restore. */
      dtype: "float32" | "float64";
      /** Logical shape (the stored tensor is [bytes] when packed). */
      shape: number[];
      /** Name of the scale tensor: fp16 [rows] per row, fp32 [] per tensor. */
      scale: string;
      /** Values are bit-packed (packIntN) into a u8 tensor. */
      packed: boolean;
    }
  | { name: string; scheme: "keep"; dtype: DType };

export interface QuantMeta {
  format: typeof QUANT_FORMAT;
  /** In state-dict order. */
  tensors: QuantEntry[];
}

export interface QuantStats {
  paramCount: number;
  numTensors: number;
  numQuantized: number;
  /** Of those, quantized by GPTQ (a Hessian was given). */
  numGptq: number;
  numKeptFloat: number;
  numNonFloat: number;
  /** Bytes of the tensors in their own dtypes. */
  baselineTensorBytes: number;
  /** Bytes of the stored tensors (values + scales). */
  payloadBytes: number;
}

export interface QuantizeOptions {
  /** Bits per quantized weight, 2..8 (8: the reference's int8; fewer: bit-packed). */
  bits?: number;
  /** Choose each row's clip by least reconstruction error (GPTQ-lite) instead of the fixed quantile. */
  clipSearch?: boolean;
  /** Float tensors of at most this many elements stay floats (default KEEP_FLOAT_MAX_NUMEL, the reference's). */
  keepFloatMaxNumel?: number;
  /**
   * Input Hessians [in, in] by weight name (model/hessians.ts): a per-row matrix with one is quantized
   * by GPTQ (gptq.ts) instead of round-to-nearest; same scales, same format.
   */
  hessians?: ReadonlyMap<string, Float64Array>;
}


const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function asFloat32(data: HostArray): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/** Quantizes named, realized tensors into container tensors and the metadata to restore them. */
export function quantizeStateDict(named: Array<[string, Tensor]>, opts: QuantizeOptions = {}): { tensors: ArtifactTensor[]; meta: QuantMeta; stats: QuantStats } {
  const bits = opts.bits ?? 8;
  checkBits(bits);
  const keepFloat = checkKeepFloatMaxNumel(opts.keepFloatMaxNumel ?? KEEP_FLOAT_MAX_NUMEL);
  const tensors: ArtifactTensor[] = [];
  const entries: QuantEntry[] = [];
  const stats: QuantStats = { paramCount: 0, numTensors: 0, numQuantized: 0, numGptq: 0, numKeptFloat: 0, numNonFloat: 0, baselineTensorBytes: 0, payloadBytes: 0 };
  const push = (t: ArtifactTensor) => {
    tensors.push(t);
    stats.payloadBytes += t.data.byteLength;
  };
  for (const [name, t] of named) {
    if (!t.data) throw new PgolfError("ARTIFACT_QUANTIZE", `tensor "${name}" is not realized`, { fix: "realize the parameters (await realize(...)) before quantizing" });
    const shape = [...t.shape];
    stats.paramCount += t.size;
    stats.numTensors++;
    stats.baselineTensorBytes += t.size * ELEMENT_BYTES[t.dtype];
    const decision = quantDecision(name, shape, t.dtype, keepFloat);
    switch (decision) {
      case "keep":
        if (isFloat(t.dtype)) stats.numKeptFloat++;
        else stats.numNonFloat++;
        push({ name, dtype: ({ float32: "f32", float64: "f64", int32: "i32", bool: "u8" } as const)[t.dtype], shape, data: t.data });
        entries.push({ name, scheme: "keep", dtype: t.dtype });
        break;
      case "keep_fp32":
        stats.numKeptFloat++;
        push({ name, dtype: "f32", shape, data: asFloat32(t.data) });
        entries.push({ name, scheme: "keep", dtype: "float32" }); // the reference restores these as fp32
        break;
      case "keep_fp16":
        stats.numKeptFloat++;
        push({ name, dtype: "f16", shape, data: toFloat16(asFloat32(t.data)) });
        entries.push({ name, scheme: "keep", dtype: t.dtype });
        break;
      case "int_per_row":
      case "int_per_tensor": {
        stats.numQuantized++;
        const x = asFloat32(t.data);
        for (let i = 0; i < x.length; i++) {
          if (!Number.isFinite(x[i])) throw new PgolfError("ARTIFACT_QUANTIZE", `tensor "${name}" holds ${x[i]} at element ${i}`, { fix: "training diverged; export a checkpoint with finite weights", details: { name, index: i } });
        }
        const packed = bits < 8;
        const scaleName = name + SCALE_SUFFIX;
        let q: Int8Array;
        if (decision === "int_per_row") {
          const [rows, cols] = shape;
          const clips = opts.clipSearch ? searchRowClips(x, rows, cols, bits) : undefined;
          const h = opts.hessians?.get(name);
          if (h) stats.numGptq++;
          const r = h ? gptqQuantizeRows(x, rows, cols, bits, h, { clips }) : quantizeRows(x, rows, cols, { bits, clips });
          q = r.q;
          push(packed ? { name, dtype: "u8", shape: [Math.ceil((q.length * bits) / 8)], data: packIntN(q, bits) } : { name, dtype: "i8", shape, data: q });
          push({ name: scaleName, dtype: "f16", shape: [rows], data: r.scale });
        } else {
          const r = quantizeTensor(x, bits);
          q = r.q;
          push(packed ? { name, dtype: "u8", shape: [Math.ceil((q.length * bits) / 8)], data: packIntN(q, bits) } : { name, dtype: "i8", shape, data: q });
          push({ name: scaleName, dtype: "f32", shape: [], data: Float32Array.of(r.scale) });
        }
        entries.push({ name, scheme: decision === "int_per_row" ? "per_row" : "per_tensor", bits, dtype: t.dtype as "float32" | "float64", shape, scale: scaleName, packed });
        break;
      }
    }
  }
  return { tensors, meta: { format: QUANT_FORMAT, tensors: entries }, stats };
}

export interface DequantizedTensor {
  shape: number[];
  dtype: DType;
  data: HostArray;
}

function metaError(problem: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("ARTIFACT_META", problem, { fix: "the artifact's quantization metadata does not match its tensors; export it again", details });
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= 8 && v.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff);
}

/**
 * Restores every tensor described by `quant` (the metadata quantizeStateDict wrote) from the
 * container tensors. Nothing in either is trusted: references, dtypes, shapes and lengths are all
 * checked, and every container tensor must be used.
 */
export function dequantizeStateDict(tensors: ArtifactTensor[], quant: unknown): Map<string, DequantizedTensor> {
  const m = quant as Partial<QuantMeta> | undefined;
  if (typeof m !== "object" || m === null || m.format !== QUANT_FORMAT || !Array.isArray(m.tensors)) {
    throw metaError(`quantization metadata is missing or not in format "${QUANT_FORMAT}"`, { format: (m as { format?: unknown } | undefined)?.format });
  }
  const stored = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const take = (name: unknown, owner: string): ArtifactTensor => {
    if (typeof name !== "string") throw metaError(`tensor "${owner}" names no stored tensor`);
    const t = stored.get(name);
    if (!t) throw metaError(`tensor "${owner}" refers to "${name}", which the artifact does not hold`, { name });
    if (used.has(name)) throw metaError(`stored tensor "${name}" is used twice`, { name });
    used.add(name);
    return t;
  };
  const out = new Map<string, DequantizedTensor>();
  for (const e of m.tensors as unknown[]) {
    const entry = e as Partial<QuantEntry> & Record<string, unknown>;
    const name = entry?.name;
    if (typeof name !== "string" || out.has(name)) throw metaError(`quantization entry has a missing or repeated name ${JSON.stringify(name)}`);
    if (entry.scheme === "keep") {
      const t = take(name, name);
      const dtype = entry.dtype;
      let data: HostArray;
      if ((dtype === "float32" || dtype === "float64") && (t.dtype === "f16" || t.dtype === "bf16" || t.dtype === "f32" || t.dtype === "f64")) {
        const f = t.dtype === "f16" ? fromFloat16(t.data as Uint16Array) : t.dtype === "bf16" ? fromBFloat16(t.data as Uint16Array) : (t.data as Float32Array | Float64Array);
        data = dtype === "float32" ? (f instanceof Float32Array ? f : Float32Array.from(f)) : f instanceof Float64Array ? f : Float64Array.from(f);
      } else if (dtype === "int32" && t.dtype === "i32") data = t.data as Int32Array;
      else if (dtype === "bool" && t.dtype === "u8") data = t.data as Uint8Array;
      else throw metaError(`tensor "${name}" is stored as ${t.dtype} and cannot be restored as ${String(dtype)}`, { name });
      out.set(name, { shape: t.shape, dtype, data });
      continue;
    }
    if (entry.scheme !== "per_row" && entry.scheme !== "per_tensor") throw metaError(`tensor "${name}" has unknown scheme ${JSON.stringify(entry.scheme)}`, { name });
    const { bits, dtype, shape, packed } = entry;
    if (typeof bits !== "number" || !Number.isInteger(bits) || bits < 2 || bits > 8) throw metaError(`tensor "${name}" has invalid bits ${JSON.stringify(bits)}`, { name });
    if (dtype !== "float32" && dtype !== "float64") throw metaError(`tensor "${name}" restores to unsupported dtype ${JSON.stringify(dtype)}`, { name });
    if (!isShape(shape) || (entry.scheme === "per_row" && shape.length !== 2)) throw metaError(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`, { name });
    if (typeof packed !== "boolean" || packed !== bits < 8) throw metaError(`tensor "${name}": packed must be ${bits < 8} for ${bits} bits`, { name });
    const n = numel(shape);
    const qt = take(name, name);
    let q: Int8Array;
    if (packed) {
      const need = Math.ceil((n * bits) / 8);
      if (qt.dtype !== "u8" || !sameShape(qt.shape, [need])) throw metaError(`tensor "${name}" should be u8 [${need}] (${n} values of ${bits} bits), is ${qt.dtype} [${qt.shape.join(", ")}]`, { name });
      q = unpackIntN(qt.data as Uint8Array, bits, n);
    } else {
      if (qt.dtype !== "i8" || !sameShape(qt.shape, shape)) throw metaError(`tensor "${name}" should be i8 [${shape.join(", ")}], is ${qt.dtype} [${qt.shape.join(", ")}]`, { name });
      q = qt.data as Int8Array;
    }
    const st = take(entry.scale, name);
    const y = new Float32Array(n);
    if (entry.scheme === "per_row") {
      const [rows, cols] = shape;
      if (st.dtype !== "f16" || !sameShape(st.shape, [rows])) throw metaError(`scale of "${name}" should be f16 [${rows}], is ${st.dtype} [${st.shape.join(", ")}]`, { name });
      y.set(dequantizeMatrixRows(q, st.data as Uint16Array, rows, cols));
    } else {
      if (st.dtype !== "f32" || st.shape.length !== 0) throw metaError(`scale of "${name}" should be f32 [], is ${st.dtype} [${st.shape.join(", ")}]`, { name });
      const s = (st.data as Float32Array)[0];
      for (let j = 0; j < n; j++) y[j] = q[j] * s;
    }
    out.set(name, { shape: [...shape], dtype, data: dtype === "float32" ? y : Float64Array.from(y) });
  }
  const unused = tensors.filter((t) => !used.has(t.name)).map((t) => t.name);
  if (unused.length > 0) throw metaError(`the artifact holds tensors no quantization entry uses: ${unused.slice(0, 5).join(", ")}`, { unused });
  return out;
}

