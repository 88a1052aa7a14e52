// The artifact container: named tensors + a JSON metadata block in one self-describing,
// checksummed buffer. This is what gets compressed and counted against the byte cap, and what the
// trusted evaluator reads back, so decoding trusts nothing it reads: every declared size and offset
// is checked against the real buffer (and the caller's limit) before anything is allocated.
//
// Layout (all integers little-endian):
//   off  size  field
//     0     4  magic "PGAF"
//     4     4  u32 format version (1)
//     8     8  u64 total length in bytes (the whole artifact, checksum included)
//    16     4  u32 tensor count N
//    20     4  u32 metadata length M (bytes of UTF-8 JSON)
//    24     .  N table entries, each:
//                u16 name length L, L bytes UTF-8 name, u8 dtype code, u8 rank R, R x u32 dims,
//                u64 byte offset (from the payload start), u64 byte length
//     .     M  metadata JSON (an object; e.g. quantization info naming each tensor's scales)
//     .     .  payload: tensor bytes, little-endian elements, no padding
//   end-32 32  sha256 of every byte before it
import { createHash } from "node:crypto";
import { PgolfError } from "../core/error.js";

export const ARTIFACT_MAGIC = "PGAF";
export const ARTIFACT_VERSION = 1;
/** Fixed header bytes before the table. */
const HEADER_BYTES = 24;
const CHECKSUM_BYTES = 32;
/** Bytes below which nothing can be parsed: the fixed header and the checksum. */
const MIN_BYTES = HEADER_BYTES + CHECKSUM_BYTES;
const MAX_RANK = 8;
/** Smallest possible table entry: u16 length, 1-byte name, dtype, rank 0, two u64. */
const MIN_ENTRY_BYTES = 2 + 1 + 1 + 1 + 8 + 8;

/** Element types an artifact can hold. f16 and bf16 are stored as their uint16 bit patterns. */
export type ArtifactDType = "f32" | "f16" | "bf16" | "i8" | "u8" | "i32" | "f64";
export type ArtifactArray = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | Float64Array;

/** dtype -> on-disk code (stable: never renumber) and element size in bytes. */
export const ARTIFACT_DTYPES: Record<ArtifactDType, { code: number; bytes: number }> = {
  f32: { code: 1, bytes: 4 },
  f16: { code: 2, bytes: 2 },
  bf16: { code: 3, bytes: 2 },
  i8: { code: 4, bytes: 1 },
  u8: { code: 5, bytes: 1 },
  i32: { code: 6, bytes: 4 },
  f64: { code: 7, bytes: 8 },
};
const DTYPE_BY_CODE = new Map(Object.entries(ARTIFACT_DTYPES).map(([k, v]) => [v.code, k as ArtifactDType]));

export interface ArtifactTensor {
  name: string;
  dtype: ArtifactDType;
  /** Dimension sizes, row-major; [] is a scalar. */
  shape: number[];
  /** Elements (numel(shape) of them) in the typed array matching dtype (see arrayFor). */
  data: ArtifactArray;
}

export type ArtifactMeta = Record<string, unknown>;

/** A fresh, zeroed typed array of `length` elements for `dtype`. */
export function arrayFor(dtype: ArtifactDType, length: number): ArtifactArray {
  switch (dtype) {
    case "f32":
      return new Float32Array(length);
    case "f16":
    case "bf16":
      return new Uint16Array(length);
    case "i8":
      return new Int8Array(length);
    case "u8":
      return new Uint8Array(length);
    case "i32":
      return new Int32Array(length);
    case "f64":
      return new Float64Array(length);
  }
}

function arrayMatches(dtype: ArtifactDType, a: ArtifactArray): boolean {
  switch (dtype) {
    case "f32":
      return a instanceof Float32Array;
    case "f16":
    case "bf16":
      return a instanceof Uint16Array;
    case "i8":
      return a instanceof Int8Array;
    case "u8":
      return a instanceof Uint8Array;
    case "i32":
      return a instanceof Int32Array;
    case "f64":
      return a instanceof Float64Array;
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `width`-byte element in place (big-endian hosts only). */
function swapElements(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** The element bytes of `a`, little-endian. */
function littleEndianBytes(a: ArtifactArray): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (HOST_LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapElements(copy, a.BYTES_PER_ELEMENT);
  return copy;
}

/** Product of dims, or Infinity once it passes `cap` (so hostile dims cannot overflow). */
function numelCapped(shape: number[], cap: number): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > cap) return Infinity;
  }
  return n;
}

function tableError(problem: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("ARTIFACT_TABLE", problem, { fix: "the artifact was not written by a compatible encoder; export it again", details });
}

/** Serializes tensors (in the given order) and `meta` into one artifact buffer. */
export function encodeArtifact(tensors: ArtifactTensor[], meta: ArtifactMeta): Uint8Array {
  const enc = new TextEncoder();
  const names = new Set<string>();
  const entries = tensors.map((t) => {
    const name = enc.encode(t.name);
    if (name.length === 0 || name.length > 0xffff) throw tableError(`tensor name must be 1..65535 UTF-8 bytes, got ${name.length}`, { name: t.name });
    if (names.has(t.name)) throw tableError(`tensor name "${t.name}" occurs twice`);
    names.add(t.name);
    const spec = ARTIFACT_DTYPES[t.dtype];
    if (!spec) throw tableError(`tensor "${t.name}" has unknown dtype "${String(t.dtype)}"`);
    if (!arrayMatches(t.dtype, t.data)) throw tableError(`tensor "${t.name}": ${t.data.constructor.name} does not hold dtype ${t.dtype}`);
    if (t.shape.length > MAX_RANK) throw tableError(`tensor "${t.name}" has rank ${t.shape.length}, at most ${MAX_RANK} is supported`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) throw tableError(`tensor "${t.name}" has an invalid shape [${t.shape.join(", ")}]`);
    const n = numelCapped(t.shape, Number.MAX_SAFE_INTEGER);
    if (n !== t.data.length) throw tableError(`tensor "${t.name}" has ${t.data.length} elements, shape [${t.shape.join(", ")}] needs ${n}`);
    return { t, name, bytes: littleEndianBytes(t.data) };
  });
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new PgolfError("ARTIFACT_META", "artifact metadata must be a JSON object", { fix: "pass the metadata as a plain object, e.g. { config: {...} }" });
  const metaBytes = enc.encode(JSON.stringify(meta));

  const tableBytes = entries.reduce((a, e) => a + 2 + e.name.length + 2 + 4 * e.t.shape.length + 16, 0);
  const payloadStart = HEADER_BYTES + tableBytes + metaBytes.length;
  const payloadBytes = entries.reduce((a, e) => a + e.bytes.length, 0);
  const total = payloadStart + payloadBytes + CHECKSUM_BYTES;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(enc.encode(ARTIFACT_MAGIC), 0);
  dv.setUint32(4, ARTIFACT_VERSION, true);
  dv.setBigUint64(8, BigInt(total), true);
  dv.setUint32(16, entries.length, true);
  dv.setUint32(20, metaBytes.length, true);
  let p = HEADER_BYTES;
  let offset = 0;
  for (const e of entries) {
    dv.setUint16(p, e.name.length, true);
    out.set(e.name, p + 2);
    p += 2 + e.name.length;
    out[p++] = ARTIFACT_DTYPES[e.t.dtype].code;
    out[p++] = e.t.shape.length;
    for (const d of e.t.shape) {
      dv.setUint32(p, d, true);
      p += 4;
    }
    dv.setBigUint64(p, BigInt(offset), true);
    dv.setBigUint64(p + 8, BigInt(e.bytes.length), true);
    p += 16;
    out.set(e.bytes, payloadStart + offset);
    offset += e.bytes.length;
  }
  out.set(metaBytes, p);
  out.set(createHash("sha256").update(out.subarray(0, total - CHECKSUM_BYTES)).digest(), total - CHECKSUM_BYTES);
  return out;
}

export interface DecodeOptions {
  /** Largest artifact accepted, in bytes: a larger declared (or actual) length fails before any allocation. */
  maxBytes: number;
  /** Named in errors. */
  file?: string;
}

/** Parses and verifies an artifact. Every failure is a PgolfError with an ARTIFACT_* code. */
export function decodeArtifact(bytes: Uint8Array, opts: DecodeOptions): { tensors: ArtifactTensor[]; meta: ArtifactMeta } {
  const file = opts.file;
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 0) throw new PgolfError("CONFIG_INVALID", `maxBytes must be a non-negative integer, got ${opts.maxBytes}`, { fix: "pass the largest artifact you accept in bytes, e.g. the track's cap" });
  const fix = "export the artifact again; it was damaged or not written by pgolf";
  if (bytes.length >= 4 && new TextDecoder().decode(bytes.subarray(0, 4)) !== ARTIFACT_MAGIC) {
    throw new PgolfError("ARTIFACT_MAGIC", `wrong magic ${JSON.stringify(Buffer.from(bytes.subarray(0, 4)).toString("latin1"))} (expected "${ARTIFACT_MAGIC}")`, { file, fix: "this is not a pgolf artifact container (if it is compressed, decompress it first)" });
  }
  if (bytes.length < MIN_BYTES) {
    throw new PgolfError("ARTIFACT_TRUNCATED", `artifact has ${bytes.length} bytes, fewer than the ${MIN_BYTES}-byte header and checksum`, { file, fix, details: { actual: bytes.length, minimum: MIN_BYTES } });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== ARTIFACT_VERSION) {
    throw new PgolfError("ARTIFACT_VERSION", `artifact format version ${version} is not supported (this pgolf reads ${ARTIFACT_VERSION})`, { file, fix: "export the artifact with this version of pgolf", details: { version, supported: ARTIFACT_VERSION } });
  }
  const declaredBig = dv.getBigUint64(8, true);
  if (declaredBig > BigInt(opts.maxBytes) || bytes.length > opts.maxBytes) {
    throw new PgolfError("ARTIFACT_TOO_LARGE", `artifact declares ${declaredBig} bytes (has ${bytes.length}), over the limit of ${opts.maxBytes}`, { file, fix: "this artifact is larger than any model it could be for; check the file", details: { declared: declaredBig.toString(), actual: bytes.length, limit: opts.maxBytes } });
  }
  const total = Number(declaredBig);
  if (total > bytes.length) {
    throw new PgolfError("ARTIFACT_TRUNCATED", `artifact declares ${total} bytes but has only ${bytes.length}`, { file, fix, details: { declared: total, actual: bytes.length } });
  }
  if (total !== bytes.length || total < MIN_BYTES) {
    throw new PgolfError("ARTIFACT_LENGTH", `artifact declares ${total} bytes but has ${bytes.length}`, { file, fix, details: { declared: total, actual: bytes.length } });
  }
  const body = bytes.subarray(0, total - CHECKSUM_BYTES);
  const expected = Buffer.from(bytes.subarray(total - CHECKSUM_BYTES, total)).toString("hex");
  const actual = createHash("sha256").update(body).digest("hex");
  if (actual !== expected) {
    throw new PgolfError("ARTIFACT_CHECKSUM", "artifact content does not match its sha256 checksum", { file, fix, details: { expected, actual } });
  }

  // The checksum only proves the bytes are as written, not that the writer was honest: the
  // table is still checked entry by entry against the real buffer.
  const count = dv.getUint32(16, true);
  const metaLength = dv.getUint32(20, true);
  const tableEnd = body.length; // nothing may reach into the checksum
  if (HEADER_BYTES + count * MIN_ENTRY_BYTES + metaLength > tableEnd) {
    throw tableError(`table of ${count} tensors and ${metaLength} metadata bytes cannot fit in ${tableEnd - HEADER_BYTES} bytes`, { count, metaLength });
  }
  const dec = new TextDecoder("utf-8", { fatal: true });
  let p = HEADER_BYTES;
  const need = (n: number, what: string) => {
    if (p + n > tableEnd) throw tableError(`table runs past the end of the artifact while reading ${what}`, { at: p });
  };
  interface Entry {
    name: string;
    dtype: ArtifactDType;
    shape: number[];
    offset: bigint;
    length: bigint;
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    need(2, `entry ${i}`);
    const nameLength = dv.getUint16(p, true);
    p += 2;
    need(nameLength + 2, `entry ${i}'s name`);
    let name: string;
    try {
      name = dec.decode(bytes.subarray(p, p + nameLength));
    } catch {
      throw tableError(`entry ${i}'s name is not valid UTF-8`);
    }
    if (name.length === 0) throw tableError(`entry ${i} has an empty name`);
    if (seen.has(name)) throw tableError(`tensor name "${name}" occurs twice`);
    seen.add(name);
    p += nameLength;
    const code = bytes[p++];
    const dtype = DTYPE_BY_CODE.get(code);
    if (!dtype) throw tableError(`tensor "${name}" has unknown dtype code ${code}`, { name, code });
    const rank = bytes[p++];
    if (rank > MAX_RANK) throw tableError(`tensor "${name}" has rank ${rank}, at most ${MAX_RANK} is supported`, { name, rank });
    need(4 * rank + 16, `tensor "${name}"'s shape and extent`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++, p += 4) shape.push(dv.getUint32(p, true));
    const offset = dv.getBigUint64(p, true);
    const length = dv.getBigUint64(p + 8, true);
    p += 16;
    entries.push({ name, dtype, shape, offset, length });
  }
  need(metaLength, "the metadata");
  const payloadStart = p + metaLength;
  const payloadLength = tableEnd - payloadStart;
  const range = (problem: string, details: Record<string, unknown>) =>
    new PgolfError("ARTIFACT_TABLE_RANGE", problem, { file, fix, details: { ...details, payloadLength } });
  for (const e of entries) {
    // Sizes are bounded by the payload before they are multiplied out or allocated.
    const elem = ARTIFACT_DTYPES[e.dtype].bytes;
    const n = numelCapped(e.shape, Math.floor(payloadLength / elem));
    if (n === Infinity) throw range(`tensor "${e.name}" of shape [${e.shape.join(", ")}] is larger than the whole ${payloadLength}-byte payload`, { name: e.name, shape: e.shape });
    if (e.length !== BigInt(n * elem)) throw tableError(`tensor "${e.name}" declares ${e.length} bytes, its ${e.dtype} shape [${e.shape.join(", ")}] needs ${n * elem}`, { name: e.name });
    if (e.offset + e.length > BigInt(payloadLength)) {
      throw range(`tensor "${e.name}" at bytes ${e.offset}..${e.offset + e.length} lies outside the ${payloadLength}-byte payload`, { name: e.name, offset: e.offset.toString(), length: e.length.toString() });
    }
  }

  let meta: unknown;
  try {
    meta = JSON.parse(dec.decode(bytes.subarray(p, payloadStart)));
  } catch (e) {
    throw new PgolfError("ARTIFACT_META", `artifact metadata is not valid JSON: ${(e as Error).message}`, { file, fix });
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new PgolfError("ARTIFACT_META", "artifact metadata is not a JSON object", { file, fix });

  const tensors = entries.map((e): ArtifactTensor => {
    const elem = ARTIFACT_DTYPES[e.dtype].bytes;
    const start = payloadStart + Number(e.offset);
    const n = Number(e.length) / elem;
    const data = arrayFor(e.dtype, n);
    const dst = new Uint8Array(data.buffer);
    dst.set(bytes.subarray(start, start + Number(e.length)));
    if (!HOST_LITTLE_ENDIAN) swapElements(dst, elem);
    return { name: e.name, dtype: e.dtype, shape: e.shape, data };
  });
  return { tensors, meta: meta as ArtifactMeta };
}
