// How small general-purpose compressors make a buffer, measured without keeping the output: each
// codec runs as a stream at its strongest setting and only the bytes it emits are counted.
//  - brotli: quality 11, 16 MiB window (BROTLI_MAX_WINDOW_BITS), generic mode, from node:zlib;
//  - xz: preset 9 | extreme, no integrity check (the smallest container an entry could ship), from
//    the node-liblzma package (liblzma through Node-API), loaded once; where it does not load, the
//    codec is reported unavailable with the reason instead of failing the measurement.
// A measurement may stop early: once a stream has emitted more than `stopAbove` bytes its final size
// is known to exceed that limit (a compressed stream only grows), so the rest need not be computed.
// Streams run on libuv's thread pool, so the codecs measure in parallel.
import type { Transform } from "node:stream";
import * as zlib from "node:zlib";
import { PgolfError } from "../core/error.js";

export type SizeCodec = "brotli" | "xz";

export const SIZE_CODECS: readonly SizeCodec[] = ["brotli", "xz"];

export interface CompressedSize {
  codec: SizeCodec;
  /** Bytes compressed. */
  input_bytes: number;
  /** Compressed bytes; when `complete` is false, the bytes emitted when it was stopped (the full size is larger). */
  bytes: number;
  /** False when the stream was stopped past `stopAbove`. */
  complete: boolean;
  seconds: number;
}

type Liblzma = typeof import("node-liblzma");

async function loadLiblzma(): Promise<Liblzma | Error> {
  try {
    return await import("node-liblzma");
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

const LIBLZMA: Liblzma | Error = await loadLiblzma();

/** liblzma's LZMA_PRESET_EXTREME flag. */
const LZMA_PRESET_EXTREME = 0x80000000;

/** Why a codec cannot be used on this machine, or null when it can. */
export function sizeCodecUnavailable(codec: SizeCodec): string | null {
  if (codec === "xz" && LIBLZMA instanceof Error) return `the node-liblzma package did not load (${LIBLZMA.message})`;
  return null;
}

function encoder(codec: SizeCodec, inputBytes: number): Transform {
  if (codec === "brotli") {
    return zlib.createBrotliCompress({
      params: {
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_LGWIN]: zlib.constants.BROTLI_MAX_WINDOW_BITS,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: inputBytes,
      },
    });
  }
  if (LIBLZMA instanceof Error) {
    throw new PgolfError("ARTIFACT_CODEC", `xz is not available: ${sizeCodecUnavailable("xz")}`, { fix: "reinstall pgolf's dependencies (npm ci)" });
  }
  // node-liblzma types its stream with an extra "progress" overload; it is a node:stream Transform
  return LIBLZMA.createXz({ preset: 9 | LZMA_PRESET_EXTREME, check: LIBLZMA.check.NONE }) as unknown as Transform;
}

/** Bytes fed to an encoder per write, so that a stop takes effect within one chunk. */
const CHUNK_BYTES = 1 << 20;

/**
 * The compressed size of `input` under `codec`, stopping once more than `stopAbove` bytes came out
 * (Infinity: never stop). `what` names the input in errors.
 */
export function compressedSize(input: Uint8Array, codec: SizeCodec, stopAbove = Infinity, what = "input"): Promise<CompressedSize> {
  const t0 = performance.now();
  const stream = encoder(codec, input.length);
  return new Promise<CompressedSize>((resolve, reject) => {
    let out = 0;
    let settled = false;
    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ codec, input_bytes: input.length, bytes: out, complete, seconds: (performance.now() - t0) / 1000 });
    };
    stream.on("data", (chunk: Buffer) => {
      out += chunk.length;
      if (out > stopAbove && !settled) {
        finish(false);
        stream.destroy();
      }
    });
    stream.on("end", () => finish(true));
    stream.on("error", (e) => {
      if (settled) return;
      settled = true;
      reject(new PgolfError("ARTIFACT_CODEC", `${codec} failed while compressing ${what}: ${e.message}`, { fix: "check free memory (xz preset 9e needs about 700 MB) and retry", cause: e }));
    });
    void (async () => {
      for (let o = 0; o < input.length && !settled; o += CHUNK_BYTES) {
        if (!stream.write(input.subarray(o, Math.min(o + CHUNK_BYTES, input.length)))) {
          // wait for the encoder to take more, or for it to be stopped
          await new Promise<void>((r) => {
            stream.once("drain", r);
            stream.once("close", r);
          });
        }
      }
      if (!settled) stream.end();
    })();
  });
}
