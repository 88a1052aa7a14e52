// Unwrapping packed code: submissions that ship their source as
// `exec(lzma.decompress(base64.b85decode("...")))` (or zlib, bz2, gzip; base64, base85, a85;
// nested) are analysed on the code they run, not on the blob. Every string literal long enough
// to hold code is tried: decoded by each text codec in turn, then decompressed (decompress_any.ts)
// or taken as is, and kept when the result reads as source text. A kept blob becomes its own
// virtual file, `<file>#<n>` (lines from 1), and is unwrapped again for nested packers; the
// literal is blanked in its file so the blob's characters are not analysed as code.
//
// Limits, against hostile blobs: at most MAX_DEPTH levels of nesting, MAX_BLOBS per file, and
// MAX_UNWRAPPED_BYTES produced per file in all; past them the rest stays packed (and is reported).
import { a85decode, b85decode } from "./base85.js";
import { decompressAny, OverLimitError, type Codec } from "./decompress_any.js";

export const MAX_DEPTH = 4;
export const MAX_BLOBS = 64;
/** Bytes of unwrapped code one file may produce, over all its blobs and levels. */
export const MAX_UNWRAPPED_BYTES = 8 * 1024 * 1024;
/** Shortest literal body tried, in characters: shorter blobs hold too little code to matter. */
export const MIN_LITERAL_CHARS = 64;

export interface SourceFile {
  /** File name in the submission; unwrapped blobs are `<file>#<n>`. */
  name: string;
  text: string;
  /** How a virtual file was unwrapped, e.g. "b85+lzma2-raw"; absent for a real file. */
  via?: string;
  /** For a virtual file, the 1-based line of the literal in the file it came from. */
  fromLine?: number;
}

export interface UnwrapResult {
  files: SourceFile[];
  /** Blobs left packed: over a limit, or a decoder failed on data that had a codec's magic. */
  skipped: { file: string; line: number; reason: string }[];
}

// A one-line string literal: optional prefix, then '...' or "..." on one line (triple-quoted strings
// are found separately). Adjacent literals (implicit concatenation) are joined by literals().
// The bodies are written unrolled ([^"\\\n]* runs between escapes): an alternation per character
// overflows V8's regex stack on a literal of a few MB.
const LITERAL = /(?<![A-Za-z0-9_])([rRbBuUfF]{0,2})(?:"([^"\\\n]*(?:\\.[^"\\\n]*)*)"|'([^'\\\n]*(?:\\.[^'\\\n]*)*)')/g;
const TRIPLE = /("""|''')([\s\S]*?)\1/g;

interface Literal {
  start: number;
  end: number;
  body: string;
}

/** Literals of `text` in order, adjacent ones (only whitespace or `\` newlines between) merged. Linear in the text. */
function literals(text: string): Literal[] {
  const triples: Literal[] = [];
  for (const m of text.matchAll(TRIPLE)) triples.push({ start: m.index!, end: m.index! + m[0].length, body: m[2] });
  const found: Literal[] = [...triples];
  let t = 0; // triples are in order, and so are one-line matches: one pointer finds the enclosing one
  for (const m of text.matchAll(LITERAL)) {
    const at = m.index!;
    while (t < triples.length && triples[t].end <= at) t++;
    if (t < triples.length && triples[t].start <= at) continue; // inside (or the quotes of) a triple-quoted string
    const body = m[2] ?? m[3];
    found.push({ start: at + m[1].length, end: at + m[0].length, body: /[rR]/.test(m[1]) ? body : unescape(body) });
  }
  found.sort((a, b) => a.start - b.start);
  const out: Literal[] = [];
  for (const f of found) {
    const prev = out[out.length - 1];
    if (prev && /^[\s\\]*$/.test(text.slice(prev.end, f.start))) {
      prev.end = f.end;
      prev.body += f.body;
    } else out.push({ ...f });
  }
  return out;
}

/** Python's escapes in a (non-raw) literal, as far as encoder alphabets need them. */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|\n|[\s\S])/g, (_, e: string) => {
    if (e[0] === "x" && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e === "\n") return ""; // a line continuation inside the literal
    return { n: "\n", t: "\t", r: "\r" }[e] ?? e;
  });
}

const TEXT_CODECS: [string, (s: string) => Uint8Array | null][] = [
  ["b85", b85decode],
  ["b64", (s) => (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s) && s.length % 4 !== 1 ? Buffer.from(s, "base64") : null)],
  ["a85", a85decode],
  ["hex", (s) => (/^(?:[0-9a-fA-F]{2})+$/.test(s) ? Buffer.from(s, "hex") : null)],
];

/** Decoded bytes that read as source text: valid UTF-8, almost all printable, with code in it. */
function asSource(bytes: Uint8Array): string | null {
  if (bytes.length < 16) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const sample = text.slice(0, 8192);
  let printable = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127)) printable++;
  }
  if (printable < 0.97 * sample.length) return null;
  return /\b(def|import|class|return|function|const|let)\b|[=(]/.test(sample) ? text : null;
}

/** The 1-based line of each offset: a binary search in the offsets of line starts. */
function lineIndex(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Unwraps every packed blob of one source file (and the blobs inside those), within the limits
 * above. Decoders refuse most literals by throwing; stack traces are turned off meanwhile, since
 * capturing them was most of the cost on a file of thousands of decoy literals (7.7 s for 30,000).
 */
export function unwrapSource(name: string, text: string): UnwrapResult {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return unwrapAll(name, text);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function unwrapAll(name: string, text: string): UnwrapResult {
  const files: SourceFile[] = [];
  const skipped: UnwrapResult["skipped"] = [];
  let budget = MAX_UNWRAPPED_BYTES;
  let blobs = 0;
  const visit = (fileName: string, src: string, depth: number, via: string | undefined, fromLine: number | undefined): void => {
    const own: SourceFile = { name: fileName, text: src, ...(via ? { via, fromLine } : {}) };
    files.push(own);
    if (depth >= MAX_DEPTH) return;
    const blanks: [number, number][] = [];
    const lineAt = lineIndex(src);
    for (const lit of literals(src)) {
      const body = lit.body.replace(/\\\n|\s+/g, "");
      if (body.length < MIN_LITERAL_CHARS || !/^[\x21-\x7e]+$/.test(body)) continue;
      const line = lineAt(lit.start);
      if (blobs >= MAX_BLOBS || budget <= 0) {
        skipped.push({ file: fileName, line, reason: blobs >= MAX_BLOBS ? `more than ${MAX_BLOBS} packed blobs in one file` : `over ${MAX_UNWRAPPED_BYTES} bytes unwrapped in one file` });
        break;
      }
      for (const [textCodec, decode] of TEXT_CODECS) {
        const raw = decode(body);
        if (!raw || raw.length < 16) continue;
        let codec: Codec | "plain" = "plain";
        let bytes = raw;
        try {
          const d = decompressAny(raw, budget);
          if (d) {
            ({ codec, bytes } = d);
            budget -= bytes.length; // counted whether or not it reads as code: inflating is the cost
          }
        } catch (e) {
          skipped.push({ file: fileName, line, reason: e instanceof OverLimitError ? `over the unwrap limit: ${e.message}` : `${textCodec} data did not decompress: ${(e as Error).message}` });
          break;
        }
        const code = asSource(bytes);
        if (code === null) continue;
        blobs++;
        if (codec === "plain") budget -= bytes.length;
        blanks.push([lit.start, lit.end]);
        visit(`${name}#${blobs}`, code, depth + 1, `${textCodec}+${codec}`, line);
        break;
      }
    }
    if (blanks.length) {
      // Blank the literal (keeping its newlines, so lines still match the file) in the analysed text.
      let out = "";
      let at = 0;
      for (const [s, e] of blanks) {
        out += src.slice(at, s) + '""' + src.slice(s, e).replace(/[^\n]/g, "");
        at = e;
      }
      own.text = out + src.slice(at);
    }
  };
  visit(name, text, 0, undefined, undefined);
  return { files, skipped };
}
