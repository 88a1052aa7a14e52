// SentencePiece's builder.cc BuildNFKCMap / BuildNmtNFKCMap / RemoveRedundantMap in TypeScript:
// the "nfkc" and "nmt_nfkc" normalization rule sets (what normalization_rule.h ships precompiled),
// generated at run time from this Node's ICU (String.prototype.normalize) the way builder.cc
// generates them from ICU: every code point's NFKC, the NFC of every multi-character NFKD with all
// the unnormalized spellings of it as keys, the removal of rules that shorter rules already imply,
// then the NMT additions (whitespace-like code points to a space, control characters deleted).
//
// The rules depend on the Unicode version of the Node that runs this, so a tokenizer trained with
// them is byte-identical only across Nodes of one Unicode version. Training therefore uses the
// pinned table (pinned_charsmap.ts, generated from these rules by scripts/gen-charsmap.ts) unless
// asked for this Node's tables (the trainer's `buildCharsmapFromLocalIcu`). Unicode-version
// differences from the ICU SentencePiece was built with touch a few code points only.
import { compareCodePoints } from "../../core/code_points.js";
import { compileStringRules, type CharsMapRule } from "./charsmap_builder.js";

const MAX_UNICODE = 0x10ffff;
/** Strings normalized per ICU call: each one sits between NULs, which never compose. */
const BATCH = 4096;
/** Code points per stability probe in BuildNFKCMap. */
const STABLE_RUN = 128;

/** ICU's U_IS_UNICODE_CHAR: a scalar value that is not a noncharacter. */
function isUnicodeChar(cp: number): boolean {
  return cp <= MAX_UNICODE && !(cp >= 0xd800 && cp <= 0xdfff) && !(cp >= 0xfdd0 && cp <= 0xfdef) && (cp & 0xfffe) !== 0xfffe;
}

/**
 * Normalizes many strings with one ICU call per batch. NUL (U+0000) is a starter that composes
 * with nothing and has no decomposition, so "\0a\0b..." normalizes piecewise exactly like the
 * separate strings, and NUL never occurs in a normalization result.
 */
function normalizeMany(items: string[], form: "NFC" | "NFKC" | "NFKD"): string[] {
  const out: string[] = new Array(items.length);
  for (let begin = 0; begin < items.length; begin += BATCH) {
    const end = Math.min(items.length, begin + BATCH);
    const parts = ("\0" + items.slice(begin, end).join("\0")).normalize(form).split("\0");
    if (parts.length !== end - begin + 1) throw new Error(`internal: ${form} batch split into ${parts.length - 1} parts, expected ${end - begin}`);
    for (let i = begin; i < end; i++) out[i] = parts[i - begin + 1];
  }
  return out;
}

/** Rules over code point strings: key -> value. */
type StringRules = Map<string, string>;

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!isHighSurrogate(s.charCodeAt(i))) n++;
  return n;
}

/** Code unit ends of the code points of the key being normalized (reused; keys are short). */
let ends = new Int32Array(64);

/**
 * builder.cc Normalize: at each position the longest rule of at most `maxLen` code points applies;
 * with none, one code point is copied.
 */
function applyRules(rules: StringRules, key: string, maxLen: number): string {
  let out = "";
  const n = key.length;
  if (ends.length < maxLen) ends = new Int32Array(maxLen * 2);
  for (let i = 0; i < n; ) {
    let count = 0;
    for (let j = i; j < n && count < maxLen; ) {
      j += isHighSurrogate(key.charCodeAt(j)) ? 2 : 1;
      ends[count++] = j;
    }
    let len = count;
    let found: string | undefined;
    for (; len > 0; len--) {
      found = rules.get(key.slice(i, ends[len - 1]));
      if (found !== undefined) break;
    }
    if (found === undefined) {
      out += key.slice(i, ends[0]);
      i = ends[0];
    } else {
      out += found;
      i = ends[len - 1];
    }
  }
  return out;
}

/**
 * builder.cc RemoveRedundantMap: keeps every single-character rule, and a longer rule only when the
 * shorter rules do not already produce its value. Rules of one length only consult shorter ones,
 * so the rules kept so far can serve as the shorter rules.
 */
function removeRedundant(rules: StringRules): StringRules {
  const kept: StringRules = new Map();
  const byLength: string[][] = [];
  for (const [k, v] of rules) {
    const len = codePointLength(k);
    if (len === 1) kept.set(k, v);
    else (byLength[len] ??= []).push(k);
  }
  for (let len = 2; len < byLength.length; len++) {
    for (const k of byLength[len] ?? []) {
      const v = rules.get(k)!;
      if (applyRules(kept, k, len - 1) !== v) kept.set(k, v);
    }
  }
  return kept;
}

/**
 * RemoveRedundantMap(reduced + changes) when `reduced` was already reduced and `changes` only set
 * or delete single-character rules: a longer rule's fate depends only on the rules inside its key,
 * so only the longer rules that contain a changed character need a new look (shortest first).
 */
function removeRedundantAfter(reduced: StringRules, changes: Map<string, string | undefined>): StringRules {
  const out = new Map(reduced);
  for (const [c, v] of changes) {
    if (v === undefined) out.delete(c);
    else out.set(c, v);
  }
  const escape = (c: string) => "\\u{" + c.codePointAt(0)!.toString(16) + "}";
  const touched = new RegExp("[" + [...changes.keys()].map(escape).join("") + "]", "u");
  const affected: Array<[number, string]> = [];
  for (const k of out.keys()) {
    if (k.length < 2 || !touched.test(k)) continue;
    const len = codePointLength(k);
    if (len > 1) affected.push([len, k]);
  }
  affected.sort((a, b) => a[0] - b[0] || compareCodePoints(a[1], b[1]));
  for (const [len, k] of affected) if (applyRules(out, k, len - 1) === out.get(k)) out.delete(k);
  return out;
}

let nfkcCache: StringRules | undefined;
let nmtNfkcCache: StringRules | undefined;

/** BuildNFKCMap over Node's ICU. */
function buildNfkc(): StringRules {
  // A run of code points whose concatenation NFKD leaves unchanged can be skipped: then each of
  // them is its own NFKD and NFKC (any decomposition or reordering would change the run) and adds
  // no rule. That leaves a few percent of the code space to normalize one by one.
  const singles: string[] = [];
  for (let begin = 1; begin <= MAX_UNICODE; begin += STABLE_RUN) {
    const run: string[] = [];
    for (let cp = begin; cp < begin + STABLE_RUN && cp <= MAX_UNICODE; cp++) if (isUnicodeChar(cp)) run.push(String.fromCodePoint(cp));
    const joined = run.join("");
    if (joined.normalize("NFKD") !== joined) for (const c of run) singles.push(c);
  }
  const nfkc = normalizeMany(singles, "NFKC");
  const nfkd = normalizeMany(singles, "NFKD");

  const map: StringRules = new Map();
  // norm2orig: a fully decomposed character -> every character whose NFKD is that one character.
  // Identity (x -> x) holds for every character that can appear inside an NFKD, so only the
  // other members are stored.
  const norm2orig = new Map<string, string[]>();
  const decomposed = new Set<string>();
  for (let i = 0; i < singles.length; i++) {
    const c = singles[i];
    if (nfkc[i] !== c) map.set(c, nfkc[i]);
    const d = nfkd[i];
    if (codePointLength(d) === 1) {
      if (d !== c) {
        const list = norm2orig.get(d);
        if (list) list.push(c);
        else norm2orig.set(d, [c]);
      }
    } else {
      decomposed.add(d);
    }
  }

  // Every multi-character NFKD whose NFC differs from it: each spelling that decomposes to it
  // (each position replaced by any character with the same single-character NFKD) maps to the NFC.
  const seqs = [...decomposed];
  const nfcs = normalizeMany(seqs, "NFC");
  for (let s = 0; s < seqs.length; s++) {
    const target = nfcs[s];
    if (target === seqs[s]) continue;
    let spellings = [""];
    for (const ch of seqs[s]) {
      const alternatives = norm2orig.get(ch);
      if (!alternatives) {
        for (let i = 0; i < spellings.length; i++) spellings[i] += ch;
        continue;
      }
      const next: string[] = [];
      for (const prefix of spellings) {
        next.push(prefix + ch);
        for (const a of alternatives) next.push(prefix + a);
      }
      spellings = next;
    }
    for (const key of spellings) if (key !== target) map.set(key, target);
  }
  return removeRedundant(map);
}

/** BuildNmtNFKCMap: the NFKC rules plus SentencePiece's NMT changes. */
function buildNmtNfkc(): StringRules {
  const changes = new Map<string, string | undefined>();
  // Other code points treated as whitespace.
  for (const cp of [0x9, 0xa, 0xc, 0xd, 0x1680, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029, 0x2581, 0xfeff, 0xfffd, 0x200c]) {
    changes.set(String.fromCodePoint(cp), " ");
  }
  // ASCII control characters and the C1 controls 007F, 008F, 009F are deleted.
  for (let cp = 0x1; cp <= 0x1f; cp++) if (!changes.has(String.fromCodePoint(cp))) changes.set(String.fromCodePoint(cp), "");
  for (const cp of [0x7f, 0x8f, 0x9f]) changes.set(String.fromCodePoint(cp), "");
  // FULLWIDTH TILDE stays: Japanese uses it differently from "~".
  changes.set("\uff5e", undefined);
  return removeRedundantAfter(nfkcStringRules(), changes);
}

function nfkcStringRules(): StringRules {
  return (nfkcCache ??= buildNfkc());
}

function nmtNfkcStringRules(): StringRules {
  return (nmtNfkcCache ??= buildNmtNfkc());
}

function toByteRules(rules: StringRules): CharsMapRule[] {
  const keys = [...rules.keys()].sort(compareCodePoints);
  return keys.map((k) => ({ key: Buffer.from(k, "utf8"), value: Buffer.from(rules.get(k)!, "utf8") }));
}

/** SentencePiece's "nfkc" rules (BuildNFKCMap) from Node's ICU, in key byte order. */
export function nfkcRules(): CharsMapRule[] {
  return toByteRules(nfkcStringRules());
}

/** SentencePiece's "nmt_nfkc" rules (BuildNmtNFKCMap) from Node's ICU, in key byte order. */
export function nmtNfkcRules(): CharsMapRule[] {
  return toByteRules(nmtNfkcStringRules());
}

const blobCache = new Map<string, Uint8Array>();

/** Normalization rule sets pgolf can compile (SentencePiece's normalization_rule_name). */
export type NormalizationName = "nmt_nfkc" | "nfkc" | "identity";

/**
 * The precompiled_charsmap blob SentencePiece stores for `name` ("identity": empty, no rules),
 * built from this Node's ICU on first use (about 0.9 s) and cached for the process. A copy is
 * returned. Its bytes depend on the Node's Unicode version; pinnedNmtNfkcCharsMap() is the table
 * that does not.
 */
export function localIcuPrecompiledCharsMap(name: NormalizationName): Uint8Array {
  if (name === "identity") return new Uint8Array(0);
  let blob = blobCache.get(name);
  if (!blob) {
    blob = compileStringRules(name === "nfkc" ? nfkcStringRules() : nmtNfkcStringRules()).encode();
    blobCache.set(name, blob);
  }
  return blob.slice();
}
