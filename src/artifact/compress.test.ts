// compress.ts: every codec (zlib, brotli, zstd, lzma) available on this Node and round-tripping
// weight-like bytes; the formats other tools read and write (zlib's own inflate; node:zlib's zstd,
// where this Node has it, and the zstd command line, where installed, against the zstd package;
// Python's lzma against our xz, in a real python3 process); compressBest picking the smallest of
// all four; frame errors; and decompression bombs (1 GiB of zeros) for each codec stopped at the
// limit before they allocate it, including zstd frames that do not declare their size and xz
// streams whose chunk headers lie.
import { throwsCode } from "../../test/support/errors.js";
import { reseal } from "../../test/support/reseal.js";
import * as zstdWasm from "@bokuweb/zstd-wasm";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import * as zlib from "node:zlib";
import { availableCodecs, CODEC_IDS, codecAvailable, compress, compressBest, compressFramed, decompress, decompressFramed, FRAME_OVERHEAD_BYTES, readFrameHeader, type Codec } from "./compress.js";

const ALL_CODECS: Codec[] = ["zlib", "brotli", "zstd", "lzma"];

/** Something shaped like quantized weights: small integers around zero, some structure, some noise. */
function sample(n: number): Uint8Array {
  let s = 12345;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (Math.round(((s >>> 16) / 65536 - 0.5) * 20) + (i % 64 === 0 ? 100 : 0)) & 255;
  }
  return out;
}

/** node:zlib's zstd (Node >= 22.15 / 23.8; not in Node 20's types). */
function nodeZstd(): { compress: (b: Uint8Array) => Buffer; decompress: (b: Uint8Array) => Buffer } | undefined {
  const z = zlib as unknown as Record<string, (b: Uint8Array) => Buffer>;
  return typeof z.zstdCompressSync === "function" ? { compress: z.zstdCompressSync, decompress: z.zstdDecompressSync } : undefined;
}

function hasCommand(cmd: string, arg = "--version"): boolean {
  return spawnSync(cmd, [arg], { stdio: "ignore" }).status === 0;
}

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-compress-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("all four codecs are available and round-trip; zlib writes the zlib format at level 9", () => {
  const raw = sample(200_000);
  assert.deepEqual(availableCodecs(), ALL_CODECS, "zstd and lzma come from packages where node:zlib lacks them");
  for (const codec of ALL_CODECS) {
    assert.ok(codecAvailable(codec));
    const c = compress(raw, codec);
    assert.ok(c.length < raw.length, `${codec} compresses`);
    assert.deepEqual(decompress(c, codec, { maxOutputBytes: raw.length }), raw);
    assert.deepEqual(decompressFramed(compressFramed(raw, codec), { maxOutputBytes: raw.length }), raw);
  }
  const z = compress(raw, "zlib");
  assert.equal(z[0], 0x78, "zlib header (CMF)");
  assert.equal(z[1], 0xda, "zlib header: maximum compression level flag");
  assert.deepEqual(new Uint8Array(zlib.inflateSync(z)), raw);
  const x = compress(raw, "lzma");
  assert.deepEqual([...x.subarray(0, 6)], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz magic");
  assert.equal(x[7], 4, "xz stream flags: CRC64 check, as Python's lzma.compress writes");
  assert.equal(Buffer.from(compress(raw, "zstd").subarray(0, 4)).readUInt32LE(0), 0xfd2fb528, "zstd frame magic");
  const empty = new Uint8Array(0);
  for (const codec of ALL_CODECS) assert.equal(decompressFramed(compressFramed(empty, codec), { maxOutputBytes: 0 }).length, 0);
  throwsCode(() => compress(raw, "lz4" as Codec), "ARTIFACT_CODEC");
  throwsCode(() => decompress(raw, "lz4" as Codec, { maxOutputBytes: 10 }), "ARTIFACT_CODEC");
});

test("zstd: the package's frames and node:zlib's (or the zstd command's) read each other", async (t) => {
  const raw = sample(300_000);
  // compress.ts initialises the package where node:zlib has no zstd (initialising it twice would
  // instantiate its wasm twice); elsewhere this test does.
  if (nodeZstd()) await zstdWasm.init();
  const fromPackage = zstdWasm.compress(raw, 19);
  const ours = compress(raw, "zstd");
  assert.deepEqual(decompress(fromPackage, "zstd", { maxOutputBytes: raw.length }), raw);

  await t.test("node:zlib's zstd", (t) => {
    const nz = nodeZstd();
    if (!nz) {
      t.skip(`node:zlib ${process.versions.node} has no zstd (it does from 22.15 / 23.8), so here compress.ts uses the package for both directions`);
      return;
    }
    assert.deepEqual(new Uint8Array(nz.decompress(fromPackage)), raw, "node:zlib reads the package's frame");
    assert.deepEqual(zstdWasm.decompress(nz.compress(raw)), raw, "the package reads node:zlib's frame");
    assert.deepEqual(zstdWasm.decompress(ours), raw, "the package reads compress.ts's frame (node:zlib's here)");
  });

  await t.test("the zstd command", (t) => {
    if (!hasCommand("zstd")) {
      t.skip("no zstd command installed");
      return;
    }
    const dir = tmpDir(t);
    fs.writeFileSync(path.join(dir, "ours.zst"), ours);
    const out = spawnSync("zstd", ["-d", "-c", path.join(dir, "ours.zst")], { maxBuffer: 1 << 26 });
    assert.equal(out.status, 0, out.stderr?.toString());
    assert.deepEqual(new Uint8Array(out.stdout), raw, "zstd -d reads compress.ts's frame");
    fs.writeFileSync(path.join(dir, "raw"), raw);
    const theirs = spawnSync("zstd", ["-19", "-q", "-c", path.join(dir, "raw")], { maxBuffer: 1 << 26 });
    assert.equal(theirs.status, 0, theirs.stderr?.toString());
    assert.deepEqual(decompress(new Uint8Array(theirs.stdout), "zstd", { maxOutputBytes: raw.length }), raw, "compress.ts reads zstd -19's frame");
  });
});

test("lzma: Python's lzma reads our xz, and we read what Python's lzma.compress writes", (t) => {
  if (!hasCommand("python3")) {
    t.skip("no python3 installed");
    return;
  }
  const raw = sample(300_000);
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, "raw"), raw);
  fs.writeFileSync(path.join(dir, "ours.xz"), compress(raw, "lzma"));
  const script = [
    "import json, lzma, os, sys",
    "d = sys.argv[1]",
    "raw = open(os.path.join(d, 'raw'), 'rb').read()",
    "ours = open(os.path.join(d, 'ours.xz'), 'rb').read()",
    "dec = lzma.LZMADecompressor()",
    "out = dec.decompress(ours)",
    "theirs = lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)",
    "open(os.path.join(d, 'theirs.xz'), 'wb').write(theirs)",
    "print(json.dumps({'equal': out == raw, 'eof': dec.eof, 'check': dec.check, 'crc64': lzma.CHECK_CRC64, 'same_bytes': theirs == ours}))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { equal: boolean; eof: boolean; check: number; crc64: number; same_bytes: boolean };
  assert.ok(got.equal, "lzma.decompress gives the raw bytes back");
  assert.ok(got.eof, "one complete xz stream");
  assert.equal(got.check, got.crc64, "CRC64 check, Python's default");
  t.diagnostic(`byte-identical to Python's lzma.compress(preset=9|PRESET_EXTREME): ${got.same_bytes}`);
  const theirs = new Uint8Array(fs.readFileSync(path.join(dir, "theirs.xz")));
  assert.deepEqual(decompress(theirs, "lzma", { maxOutputBytes: raw.length }), raw);
  assert.deepEqual(decompressFramed(compressFramed(raw, "lzma"), { maxOutputBytes: raw.length }), raw);
});

test("compressBest frames the smallest of all four codecs' output and records the codec", (t) => {
  const raw = sample(100_000);
  const sizes = availableCodecs().map((codec) => ({ codec, size: compress(raw, codec).length }));
  assert.deepEqual(sizes.map((s) => s.codec), ALL_CODECS);
  t.diagnostic(`sizes of 100000 weight-like bytes: ${sizes.map((s) => `${s.codec} ${s.size}`).join(", ")}`);
  const smallest = sizes.reduce((a, b) => (b.size < a.size ? b : a));
  const framed = compressBest(raw);
  assert.equal(framed.length, smallest.size + FRAME_OVERHEAD_BYTES);
  const h = readFrameHeader(framed, { maxOutputBytes: raw.length });
  assert.deepEqual(h, { codec: smallest.codec, rawLength: raw.length, compressedLength: smallest.size });
  assert.deepEqual(decompressFramed(framed, { maxOutputBytes: raw.length }), raw);
  for (const codec of ALL_CODECS) {
    const one = compressBest(raw, [codec]);
    assert.equal(readFrameHeader(one, { maxOutputBytes: raw.length }).codec, codec);
    assert.equal(one[5], CODEC_IDS[codec]);
    assert.deepEqual(decompressFramed(one, { maxOutputBytes: raw.length }), raw);
  }
  // Text-like input, where the codecs rank differently: still the smallest.
  const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog; ".repeat(4000) + String(sample(20_000)));
  const best = readFrameHeader(compressBest(text), { maxOutputBytes: text.length });
  assert.equal(best.compressedLength, Math.min(...ALL_CODECS.map((c) => compress(text, c).length)));
});

test("frame errors: magic, version, truncated, length, checksum, unknown codec, declared size over the limit", () => {
  const raw = sample(5000);
  const good = compressFramed(raw, "zlib");
  const limit = { maxOutputBytes: raw.length };
  const bad = good.slice();
  bad[0] ^= 1;
  throwsCode(() => decompressFramed(bad, limit), "ARTIFACT_MAGIC");
  const version = good.slice();
  version[4] = 9;
  throwsCode(() => decompressFramed(version, limit), "ARTIFACT_VERSION");
  throwsCode(() => decompressFramed(good.subarray(0, 20), limit), "ARTIFACT_TRUNCATED");
  throwsCode(() => decompressFramed(good.subarray(0, good.length - 1), limit), "ARTIFACT_TRUNCATED");
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  throwsCode(() => decompressFramed(longer, limit), "ARTIFACT_LENGTH");
  for (const at of [5, 30, good.length - 1]) {
    const flipped = good.slice();
    flipped[at] ^= 0x10;
    throwsCode(() => decompressFramed(flipped, limit), "ARTIFACT_CHECKSUM");
  }
  const codec = good.slice();
  codec[5] = 42;
  throwsCode(() => decompressFramed(reseal(codec), limit), "ARTIFACT_CODEC");
  throwsCode(() => decompressFramed(good, { maxOutputBytes: raw.length - 1 }), "ARTIFACT_TOO_LARGE");
  // A frame whose raw length understates the content: inflation stops at the declared length.
  for (const c of ALL_CODECS) {
    const under = compressFramed(raw, c);
    new DataView(under.buffer).setBigUint64(6, BigInt(raw.length - 1), true);
    throwsCode(() => decompressFramed(reseal(under), limit), "ARTIFACT_DECOMPRESS_LIMIT");
    const over = compressFramed(raw, c);
    new DataView(over.buffer).setBigUint64(6, BigInt(raw.length + 1), true);
    throwsCode(() => decompressFramed(reseal(over), { maxOutputBytes: raw.length + 1 }), "ARTIFACT_LENGTH");
  }
  // Damaged compressed data (checksum fixed up): the codec's own error, under a stable code.
  for (const c of ALL_CODECS) {
    const damaged = compressFramed(raw, c);
    damaged[22] ^= 0xff;
    throwsCode(() => decompressFramed(reseal(damaged), limit), "ARTIFACT_DECOMPRESS");
    const inner = compress(raw, c);
    if (c === "zlib" || c === "lzma") {
      // Formats with a check of their own (adler32, CRC64); brotli and zstd frames (as written
      // here) have none, and the frame's sha256 covers them.
      const middle = inner.slice();
      middle[Math.floor(middle.length / 2)] ^= 0x55;
      throwsCode(() => decompress(middle, c, limit), "ARTIFACT_DECOMPRESS");
    }
    throwsCode(() => decompress(inner.subarray(0, inner.length - 7), c, limit), "ARTIFACT_DECOMPRESS");
    throwsCode(() => decompress(Uint8Array.from([1, 2, 3, 4]), c, limit), "ARTIFACT_DECOMPRESS");
  }
});

test("xz: only one whole stream is read, and liblzma holds it to its chunk headers", () => {
  const raw = sample(50_000);
  const one = compress(raw, "lzma");
  const limit = { maxOutputBytes: 10 * raw.length };
  // Concatenated streams (which liblzma would decode one after the other) and trailing bytes.
  const two = new Uint8Array(one.length * 2);
  two.set(one);
  two.set(one, one.length);
  throwsCode(() => decompress(two, "lzma", limit), "ARTIFACT_DECOMPRESS");
  throwsCode(() => decompress(Uint8Array.from([...one, 0, 0, 0, 0]), "lzma", limit), "ARTIFACT_DECOMPRESS");
  // 1 MiB of zeros is one LZMA2 chunk; one stating half that is refused, not decoded past it.
  const zeros = lzmaZeros(1);
  assert.deepEqual(decompress(zeros, "lzma", { maxOutputBytes: CHUNK }), new Uint8Array(CHUNK));
  const lying = zeros.slice();
  const at = lzma2ChunkOffset(lying);
  lying[at] = (lying[at] & 0xe0) | 0x07; // unpacked size - 1: 0x0fffff -> 0x07ffff
  throwsCode(() => decompress(lying, "lzma", { maxOutputBytes: CHUNK }), "ARTIFACT_DECOMPRESS");
  throwsCode(() => decompress(lying, "lzma", { maxOutputBytes: CHUNK / 2 }), "ARTIFACT_DECOMPRESS");
});

/** 1 GiB of zeros streamed through a compressor (never held in memory whole). */
async function bomb(compressor: zlib.Deflate | zlib.BrotliCompress): Promise<Uint8Array> {
  const chunk = Buffer.alloc(1 << 20);
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from((function* () {
      for (let i = 0; i < 1024; i++) yield chunk;
    })()),
    compressor,
    new Writable({
      write(c: Buffer, _enc, done) {
        parts.push(c);
        done();
      },
    }),
  );
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB zeros (4 bytes each), declaring its content size
 * in the header or not (RFC 8878 §3.1.1). 8192 blocks: 1 GiB from 32 KiB.
 */
function zstdZeros(blocks: number, declareSize: boolean): Uint8Array {
  const header = declareSize ? [0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x38] : [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]; // FCS: 8 bytes or none; window 128 KiB
  const out = new Uint8Array(header.length + (declareSize ? 8 : 0) + blocks * 4);
  out.set(header);
  if (declareSize) new DataView(out.buffer).setBigUint64(header.length, BigInt(blocks) * 131072n, true);
  for (let i = 0, at = out.length - blocks * 4; i < blocks; i++, at += 4) {
    const h = (131072 << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0); // size, RLE, last block
    out[at] = h & 0xff;
    out[at + 1] = (h >> 8) & 0xff;
    out[at + 2] = h >> 16;
    out[at + 3] = 0;
  }
  return out;
}

/** Zeros that liblzma (preset 9e) writes as one LZMA2 chunk. */
const CHUNK = 2 ** 20;

/** Offset of the first LZMA2 chunk in a one-block xz stream. */
function lzma2ChunkOffset(xz: Uint8Array): number {
  return 12 + (xz[12] + 1) * 4;
}

function vli(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/**
 * A valid xz stream of `chunks` MiB of zeros without a check: the one LZMA2 chunk liblzma writes
 * for 1 MiB of zeros, then copies of its data that keep the dictionary (control 0xa0: state reset
 * only), each decoding to the same 1 MiB. 1024 chunks: 1 GiB from 230 KiB.
 */
function lzmaZeros(chunks: number): Uint8Array {
  const src = compress(new Uint8Array(CHUNK), "lzma");
  const at = lzma2ChunkOffset(src);
  assert.equal(src[at] & 0xe0, 0xe0, "dictionary reset, new properties");
  assert.equal(((src[at] & 0x1f) << 16) + ((src[at + 1] << 8) | src[at + 2]) + 1, CHUNK);
  const packed = ((src[at + 3] << 8) | src[at + 4]) + 1;
  assert.equal(src[at + 6 + packed], 0x00, "1 MiB of zeros is a single LZMA2 chunk");
  const data = src.subarray(at + 6, at + 6 + packed);
  const block: number[] = [...src.subarray(12, at), ...src.subarray(at, at + 6), ...data];
  for (let i = 1; i < chunks; i++) block.push(0xa0 | (src[at] & 0x1f), src[at + 1], src[at + 2], src[at + 3], src[at + 4], ...data);
  block.push(0x00);
  const unpadded = block.length;
  while (block.length % 4) block.push(0);
  const index = [0x00, ...vli(1), ...vli(unpadded), ...vli(chunks * CHUNK)];
  while (index.length % 4) index.push(0);
  index.push(...u32le(zlib.crc32(Uint8Array.from(index))));
  const flags = [0x00, 0x00]; // no check
  const tail = [...u32le(index.length / 4 - 1), ...flags];
  return Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, ...flags, ...u32le(zlib.crc32(Uint8Array.from(flags))), ...block, ...index, ...u32le(zlib.crc32(Uint8Array.from(tail))), ...tail, 0x59, 0x5a]);
}

function frameOf(compressed: Uint8Array, codec: Codec, rawLength: number): Uint8Array {
  const out = new Uint8Array(22 + compressed.length + 32);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from("PGCZ", "latin1"), 0);
  out[4] = 1;
  out[5] = CODEC_IDS[codec];
  dv.setBigUint64(6, BigInt(rawLength), true);
  dv.setBigUint64(14, BigInt(compressed.length), true);
  out.set(compressed, 22);
  return reseal(out);
}

test("the hand-built zstd and xz bombs are real: small ones decode to zeros", () => {
  for (const declareSize of [true, false]) {
    assert.deepEqual(decompress(zstdZeros(8, declareSize), "zstd", { maxOutputBytes: 8 * 131072 }), new Uint8Array(8 * 131072));
  }
  assert.deepEqual(decompress(lzmaZeros(4), "lzma", { maxOutputBytes: 4 * CHUNK }), new Uint8Array(4 * CHUNK));
  const nz = nodeZstd();
  if (nz) assert.equal(nz.decompress(zstdZeros(8, false)).length, 8 * 131072);
});

test("decompression bombs (1 GiB of zeros) stop at the limit with a stable code", async () => {
  const limit = 16_000_000;
  const bombs: Array<[string, Codec, Uint8Array]> = [
    ["zlib", "zlib", await bomb(zlib.createDeflate({ level: 9 }))],
    ["brotli", "brotli", await bomb(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }))],
    ["zstd declaring its size", "zstd", zstdZeros(8192, true)],
    ["zstd not declaring its size", "zstd", zstdZeros(8192, false)],
    ["xz", "lzma", lzmaZeros(1024)],
  ];
  for (const [name, codec, data] of bombs) {
    assert.ok(data.length < 1_100_000, `${name} bomb is small: ${data.length} bytes`);
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    throwsCode(() => decompress(data, codec, { maxOutputBytes: limit }), "ARTIFACT_DECOMPRESS_LIMIT");
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().rss - before;
    assert.ok(ms < 2000, `${name}: stopped early (${ms.toFixed(0)} ms)`);
    assert.ok(grown < 256 * 2 ** 20, `${name}: memory stayed bounded (rss +${(grown / 2 ** 20).toFixed(0)} MiB)`);
    // Framed and honest: rejected from the header, before inflating anything.
    throwsCode(() => decompressFramed(frameOf(data, codec, 2 ** 30), { maxOutputBytes: limit }), "ARTIFACT_TOO_LARGE");
    // Framed and lying about its raw length: inflation stops at the declared length.
    throwsCode(() => decompressFramed(frameOf(data, codec, 1000), { maxOutputBytes: limit }), "ARTIFACT_DECOMPRESS_LIMIT");
  }
});
