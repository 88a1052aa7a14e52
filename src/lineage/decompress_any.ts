// Decompresses a blob of unknown codec, as packed submissions use them (Python's lzma, zlib, bz2,
// gzip modules), never producing more than a limit: a hostile submission cannot make the
// analysis inflate a bomb. Codecs are recognized by their magic bytes; raw LZMA2 (lzma's
// FORMAT_RAW, the most common packer in the contest corpus) has none, so it is tried last, only
// when its chunk headers walk cleanly, and those headers give its exact size before decoding.
//
// Decoders: node:zlib (zlib, gzip, raw deflate; maxOutputLength stops it at the limit), liblzma
// through @napi-rs/lzma for the three LZMA formats (xz, .lzma "alone", raw LZMA2; its decoders
// cannot stop at a limit, so sizes are read from headers first; a .lzma stream without a size goes to
// the xz command, cut off at the limit), seek-bzip for bzip2 (pure JS, written to an output that
// throws at the limit).
import { spawnSync } from "node:child_process";
import * as zlib from "node:zlib";
import { lzma, lzma2, xz } from "@napi-rs/lzma";
import Bunzip from "seek-bzip";
import { lzma2Chunks, MalformedError, xzInflateBound } from "../artifact/inflate_bound.js";

export type Codec = "xz" | "lzma-alone" | "lzma2-raw" | "zlib" | "gzip" | "bz2" | "deflate-raw";

export interface Decompressed {
  codec: Codec;
  bytes: Uint8Array;
}

/** Refused because it would inflate past the limit. */
export class OverLimitError extends Error {}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function nodeZlib(fn: (b: Buffer, o: zlib.ZlibOptions) => Buffer, bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return fn(asBuffer(bytes), { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new OverLimitError(`inflates past ${maxBytes} bytes`);
    throw e;
  }
}

/** .lzma "alone" header: properties byte, u32 dictionary size, u64 unpacked size (all ones: unknown). */
function lzmaAloneSize(bytes: Uint8Array): number | null {
  if (bytes.length < 13 || bytes[0] >= 9 * 5 * 5) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(5, true);
  const hi = dv.getUint32(9, true);
  if (lo === 0xffffffff && hi === 0xffffffff) return Infinity;
  return hi * 2 ** 32 + lo;
}

function bz2(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const chunks: Buffer[] = [];
  let cur = Buffer.alloc(64 * 1024);
  let at = 0;
  let total = 0;
  const out = {
    writeByte(b: number): void {
      if (++total > maxBytes) throw new OverLimitError(`inflates past ${maxBytes} bytes`);
      if (at === cur.length) {
        chunks.push(cur);
        cur = Buffer.alloc(cur.length * 2);
        at = 0;
      }
      cur[at++] = b;
    },
  };
  Bunzip.decode(asBuffer(bytes), out);
  chunks.push(cur.subarray(0, at));
  return Buffer.concat(chunks);
}

/**
 * A .lzma stream that declares no size (what Python's FORMAT_ALONE always writes): no in-process
 * decoder here can stop at a limit, so xz (xz-utils) decodes it in a child process whose output is
 * cut off at the limit (spawnSync's maxBuffer kills it there).
 */
function lzmaAloneUnsized(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const r = spawnSync("xz", ["--format=lzma", "--decompress", "--stdout", "--quiet"], { input: bytes, maxBuffer: maxBytes, timeout: 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOBUFS") throw new OverLimitError(`.lzma data inflates past ${maxBytes} bytes`);
  if (r.error) throw new Error(`xz (xz-utils) is needed to unwrap a .lzma stream without a size: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`xz could not decode the .lzma stream: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/**
 * Decompresses `bytes` by its magic bytes, or as raw LZMA2 when its chunk headers allow; null when
 * it is none of these. Throws OverLimitError past `maxBytes`, and the decoder's error on damaged data.
 */
export function decompressAny(bytes: Uint8Array, maxBytes: number): Decompressed | null {
  const b = bytes;
  if (b.length < 4) return null;
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58) {
    let bound: number;
    try {
      bound = xzInflateBound(b);
    } catch (e) {
      if (e instanceof MalformedError) return null;
      throw e;
    }
    if (bound > maxBytes) throw new OverLimitError(`xz data declares ${bound} bytes, over ${maxBytes}`);
    return { codec: "xz", bytes: xz.decompressSync(b) };
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return { codec: "gzip", bytes: nodeZlib(zlib.gunzipSync, b, maxBytes) };
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39) return { codec: "bz2", bytes: bz2(b, maxBytes) };
  if ((b[0] & 0x0f) === 8 && ((b[0] << 8) | b[1]) % 31 === 0) {
    try {
      return { codec: "zlib", bytes: nodeZlib(zlib.inflateSync, b, maxBytes) };
    } catch (e) {
      if (e instanceof OverLimitError) throw e; // a zlib header by chance: fall through to the others
    }
  }
  if (b[0] === 0x5d && b[1] === 0x00 && b[2] === 0x00) {
    const size = lzmaAloneSize(b);
    if (size !== null && size !== Infinity) {
      if (size > maxBytes) throw new OverLimitError(`.lzma data declares ${size} bytes, over ${maxBytes}`);
      return { codec: "lzma-alone", bytes: lzma.decompressSync(b) };
    }
    if (size === Infinity) return { codec: "lzma-alone", bytes: lzmaAloneUnsized(b, maxBytes) };
  }
  // Raw LZMA2: the first chunk must reset the dictionary (0x01 stored, or 0xe0-0xff LZMA).
  if (b[0] === 0x01 || b[0] >= 0xe0) {
    let walk: { total: number; end: number } | null = null;
    try {
      walk = lzma2Chunks(b, 0, b.length);
    } catch (e) {
      if (!(e instanceof MalformedError)) throw e;
    }
    if (walk) {
      if (walk.total > maxBytes) throw new OverLimitError(`LZMA2 data declares ${walk.total} bytes, over ${maxBytes}`);
      return { codec: "lzma2-raw", bytes: lzma2.decompressSync(b.subarray(0, walk.end)) };
    }
  }
  // Raw deflate has no header: the first block's type must be valid (not 3), and a stored block's
  // length must match its complement, before node:zlib is asked (a refusal there costs an Error).
  const btype = (b[0] >> 1) & 3;
  if (btype === 3 || (btype === 0 && ((b[1] | (b[2] << 8)) ^ (b[3] | (b[4] << 8))) !== 0xffff)) return null;
  try {
    return { codec: "deflate-raw", bytes: nodeZlib(zlib.inflateRawSync, b, maxBytes) };
  } catch (e) {
    if (e instanceof OverLimitError) throw e;
    return null;
  }
}
