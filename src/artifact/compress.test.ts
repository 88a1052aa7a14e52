import { throwsCode } from "../../test/support/errors.js";
import { reseal } from "../../test/support/reseal.js";
import assert from "node:assert/strict";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import * as zlib from "node:zlib";
import { availableCodecs, codecAvailable, compress, compressBest, compressFramed, decompress, decompressFramed, FRAME_OVERHEAD_BYTES, readFrameHeader, type Codec } from "./compress.js";



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

test("every available codec round-trips; zlib writes the zlib format at level 9", () => {
  const raw = sample(200_000);
  assert.deepEqual(availableCodecs().slice(0, 2), ["zlib", "brotli"]);
  for (const codec of availableCodecs()) {
    const c = compress(raw, codec);
    assert.ok(c.length < raw.length, `${codec} compresses`);
    assert.deepEqual(decompress(c, codec, { maxOutputBytes: raw.length }), raw);
    assert.deepEqual(decompressFramed(compressFramed(raw, codec), { maxOutputBytes: raw.length }), raw);
  }
  const z = compress(raw, "zlib");
  assert.equal(z[0], 0x78, "zlib header (CMF)");
  assert.equal(z[1], 0xda, "zlib header: maximum compression level flag");
  assert.deepEqual(new Uint8Array(zlib.inflateSync(z)), raw);
  const empty = new Uint8Array(0);
  for (const codec of availableCodecs()) assert.equal(decompressFramed(compressFramed(empty, codec), { maxOutputBytes: 0 }).length, 0);
});

test("zstd: used when node:zlib has it, otherwise a clear ARTIFACT_CODEC error", () => {
  const raw = sample(10_000);
  if (codecAvailable("zstd")) {
    assert.deepEqual(decompress(compress(raw, "zstd"), "zstd", { maxOutputBytes: raw.length }), raw);
  } else {
    assert.ok(!availableCodecs().includes("zstd"));
    throwsCode(() => compress(raw, "zstd"), "ARTIFACT_CODEC");
    throwsCode(() => decompress(raw, "zstd", { maxOutputBytes: 10 }), "ARTIFACT_CODEC");
  }
  throwsCode(() => compress(raw, "lzma" as Codec), "ARTIFACT_CODEC");
});

test("compressBest frames the smallest codec's output and records the codec", () => {
  const raw = sample(100_000);
  const sizes = availableCodecs().map((codec) => ({ codec, size: compress(raw, codec).length }));
  const smallest = sizes.reduce((a, b) => (b.size < a.size ? b : a));
  const framed = compressBest(raw);
  assert.equal(framed.length, smallest.size + FRAME_OVERHEAD_BYTES);
  const h = readFrameHeader(framed, { maxOutputBytes: raw.length });
  assert.deepEqual(h, { codec: smallest.codec, rawLength: raw.length, compressedLength: smallest.size });
  assert.deepEqual(decompressFramed(framed, { maxOutputBytes: raw.length }), raw);
  assert.equal(readFrameHeader(compressBest(raw, ["zlib"]), { maxOutputBytes: raw.length }).codec, "zlib");
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
  const under = good.slice();
  new DataView(under.buffer).setBigUint64(6, BigInt(raw.length - 1), true);
  throwsCode(() => decompressFramed(reseal(under), limit), "ARTIFACT_DECOMPRESS_LIMIT");
  const over = good.slice();
  new DataView(over.buffer).setBigUint64(6, BigInt(raw.length + 1), true);
  throwsCode(() => decompressFramed(reseal(over), { maxOutputBytes: raw.length + 1 }), "ARTIFACT_LENGTH");
  // Damaged compressed data (checksum fixed up): the codec's own error, under a stable code.
  const damaged = good.slice();
  damaged[22] ^= 0xff;
  throwsCode(() => decompressFramed(reseal(damaged), limit), "ARTIFACT_DECOMPRESS");
  throwsCode(() => decompress(Uint8Array.from([1, 2, 3, 4]), "brotli", limit), "ARTIFACT_DECOMPRESS");
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

function frameOf(compressed: Uint8Array, codec: Codec, rawLength: number): Uint8Array {
  const out = new Uint8Array(22 + compressed.length + 32);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from("PGCZ", "latin1"), 0);
  out[4] = 1;
  out[5] = codec === "zlib" ? 1 : 2;
  dv.setBigUint64(6, BigInt(rawLength), true);
  dv.setBigUint64(14, BigInt(compressed.length), true);
  out.set(compressed, 22);
  return reseal(out);
}

test("decompression bombs (1 GiB of zeros) stop at the limit with a stable code", async () => {
  const limit = 16_000_000;
  const bombs: Array<[Codec, Uint8Array]> = [
    ["zlib", await bomb(zlib.createDeflate({ level: 9 }))],
    ["brotli", await bomb(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }))],
  ];
  for (const [codec, data] of bombs) {
    assert.ok(data.length < 1_100_000, `${codec} bomb is small: ${data.length} bytes`);
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    throwsCode(() => decompress(data, codec, { maxOutputBytes: limit }), "ARTIFACT_DECOMPRESS_LIMIT");
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().rss - before;
    assert.ok(ms < 2000, `${codec}: stopped early (${ms.toFixed(0)} ms)`);
    assert.ok(grown < 256 * 2 ** 20, `${codec}: memory stayed bounded (rss +${(grown / 2 ** 20).toFixed(0)} MiB)`);
    // Framed and honest: rejected from the header, before inflating anything.
    throwsCode(() => decompressFramed(frameOf(data, codec, 2 ** 30), { maxOutputBytes: limit }), "ARTIFACT_TOO_LARGE");
    // Framed and lying about its raw length: inflation stops at the declared length.
    throwsCode(() => decompressFramed(frameOf(data, codec, 1000), { maxOutputBytes: limit }), "ARTIFACT_DECOMPRESS_LIMIT");
  }
});
