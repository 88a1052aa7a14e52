// SentencePiece's text normalizer (normalizer.cc Normalizer::Normalize), on UTF-8 bytes:
//  1. user-defined symbols are copied through untouched (longest match first);
//  2. otherwise the longest rule of the precompiled charsmap (e.g. nmt_nfkc) replaces its key;
//     no rule: one UTF-8 character is copied (a malformed byte becomes U+FFFD, consuming 1 byte);
//  3. remove_extra_whitespaces drops leading, trailing and repeated spaces (of the mapped text);
//  4. escape_whitespaces writes each space as U+2581 "▁"; add_dummy_prefix puts one "▁" in front
//     (behind, with treat_whitespace_as_suffix).
import { CharsMap } from "./charsmap.js";
import type { NormalizerSpecFields } from "./model_proto.js";

const SPACE_SYMBOL = [0xe2, 0x96, 0x81]; // U+2581 in UTF-8
const REPLACEMENT = Uint8Array.of(0xef, 0xbf, 0xbd); // U+FFFD

/** Length of a valid UTF-8 character at `pos`, or 0 when malformed (SentencePiece's IsValidDecodeUTF8). */
export function validUtf8Length(b: Uint8Array, pos: number, end: number): number {
  const c = b[pos];
  if (c < 0x80) return 1;
  const avail = end - pos;
  const cont = (i: number) => (b[pos + i] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return avail >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (avail < 3 || !cont(1) || !cont(2)) return 0;
    const cp = ((c & 0x0f) << 12) | ((b[pos + 1] & 0x3f) << 6) | (b[pos + 2] & 0x3f);
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (avail < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    const cp = ((c & 0x07) << 18) | ((b[pos + 1] & 0x3f) << 12) | ((b[pos + 2] & 0x3f) << 6) | (b[pos + 3] & 0x3f);
    if (cp < 0x10000 || cp > 0x10ffff) return 0;
    return 4;
  }
  return 0;
}

/** Byte length of the UTF-8 character starting with lead byte `c` (SentencePiece's OneCharLen). */
export function oneCharLen(c: number): number {
  return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/**
 * Longest-match prefix matcher over a set of byte strings (user-defined symbols). Small sets, so a
 * map from first byte to candidates sorted longest first is enough.
 */
export class PrefixMatcher {
  private readonly byFirst = new Map<number, Uint8Array[]>();
  readonly size: number;

  constructor(symbols: Iterable<string>) {
    const enc = new TextEncoder();
    let n = 0;
    for (const s of symbols) {
      const b = enc.encode(s);
      if (b.length === 0) continue;
      const list = this.byFirst.get(b[0]) ?? [];
      list.push(b);
      this.byFirst.set(b[0], list);
      n++;
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.length - a.length);
    this.size = n;
  }

  /** Length of the longest symbol that `input[pos..end)` starts with, or 0. */
  match(input: Uint8Array, pos: number, end: number): number {
    const list = this.byFirst.get(input[pos]);
    if (!list) return 0;
    outer: for (const s of list) {
      if (s.length > end - pos) continue;
      for (let i = 1; i < s.length; i++) if (input[pos + i] !== s[i]) continue outer;
      return s.length;
    }
    return 0;
  }
}

/** A growable byte buffer, reused across calls to avoid allocation on the hot path. */
class ByteSink {
  buf = new Uint8Array(1024);
  len = 0;
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  push(b: number): void {
    if (this.len === this.buf.length) this.reserve(1);
    this.buf[this.len++] = b;
  }
}

export class Normalizer {
  readonly spec: NormalizerSpecFields;
  private readonly charsMap: CharsMap | undefined;
  private readonly userDefined: PrefixMatcher;
  private readonly treatWhitespaceAsSuffix: boolean;
  private readonly sink = new ByteSink();
  /** ASCII fast path (see CharsMap.asciiTable); all zero when user-defined symbols exist. */
  private readonly asciiFast = new Uint8Array(128);
  private readonly asciiReplacement = new Int16Array(128);

  constructor(spec: NormalizerSpecFields, opts: { userDefinedSymbols?: Iterable<string>; treatWhitespaceAsSuffix?: boolean; file?: string } = {}) {
    this.spec = spec;
    this.charsMap = spec.precompiled_charsmap.length > 0 ? CharsMap.decode(spec.precompiled_charsmap, opts.file) : undefined;
    this.userDefined = new PrefixMatcher(opts.userDefinedSymbols ?? []);
    this.treatWhitespaceAsSuffix = opts.treatWhitespaceAsSuffix ?? false;
    if (this.userDefined.size === 0) {
      if (this.charsMap) {
        const t = this.charsMap.asciiTable();
        this.asciiFast.set(t.fast);
        this.asciiReplacement.set(t.replacement);
      } else {
        for (let b = 1; b < 128; b++) {
          this.asciiFast[b] = 1;
          this.asciiReplacement[b] = b;
        }
      }
    }
  }

  /**
   * Normalizes `input` (UTF-8) and returns a view of the normalized UTF-8 bytes. The view is only
   * valid until the next call (the buffer is reused).
   */
  normalizeBytes(input: Uint8Array): Uint8Array {
    const out = this.sink;
    out.len = 0;
    const end = input.length;
    if (end === 0) return out.buf.subarray(0, 0);
    const removeExtra = this.spec.remove_extra_whitespaces;
    const escape = this.spec.escape_whitespaces;
    const cm = this.charsMap;
    const table = cm?.normalized;
    let pos = 0;

    // NormalizePrefix: sets `pStart/pEnd` (a slice of `pSrc`) and returns bytes consumed.
    let pSrc: Uint8Array = input;
    let pStart = 0;
    let pEnd = 0;
    const prefix = (at: number): number => {
      if (this.userDefined.size > 0) {
        const m = this.userDefined.match(input, at, end);
        if (m > 0) {
          pSrc = input;
          pStart = at;
          pEnd = at + m;
          return m;
        }
      }
      if (cm) {
        const m = cm.longestMatch(input, at, end);
        if (m > 0) {
          pSrc = table!;
          pStart = cm.lastValue;
          pEnd = pStart + cm.replacementLength(pStart);
          return m;
        }
      }
      const n = validUtf8Length(input, at, end);
      if (n === 0) {
        pSrc = REPLACEMENT;
        pStart = 0;
        pEnd = 3;
        return 1;
      }
      pSrc = input;
      pStart = at;
      pEnd = at + n;
      return n;
    };

    // Ignore leading spaces (as mapped).
    if (removeExtra) {
      while (pos < end) {
        const n = prefix(pos);
        if (!(pEnd - pStart === 1 && pSrc[pStart] === 0x20)) break;
        pos += n;
      }
      if (pos >= end) return out.buf.subarray(0, 0);
    }

    const addWs = () => {
      if (escape) {
        out.reserve(3);
        out.buf[out.len++] = SPACE_SYMBOL[0];
        out.buf[out.len++] = SPACE_SYMBOL[1];
        out.buf[out.len++] = SPACE_SYMBOL[2];
      } else out.push(0x20);
    };

    if (!this.treatWhitespaceAsSuffix && this.spec.add_dummy_prefix) addWs();

    let prevSpace = removeExtra;
    const fast = this.asciiFast;
    const fastRepl = this.asciiReplacement;
    while (pos < end) {
      const b = input[pos];
      if (b < 0x80 && fast[b] === 1 && (pos + 1 === end || input[pos + 1] < 0x80)) {
        // Same result as the general path below for a one-byte rule or no rule.
        const r = fastRepl[b];
        pos++;
        if (r === 0x20) {
          if (!prevSpace) {
            addWs();
            prevSpace = true;
          }
        } else if (r >= 0) {
          out.push(r);
          prevSpace = false;
        }
        if (!removeExtra) prevSpace = false;
        continue;
      }
      const consumed = prefix(pos);
      let s = pStart;
      const e = pEnd;
      if (prevSpace) while (s < e && pSrc[s] === 0x20) s++;
      if (s < e) {
        out.reserve((e - s) * 3);
        for (let i = s; i < e; i++) {
          const b = pSrc[i];
          if (escape && b === 0x20) addWs();
          else out.buf[out.len++] = b;
        }
        prevSpace = pSrc[e - 1] === 0x20;
      }
      pos += consumed;
      if (!removeExtra) prevSpace = false;
    }

    // Ignore trailing spaces.
    if (removeExtra) {
      if (escape) {
        while (out.len >= 3 && out.buf[out.len - 3] === 0xe2 && out.buf[out.len - 2] === 0x96 && out.buf[out.len - 1] === 0x81) out.len -= 3;
      } else {
        while (out.len >= 1 && out.buf[out.len - 1] === 0x20) out.len--;
      }
    }

    if (this.treatWhitespaceAsSuffix && this.spec.add_dummy_prefix) addWs();
    return out.buf.subarray(0, out.len);
  }

  /** Normalizes a string (convenience over `normalizeBytes`). */
  normalize(text: string): string {
    return Buffer.from(this.normalizeBytes(Buffer.from(text, "utf8"))).toString("utf8");
  }
}
