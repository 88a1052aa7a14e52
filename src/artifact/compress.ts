// Compression of artifact bytes with four codecs, each at its strongest setting:
//  - zlib (level 9, the zlib format the reference's `zlib.compress(raw, 9)` writes) and brotli
//    (quality 11, 16 MiB window), from node:zlib;
//  - zstd (level 22): node:zlib's where it has one (Node >= 22.15 / 23.8), otherwise the
//    @bokuweb/zstd-wasm package (libzstd compiled to wasm, shipped in its npm tarball). Both write
//    standard zstd frames, so either reads what the other wrote;
//  - lzma: the xz format of the reference's `lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)`
//    (CRC64 check, one stream), from the node-liblzma package (liblzma through Node-API; its npm
//    tarball carries prebuilt binaries and it builds against the system liblzma on install).
// The two packages load once, when this module is imported (the wasm compiles asynchronously, so
// through top-level await); after that every call is synchronous. A codec whose package did not
// load is unavailable, with the reason in its ARTIFACT_CODEC error.
//
// Decompression is bounded, so a decompression bomb fails with a stable code instead of
// allocating gigabytes. node:zlib's codecs stop while they run (`maxOutputLength`). The packages
// cannot, so their input is checked first (inflate_bound.ts): the zstd frame's declared content
// size must be within the limit, and the wasm decoder gets an output buffer of exactly that size
// (or of the limit, when the frame declares none) that libzstd cannot write past; an xz stream's
// LZMA2 chunk headers, which liblzma holds the data to, must add up to at most the limit.
//
// The framed form records which codec was used, so a reader needs no side channel:
//   off  size  field (integers little-endian)
//     0     4  magic "PGCZ"
//     4     1  u8 frame version (1)
//     5     1  u8 codec id (1 zlib, 2 brotli, 3 zstd, 4 lzma)
//     6     8  u64 raw (decompressed) length in bytes
//    14     8  u64 compressed length C
//    22     C  compressed bytes
//  22+C    32  sha256 of every byte before it (checked before any decompression)
import { constants as bufferConstants } from "node:buffer";
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { PgolfError } from "../core/error.js";
import { MalformedError, xzInflateBound, zstdDeclaredSize } from "./inflate_bound.js";

export type Codec = "zlib" | "brotli" | "zstd" | "lzma";

/** Codec -> id in the frame header (stable: never renumber). */
export const CODEC_IDS: Record<Codec, number> = { zlib: 1, brotli: 2, zstd: 3, lzma: 4 };
const CODEC_BY_ID = new Map(Object.entries(CODEC_IDS).map(([k, v]) => [v, k as Codec]));

export const FRAME_MAGIC = "PGCZ";
export const FRAME_VERSION = 1;
const FRAME_HEADER_BYTES = 22;
const CHECKSUM_BYTES = 32;
/** Header + checksum: what framing adds to the compressed bytes. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + CHECKSUM_BYTES;

const MAX_LENGTH = bufferConstants.MAX_LENGTH;
const ZSTD_LEVEL = 22;
/** liblzma's LZMA_PRESET_EXTREME flag. */
const LZMA_PRESET_EXTREME = 0x80000000;
const LZMA_PRESET = 9 | LZMA_PRESET_EXTREME;
const LZMA_CHECK_CRC64 = 4;
/**
 * The most bytes the zstd wasm fallback takes in, or puts out, at once. Its heap ends at 2 GiB
 * and it does not check its own allocations, so larger buffers (which with libzstd's level-22
 * workspace could exhaust the heap) are refused before they reach it. Artifacts are far smaller.
 */
export const ZSTD_WASM_MAX_BYTES = 2 ** 28;

type SyncCodec = (buf: Uint8Array, options?: object) => Buffer;

/** node:zlib's zstd functions and constants, present from Node 22.15 / 23.8 on (not in Node 20's types). */
function nodeZstd(): { compress: SyncCodec; decompress: SyncCodec; levelParam: number } | undefined {
  const z = zlib as unknown as Record<string, unknown>;
  const constants = zlib.constants as unknown as Record<string, number>;
  if (typeof z.zstdCompressSync !== "function" || typeof z.zstdDecompressSync !== "function" || constants.ZSTD_c_compressionLevel === undefined) return undefined;
  return { compress: z.zstdCompressSync as SyncCodec, decompress: z.zstdDecompressSync as SyncCodec, levelParam: constants.ZSTD_c_compressionLevel };
}

const NODE_ZSTD = nodeZstd();

type ZstdWasm = typeof import("@bokuweb/zstd-wasm");
type Liblzma = typeof import("node-liblzma");

/** The package's module, or why it could not be loaded. */
async function load<T>(what: () => Promise<T>): Promise<T | Error> {
  try {
    return await what();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

// Loaded once, at import. The zstd wasm only where node:zlib has no zstd.
const ZSTD_WASM: ZstdWasm | Error | undefined = NODE_ZSTD
  ? undefined
  : await load(async () => {
      const m = await import("@bokuweb/zstd-wasm");
      await m.init();
      return m;
    });
const LIBLZMA: Liblzma | Error = await load(() => import("node-liblzma"));

function zstdWasm(): ZstdWasm | undefined {
  return ZSTD_WASM instanceof Error ? undefined : ZSTD_WASM;
}

function liblzma(): Liblzma | undefined {
  return LIBLZMA instanceof Error ? undefined : LIBLZMA;
}

export function codecAvailable(codec: Codec): boolean {
  switch (codec) {
    case "zlib":
    case "brotli":
      return true;
    case "zstd":
      return NODE_ZSTD !== undefined || zstdWasm() !== undefined;
    case "lzma":
      return liblzma() !== undefined;
    default:
      return false;
  }
}

/** The codecs this Node can use, in id order. */
export function availableCodecs(): Codec[] {
  return (Object.keys(CODEC_IDS) as Codec[]).filter(codecAvailable);
}

function unavailable(codec: string): PgolfError {
  const fix = `reinstall pgolf's dependencies (npm ci), or use one of: ${availableCodecs().join(", ")}`;
  if (codec === "zstd") {
    const why = ZSTD_WASM instanceof Error ? ZSTD_WASM.message : "not installed";
    return new PgolfError("ARTIFACT_CODEC", `zstd is not available: node:zlib has none in Node ${process.versions.node} (it does from 22.15 / 23.8) and the @bokuweb/zstd-wasm fallback did not load (${why})`, { fix });
  }
  if (codec === "lzma") {
    const why = LIBLZMA instanceof Error ? LIBLZMA.message : "not installed";
    return new PgolfError("ARTIFACT_CODEC", `lzma is not available: the node-liblzma package did not load (${why})`, { fix });
  }
  return new PgolfError("ARTIFACT_CODEC", `unknown compression codec "${codec}"`, { fix: `use one of: ${availableCodecs().join(", ")}` });
}

function asUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Compresses `bytes` with `codec` at its strongest setting. */
export function compress(bytes: Uint8Array, codec: Codec): Uint8Array {
  switch (codec) {
    case "zlib":
      return asUint8(zlib.deflateSync(bytes, { level: 9 }));
    case "brotli":
      return asUint8(
        zlib.brotliCompressSync(bytes, {
          params: {
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
            [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
      );
    case "zstd": {
      if (NODE_ZSTD) return asUint8(NODE_ZSTD.compress(bytes, { params: { [NODE_ZSTD.levelParam]: ZSTD_LEVEL } }));
      const wasm = zstdWasm();
      if (!wasm) throw unavailable(codec);
      if (bytes.length > ZSTD_WASM_MAX_BYTES) {
        throw new PgolfError("ARTIFACT_CODEC", `zstd through wasm takes at most ${ZSTD_WASM_MAX_BYTES} bytes, got ${bytes.length}`, { fix: "use another codec, or Node >= 22.15, whose node:zlib has zstd" });
      }
      return wasm.compress(bytes, ZSTD_LEVEL);
    }
    case "lzma": {
      const lib = liblzma();
      if (!lib) throw unavailable(codec);
      return asUint8(lib.xzSync(asBuffer(bytes), { preset: LZMA_PRESET, check: LZMA_CHECK_CRC64 }));
    }
    default:
      throw unavailable(codec);
  }
}

export interface DecompressOptions {
  /** Largest output accepted, in bytes; inflating stops with ARTIFACT_DECOMPRESS_LIMIT past it. */
  maxOutputBytes: number;
  /** Named in errors. */
  file?: string;
}

function checkLimit(maxOutputBytes: number): void {
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw new PgolfError("CONFIG_INVALID", `maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}`, { fix: "pass the largest output you accept in bytes, e.g. 64 * 2 ** 20" });
  }
}

function overLimit(codec: Codec, opts: DecompressOptions, what: string, actual?: number | bigint): PgolfError {
  return new PgolfError("ARTIFACT_DECOMPRESS_LIMIT", `${codec} data ${what}`, {
    file: opts.file,
    fix: "this is larger than any artifact it could be (possibly a decompression bomb); check the file",
    details: { codec, limit: opts.maxOutputBytes, ...(actual === undefined ? {} : { actual: typeof actual === "bigint" ? actual.toString() : actual }) },
  });
}

function undecodable(codec: Codec, opts: DecompressOptions, e: unknown): PgolfError {
  const err = e as NodeJS.ErrnoException;
  return new PgolfError("ARTIFACT_DECOMPRESS", `${codec} data could not be decompressed: ${err.message}`, {
    file: opts.file,
    fix: "the compressed artifact is damaged or uses another codec; export it again",
    details: { codec, reason: err.code ?? err.message },
    cause: e,
  });
}

/** zstd through the wasm fallback, which inflates into one buffer it allocates up front. */
function zstdWasmDecompress(wasm: ZstdWasm, bytes: Uint8Array, opts: DecompressOptions): Uint8Array {
  let declared: bigint | undefined;
  try {
    declared = zstdDeclaredSize(bytes);
  } catch (e) {
    if (e instanceof MalformedError) throw undecodable("zstd", opts, e);
    throw e;
  }
  if (declared !== undefined && declared > BigInt(opts.maxOutputBytes)) throw overLimit("zstd", opts, `declares ${declared} bytes, over the limit of ${opts.maxOutputBytes}`, declared);
  const capacity = Math.min(opts.maxOutputBytes, ZSTD_WASM_MAX_BYTES);
  if ((declared !== undefined && declared > BigInt(capacity)) || bytes.length > ZSTD_WASM_MAX_BYTES) {
    throw overLimit("zstd", opts, `is larger than zstd through wasm takes (${ZSTD_WASM_MAX_BYTES} bytes in or out); use Node >= 22.15, whose node:zlib has zstd`, declared ?? bytes.length);
  }
  try {
    // The output buffer holds the declared size, or `capacity` when none is declared; libzstd
    // stops with dstSize_tooSmall (error code 70) rather than write past it.
    return wasm.decompress(bytes, { defaultHeapSize: capacity });
  } catch (e) {
    if (e instanceof Error && /code -70\b/.test(e.message)) {
      throw overLimit("zstd", opts, declared === undefined ? `inflates past the limit of ${capacity} bytes` : `inflates past the ${declared} bytes its first frame declares`);
    }
    throw undecodable("zstd", opts, e);
  }
}

/**
 * node:zlib's zstd in Node 22 returns what it decoded of a truncated frame without an error (Node
 * 24 reports it): output shorter than the frame's declared content size is refused here.
 */
function checkZstdComplete(bytes: Uint8Array, out: Uint8Array, opts: DecompressOptions): void {
  let declared: bigint | undefined;
  try {
    declared = zstdDeclaredSize(bytes);
  } catch {
    return; // not a frame header node:zlib accepted by accident: nothing to compare with
  }
  if (declared !== undefined && BigInt(out.length) < declared) {
    throw undecodable("zstd", opts, new Error(`data ends after ${out.length} of the ${declared} bytes its frame declares (truncated)`));
  }
}

/** xz through liblzma, which cannot stop at a limit: the stream's chunk headers are checked first. */
function lzmaDecompress(lib: Liblzma, bytes: Uint8Array, opts: DecompressOptions): Uint8Array {
  let bound: number;
  try {
    bound = xzInflateBound(bytes);
  } catch (e) {
    if (e instanceof MalformedError) throw undecodable("lzma", opts, e);
    throw e;
  }
  if (bound > opts.maxOutputBytes) throw overLimit("lzma", opts, `declares up to ${bound} bytes in its chunk headers, over the limit of ${opts.maxOutputBytes}`, bound);
  try {
    return asUint8(lib.unxzSync(asBuffer(bytes)));
  } catch (e) {
    throw undecodable("lzma", opts, e);
  }
}

/** Decompresses `bytes`, never producing (or allocating for) more than `maxOutputBytes`. */
export function decompress(bytes: Uint8Array, codec: Codec, opts: DecompressOptions): Uint8Array {
  checkLimit(opts.maxOutputBytes);
  let out: Uint8Array;
  switch (codec) {
    case "zlib":
      out = nodeZlibDecompress(zlib.inflateSync, bytes, codec, opts);
      break;
    case "brotli":
      out = nodeZlibDecompress(zlib.brotliDecompressSync, bytes, codec, opts);
      break;
    case "zstd": {
      if (NODE_ZSTD) {
        out = nodeZlibDecompress(NODE_ZSTD.decompress, bytes, codec, opts);
        checkZstdComplete(bytes, out, opts);
        break;
      }
      const wasm = zstdWasm();
      if (!wasm) throw unavailable(codec);
      out = zstdWasmDecompress(wasm, bytes, opts);
      break;
    }
    case "lzma": {
      const lib = liblzma();
      if (!lib) throw unavailable(codec);
      out = lzmaDecompress(lib, bytes, opts);
      break;
    }
    default:
      throw unavailable(codec);
  }
  if (out.length > opts.maxOutputBytes) throw overLimit(codec, opts, `inflates to ${out.length} bytes, over the limit of ${opts.maxOutputBytes}`, out.length);
  return out;
}

/** A node:zlib decompressor, stopped by node:zlib itself once the output passes the limit. */
function nodeZlibDecompress(run: SyncCodec, bytes: Uint8Array, codec: Codec, opts: DecompressOptions): Uint8Array {
  // node:zlib takes maxOutputLength in [1, buffer.constants.MAX_LENGTH]; a 0-byte limit is
  // enforced on the result in decompress().
  const limit = Math.min(Math.max(1, opts.maxOutputBytes), MAX_LENGTH);
  try {
    return asUint8(run(bytes, { maxOutputLength: limit }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw overLimit(codec, opts, `inflates past the limit of ${opts.maxOutputBytes} bytes`);
    throw undecodable(codec, opts, e);
  }
}

/** `compressed` wrapped in the frame (header naming the codec and lengths, then the checksum). */
function frame(raw: Uint8Array, compressed: Uint8Array, codec: Codec): Uint8Array {
  const total = FRAME_HEADER_BYTES + compressed.length + CHECKSUM_BYTES;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(FRAME_MAGIC), 0);
  out[4] = FRAME_VERSION;
  out[5] = CODEC_IDS[codec];
  dv.setBigUint64(6, BigInt(raw.length), true);
  dv.setBigUint64(14, BigInt(compressed.length), true);
  out.set(compressed, FRAME_HEADER_BYTES);
  out.set(createHash("sha256").update(out.subarray(0, total - CHECKSUM_BYTES)).digest(), total - CHECKSUM_BYTES);
  return out;
}

/** `bytes` compressed with `codec`, framed. */
export function compressFramed(bytes: Uint8Array, codec: Codec): Uint8Array {
  return frame(bytes, compress(bytes, codec), codec);
}

/**
 * `bytes` compressed with every available codec (or those given); the smallest result, framed.
 * Ties go to the codec listed first (zlib, the reference's).
 */
export function compressBest(bytes: Uint8Array, codecs: Codec[] = availableCodecs()): Uint8Array {
  let best: { codec: Codec; data: Uint8Array } | undefined;
  for (const codec of codecs) {
    const data = compress(bytes, codec);
    if (!best || data.length < best.data.length) best = { codec, data };
  }
  if (!best) throw new PgolfError("ARTIFACT_CODEC", "no compression codec to try", { fix: `use some of: ${availableCodecs().join(", ")}` });
  return frame(bytes, best.data, best.codec);
}

export interface FrameHeader {
  codec: Codec;
  rawLength: number;
  compressedLength: number;
}

/**
 * Reads and checks a frame's header against the buffer and the output limit, then the checksum.
 * Declared sizes are compared with the limit before anything is decompressed.
 */
export function readFrameHeader(bytes: Uint8Array, opts: DecompressOptions): FrameHeader {
  checkLimit(opts.maxOutputBytes);
  const file = opts.file;
  const fix = "export the artifact again; it was damaged or not written by pgolf";
  if (bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).toString("latin1") !== FRAME_MAGIC) {
    throw new PgolfError("ARTIFACT_MAGIC", `wrong magic ${JSON.stringify(Buffer.from(bytes.subarray(0, 4)).toString("latin1"))} (expected "${FRAME_MAGIC}")`, { file, fix: "this is not a compressed pgolf artifact" });
  }
  if (bytes.length < FRAME_OVERHEAD_BYTES) {
    throw new PgolfError("ARTIFACT_TRUNCATED", `compressed artifact has ${bytes.length} bytes, fewer than its ${FRAME_OVERHEAD_BYTES}-byte frame`, { file, fix });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== FRAME_VERSION) {
    throw new PgolfError("ARTIFACT_VERSION", `compression frame version ${bytes[4]} is not supported (this pgolf reads ${FRAME_VERSION})`, { file, fix: "export the artifact with this version of pgolf", details: { version: bytes[4], supported: FRAME_VERSION } });
  }
  const raw = dv.getBigUint64(6, true);
  const comp = dv.getBigUint64(14, true);
  if (raw > BigInt(opts.maxOutputBytes)) {
    throw new PgolfError("ARTIFACT_TOO_LARGE", `compressed artifact declares ${raw} raw bytes, over the limit of ${opts.maxOutputBytes}`, { file, fix: "this is larger than any artifact it could be; check the file", details: { declared: raw.toString(), limit: opts.maxOutputBytes } });
  }
  const actual = bytes.length - FRAME_OVERHEAD_BYTES;
  if (comp > BigInt(actual)) {
    throw new PgolfError("ARTIFACT_TRUNCATED", `compressed artifact declares ${comp} compressed bytes but holds ${actual}`, { file, fix, details: { declared: comp.toString(), actual } });
  }
  if (comp !== BigInt(actual)) {
    throw new PgolfError("ARTIFACT_LENGTH", `compressed artifact declares ${comp} compressed bytes but holds ${actual}`, { file, fix, details: { declared: Number(comp), actual } });
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const expected = Buffer.from(bytes.subarray(bytes.length - CHECKSUM_BYTES)).toString("hex");
  const got = createHash("sha256").update(body).digest("hex");
  if (got !== expected) throw new PgolfError("ARTIFACT_CHECKSUM", "compressed artifact does not match its sha256 checksum", { file, fix, details: { expected, actual: got } });
  const codec = CODEC_BY_ID.get(bytes[5]);
  if (!codec) throw new PgolfError("ARTIFACT_CODEC", `unknown codec id ${bytes[5]} in the frame`, { file, fix: "export the artifact with this version of pgolf", details: { id: bytes[5] } });
  return { codec, rawLength: Number(raw), compressedLength: actual };
}

/**
 * Decompresses a framed buffer. Inflation is capped at the declared raw length (itself at most
 * `maxOutputBytes`), so a frame that lies about its raw length cannot inflate past it either.
 */
export function decompressFramed(bytes: Uint8Array, opts: DecompressOptions): Uint8Array {
  const h = readFrameHeader(bytes, opts);
  const out = decompress(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + h.compressedLength), h.codec, { maxOutputBytes: h.rawLength, file: opts.file });
  if (out.length !== h.rawLength) {
    throw new PgolfError("ARTIFACT_LENGTH", `compressed artifact inflates to ${out.length} bytes, its frame declares ${h.rawLength}`, { file: opts.file, fix: "export the artifact again", details: { declared: h.rawLength, actual: out.length } });
  }
  return out;
}
