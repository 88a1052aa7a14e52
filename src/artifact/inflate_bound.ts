// How far compressed data can inflate, read from its headers without inflating anything: what
// compress.ts checks against the output limit before it hands zstd or xz data to a decoder that
// cannot stop at a limit by itself (the zstd wasm fallback, node-liblzma's unxzSync).
//
// zstd (RFC 8878 §3.1.1): the first frame's header may declare Frame_Content_Size; the decoder
// refuses a frame whose content differs from it.
//
// xz (.xz file format 1.2.0): a stream is a header, blocks, an index and a footer. Each block's
// data ends in LZMA2, a run of chunks whose headers state how many bytes each decodes to; liblzma
// refuses a chunk that decodes to more or less, and the filters that may sit before LZMA2 (delta,
// BCJ) keep sizes. So the sum of the chunk sizes is an exact upper bound on what the stream can
// produce. Only one stream that fills the buffer exactly is accepted (no padding, no concatenated
// streams), so the decoder sees no block the walk did not count.

/** Data that is not a well-formed stream of the codec; the message says where. */
export class MalformedError extends Error {}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * The content size the first zstd frame declares, or undefined when its header leaves it out.
 * Throws MalformedError when `bytes` does not start with a zstd frame header.
 */
export function zstdDeclaredSize(bytes: Uint8Array): bigint | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 5 || dv.getUint32(0, true) !== ZSTD_MAGIC) throw new MalformedError("not a zstd frame (magic number missing)");
  const fhd = bytes[4];
  if (fhd & 0x08) throw new MalformedError("zstd frame header sets its reserved bit");
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  // libzstd (32-bit, as in wasm) refuses windows over 2^30; the header is not read further then.
  if (!singleSegment && bytes.length > 5 && 10 + (bytes[5] >> 3) > 30) throw new MalformedError("zstd frame declares a window over 1 GiB");
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  if (bytes.length < at + fcsBytes) throw new MalformedError("zstd frame header is truncated");
  switch (fcsBytes) {
    case 0:
      return undefined;
    case 1:
      return BigInt(bytes[at]);
    case 2:
      return BigInt(dv.getUint16(at, true) + 256);
    case 4:
      return BigInt(dv.getUint32(at, true));
    default:
      return dv.getBigUint64(at, true);
  }
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const XZ_HEADER_BYTES = 12;
const XZ_FOOTER_BYTES = 12;

/** Bytes of a block's check field for an xz check id (0 none, 1 CRC32, 4 CRC64, 10 SHA-256, ...). */
function checkBytes(id: number): number {
  return id === 0 ? 0 : 4 << Math.floor((id - 1) / 3);
}

/**
 * The most bytes a single xz stream can decompress to: the sum of its LZMA2 chunk sizes.
 * Throws MalformedError when `bytes` is not exactly one well-formed xz stream.
 */
export function xzInflateBound(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < XZ_HEADER_BYTES + XZ_FOOTER_BYTES || XZ_MAGIC.some((b, i) => bytes[i] !== b)) throw new MalformedError("not an xz stream (magic number missing)");
  const flags = bytes[7];
  if (bytes[6] !== 0 || flags > 0x0f) throw new MalformedError("xz stream header has unsupported flags");
  const footer = n - XZ_FOOTER_BYTES;
  if (bytes[n - 2] !== 0x59 || bytes[n - 1] !== 0x5a) throw new MalformedError("xz stream does not end in its footer (truncated, padded or several streams)");
  if (bytes[footer + 8] !== 0 || bytes[footer + 9] !== flags) throw new MalformedError("xz stream footer does not match its header");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indexStart = footer - (dv.getUint32(footer + 4, true) + 1) * 4;
  if (indexStart < XZ_HEADER_BYTES || bytes[indexStart] !== 0) throw new MalformedError("xz index is not where the footer says");
  const check = checkBytes(flags);
  let total = 0;
  let at = XZ_HEADER_BYTES;
  while (at < indexStart) {
    const blockStart = at;
    if (bytes[at] === 0) throw new MalformedError(`xz index indicator at byte ${at}, before the index`);
    at += (bytes[at] + 1) * 4; // block header, its size byte first
    const chunks = lzma2Chunks(bytes, at, indexStart, `xz block at byte ${blockStart}`);
    total += chunks.total;
    at = chunks.end;
    at += (4 - ((at - blockStart) % 4)) % 4; // block padding
    at += check;
  }
  if (at !== indexStart) throw new MalformedError("xz blocks do not end where the index starts");
  return total;
}

/**
 * Walks LZMA2 chunk headers from `start` (the data of an xz block, or a raw LZMA2 stream such as
 * Python's `lzma.compress(..., format=FORMAT_RAW, filters=[{"id": FILTER_LZMA2}])`) up to its end
 * marker (control byte 0x00), never reading at or past `limit`. Returns the sum of the chunks'
 * unpacked sizes (an exact bound on what the data decodes to, bytes) and the offset after the end
 * marker. Throws MalformedError on a control byte LZMA2 does not define or a chunk past `limit`.
 */
export function lzma2Chunks(bytes: Uint8Array, start: number, limit: number, where = "LZMA2 data"): { total: number; end: number } {
  let total = 0;
  let at = start;
  for (;;) {
    if (at >= limit) throw new MalformedError(`${where} runs past its end`);
    const control = bytes[at];
    if (control === 0x00) return { total, end: at + 1 };
    if (control === 0x01 || control === 0x02) {
      // Stored chunk: u16 big-endian size - 1, then the bytes.
      if (at + 3 > limit) throw new MalformedError(`${where} runs past its end`);
      const size = ((bytes[at + 1] << 8) | bytes[at + 2]) + 1;
      total += size;
      at += 3 + size;
    } else if (control >= 0x80) {
      // LZMA chunk: 21-bit unpacked size - 1, u16 packed size - 1, a properties byte from 0xc0 on.
      if (at + 5 > limit) throw new MalformedError(`${where} runs past its end`);
      total += ((control & 0x1f) << 16) + ((bytes[at + 1] << 8) | bytes[at + 2]) + 1;
      at += (control >= 0xc0 ? 6 : 5) + ((bytes[at + 3] << 8) | bytes[at + 4]) + 1;
    } else {
      throw new MalformedError(`${where} holds an LZMA2 control byte 0x${control.toString(16)} that is not valid`);
    }
  }
}
