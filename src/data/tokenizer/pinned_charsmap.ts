// The nmt_nfkc character map pgolf trains tokenizers with, pinned in the repository
// (assets/nmt_nfkc.charsmap.br, made by scripts/gen-charsmap.ts). Building the rules from Node's own
// ICU would tie a tokenizer's bytes to the Unicode version of whatever Node built it; the pinned
// table makes `pgolf data prepare` byte-identical on every machine.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { PgolfError } from "../../core/error.js";

/** sha256 of the decompressed blob, and the Unicode version it was generated from. */
export const PINNED_SHA256 = "5febaab28312e9dbddb42be695c9e4380367f7ebe65121cdf894fb5d59d37eed";
export const PINNED_UNICODE = "17.0";
/** The same path from src/data/tokenizer and dist/data/tokenizer. */
const FILE = new URL("../../../assets/nmt_nfkc.charsmap.br", import.meta.url);

let cached: Uint8Array | undefined;

/** The pinned nmt_nfkc precompiled_charsmap blob, checksum-verified. */
export function pinnedNmtNfkcCharsMap(): Uint8Array {
  if (cached) return cached;
  let blob: Uint8Array;
  try {
    blob = zlib.brotliDecompressSync(fs.readFileSync(FILE));
  } catch (e) {
    throw new PgolfError("FILE_READ", `cannot read the pinned nmt_nfkc table: ${(e as Error).message}`, {
      file: FILE.pathname,
      fix: "reinstall pgolf (the file ships in its assets/ folder)",
      cause: e,
    });
  }
  const sha = createHash("sha256").update(blob).digest("hex");
  if (sha !== PINNED_SHA256) {
    throw new PgolfError("CHECKSUM_MISMATCH", `the pinned nmt_nfkc table has sha256 ${sha}, expected ${PINNED_SHA256}`, {
      file: FILE.pathname,
      fix: "reinstall pgolf, or regenerate it with scripts/gen-charsmap.ts and update PINNED_SHA256",
    });
  }
  cached = blob;
  return blob;
}
