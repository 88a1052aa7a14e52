// A submission's fingerprints: its code files unwrapped (unwrap.ts), tokenized (code_tokens.ts),
// and winnowed with Dolos's WinnowFilter (@dodona/dolos-core: k-grams of K tokens, one kept per
// window of W k-grams, the robust winnowing of Schleimer et al. 2003), K=23 and W=17 as Dolos
// defaults; these ranked best of the settings measured (see lineage.ts).
//
// Dolos's fingerprint values are 25-bit (mod 33,554,393): over the ~2,000,000 distinct k-grams of
// the contest corpus one value in 16 would be shared by chance, which would hide novel code. The
// positions are Dolos's; the value stored is a 32-bit hash of the same k-gram's token ids,
// computed here (chance collisions: about 1 in 2,000).
import { WinnowFilter } from "@dodona/dolos-core";
import { readConfined } from "../core/confined_read.js";
import { languageOf, tokenize } from "./code_tokens.js";
import { MAX_CODE_FILE_BYTES } from "./corpus.js";
import { unwrapSource, type UnwrapResult } from "./unwrap.js";

export const KGRAM_TOKENS = 23;
/** Code analysed per submission, in bytes (all files, unwrapped code included); past it files are skipped and reported. */
export const MAX_ANALYSED_BYTES = 16 * 1024 * 1024;
export const WINDOW_KGRAMS = 17;

export interface PrintFile {
  /** Path relative to the submission folder; `<file>#<n>` for unwrapped code. */
  name: string;
  /** How it was unwrapped ("b85+lzma2-raw"), for virtual files. */
  via?: string;
  /** Line of the packed literal in its parent file, for virtual files. */
  fromLine?: number;
  lines: number;
}

export interface SubmissionPrint {
  files: PrintFile[];
  /** Fingerprints in occurrence order: 32-bit k-gram hash, file (index into files), first and last 1-based line. */
  hash: Uint32Array;
  file: Uint16Array;
  start: Uint32Array;
  end: Uint32Array;
  /** Packed blobs left packed, and files that could not be read. */
  skipped: UnwrapResult["skipped"];
}

/** A token's id: FNV-1a of its text, so ids (and stored hashes) are the same in every process. */
const tokenIds = new Map<string, number>();
function tokenId(t: string): number {
  let id = tokenIds.get(t);
  if (id === undefined) {
    id = 0x811c9dc5;
    for (let i = 0; i < t.length; i++) id = Math.imul(id ^ t.charCodeAt(i), 0x01000193);
    tokenIds.set(t, (id >>>= 0));
  }
  return id;
}

/** 32-bit hash of tokens[start..start+K) (murmur3's mixing over token ids). */
function kgramHash(ids: Uint32Array, start: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + KGRAM_TOKENS; i++) {
    h = Math.imul(h ^ ids[i], 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fingerprints of the code files `code` (relative paths) of the submission in `dir`. */
export async function printSubmission(dir: string, code: string[], onText?: (file: string, text: string) => void): Promise<SubmissionPrint> {
  const files: PrintFile[] = [];
  const skipped: UnwrapResult["skipped"] = [];
  const hash: number[] = [];
  const fileOf: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const winnow = new WinnowFilter(KGRAM_TOKENS, WINDOW_KGRAMS);
  let analysed = 0; // characters of code, against MAX_ANALYSED_BYTES
  for (const name of code) {
    let text: string;
    try {
      // confined to the folder: a link or pipe is skipped with its reason, never followed
      text = readConfined(dir, name, MAX_CODE_FILE_BYTES).toString("utf8");
    } catch (e) {
      skipped.push({ file: name, line: 0, reason: `not readable: ${(e as Error).message}` });
      continue;
    }
    const lang = languageOf(name);
    if (!lang) continue;
    const unwrapped = lang === "python" ? unwrapSource(name, text) : { files: [{ name, text }], skipped: [] };
    skipped.push(...unwrapped.skipped);
    for (const sf of unwrapped.files) {
      if (files.length >= 0xffff) break;
      analysed += sf.text.length;
      if (analysed > MAX_ANALYSED_BYTES) {
        skipped.push({ file: sf.name, line: 0, reason: `over the ${MAX_ANALYSED_BYTES} bytes of code analysed per submission` });
        continue;
      }
      const fi = files.length;
      files.push({ name: sf.name, ...("via" in sf && sf.via ? { via: sf.via, fromLine: sf.fromLine } : {}), lines: sf.text.split("\n").length });
      onText?.(sf.name, sf.text);
      const ts = await tokenize(sf.text, lang);
      if (ts.tokens.length < KGRAM_TOKENS) continue;
      const ids = Uint32Array.from(ts.tokens, tokenId);
      for (const fp of winnow.fingerprints(ts.tokens)) {
        hash.push(kgramHash(ids, fp.start));
        fileOf.push(fi);
        start.push(ts.lines[fp.start]);
        end.push(ts.lines[fp.stop]);
      }
    }
  }
  return { files, hash: Uint32Array.from(hash), file: Uint16Array.from(fileOf), start: Uint32Array.from(start), end: Uint32Array.from(end), skipped };
}
