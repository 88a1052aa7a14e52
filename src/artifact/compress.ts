// Compression of artifact bytes with the codecs Node ships: zlib (level 9, the zlib format the
// reference's `zlib.compress(raw, 9)` writes), brotli (quality 11, 16 MiB window) and zstd (level
// 22; only where node:zlib has it: Node >= 22.15 / 23.8, not Node 20). lzma is not in Node.
//
// Decompression is bounded while it runs (zlib's `maxOutputLength`: inflating stops and throws
// once the output passes the limit), so a decompression bomb fails with a stable code instead of
// allocating gigabytes.
//
// The framed form records which codec was used, so a reader needs no side channel:
//   off  size  field (integers little-endian)
//     0     4  magic "PGCZ"
//     4     1  u8 frame version (1)
//     5     1  u8 codec id (1 zlib, 2 brotli, 3 zstd)
//     6     8  u64 raw (decompressed) length in bytes
//    14     8  u64 compressed length C
//    22     C  compressed bytes
//  22+C    32  sha256 of every byte before it (checked before any decompression)
import { constants as bufferConstants } from "node:buffer";
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { PgolfError } from "../core/error.js";

export type Codec = "zlib" | "brotli" | "zstd";

/** Codec -> id in the frame header (stable: never renumber). */
export const CODEC_IDS: Record<Codec, number> = { zlib: 1, brotli: 2, zstd: 3 };
const CODEC_BY_ID = new Map(Object.entries(CODEC_IDS).map(([k, v]) => [v, k as Codec]));

export const FRAME_MAGIC = "PGCZ";
export const FRAME_VERSION = 1;
const FRAME_HEADER_BYTES = 22;
const CHECKSUM_BYTES = 32;
/** Header + checksum: what framing adds to the compressed bytes. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + CHECKSUM_BYTES;

const MAX_LENGTH = bufferConstants.MAX_LENGTH;

type SyncCodec = (buf: Uint8Array, options?: object) => Buffer;

/** node:zlib's zstd functions and constants, present from Node 22.15 / 23.8 on (not in Node 20's types). */
function zstdApi(): { compress: SyncCodec; decompress: SyncCodec; levelParam: number } | undefined {
  const z = zlib as unknown as Record<string, unknown>;
  const constants = zlib.constants as unknown as Record<string, number>;
  if (typeof z.zstdCompressSync !== "function" || typeof z.zstdDecompressSync !== "function" || constants.ZSTD_c_compressionLevel === undefined) return undefined;
  return { compress: z.zstdCompressSync as SyncCodec, decompress: z.zstdDecompressSync as SyncCodec, levelParam: constants.ZSTD_c_compressionLevel };
}

export function codecAvailable(codec: Codec): boolean {
  return codec === "zstd" ? zstdApi() !== undefined : codec in CODEC_IDS;
}

/** The codecs this Node can use, in id order. */
export function availableCodecs(): Codec[] {
  return (Object.keys(CODEC_IDS) as Codec[]).filter(codecAvailable);
}

function unavailable(codec: string): PgolfError {
  if (codec === "zstd") {
    return new PgolfError("ARTIFACT_CODEC", `zstd is not available in Node ${process.versions.node} (node:zlib has it from 22.15 / 23.8)`, {
      fix: "use zlib or brotli, or run on a newer Node",
    });
  }
  return new PgolfError("ARTIFACT_CODEC", `unknown compression codec "${codec}"`, { fix: `use one of: ${availableCodecs().join(", ")}` });
}

function asUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
      const z = zstdApi();
      if (!z) throw unavailable(codec);
      return asUint8(z.compress(bytes, { params: { [z.levelParam]: 22 } }));
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
    throw new PgolfError("CONFIG_INVALID", `maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}`);
  }
}

/** Decompresses `bytes`, never producing (or allocating for) more than `maxOutputBytes`. */
export function decompress(bytes: Uint8Array, codec: Codec, opts: DecompressOptions): Uint8Array {
  checkLimit(opts.maxOutputBytes);
  let run: SyncCodec;
  switch (codec) {
    case "zlib":
      run = zlib.inflateSync;
      break;
    case "brotli":
      run = zlib.brotliDecompressSync;
      break;
    case "zstd": {
      const z = zstdApi();
      if (!z) throw unavailable(codec);
      run = z.decompress;
      break;
    }
    default:
      throw unavailable(codec);
  }
  // node:zlib takes maxOutputLength in [1, buffer.constants.MAX_LENGTH]; a 0-byte limit is
  // enforced on the result below.
  const limit = Math.min(Math.max(1, opts.maxOutputBytes), MAX_LENGTH);
  let out: Buffer;
  try {
    out = run(bytes, { maxOutputLength: limit });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE") {
      throw new PgolfError("ARTIFACT_DECOMPRESS_LIMIT", `${codec} data inflates past the limit of ${opts.maxOutputBytes} bytes`, {
        file: opts.file,
        fix: "this is larger than any artifact it could be (possibly a decompression bomb); check the file",
        details: { codec, limit: opts.maxOutputBytes },
      });
    }
    throw new PgolfError("ARTIFACT_DECOMPRESS", `${codec} data could not be decompressed: ${err.message}`, {
      file: opts.file,
      fix: "the compressed artifact is damaged or uses another codec; export it again",
      details: { codec, reason: err.code ?? err.message },
      cause: e,
    });
  }
  if (out.length > opts.maxOutputBytes) {
    throw new PgolfError("ARTIFACT_DECOMPRESS_LIMIT", `${codec} data inflates to ${out.length} bytes, over the limit of ${opts.maxOutputBytes}`, {
      file: opts.file,
      details: { codec, limit: opts.maxOutputBytes, actual: out.length },
    });
  }
  return asUint8(out);
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
