// SentencePiece's builder.cc CompileCharsMap in TypeScript: normalization rules (UTF-8 key ->
// UTF-8 replacement) compiled into the precompiled charsmap a model's NormalizerSpec carries
// (layout in charsmap.ts). Replacements are deduplicated, sorted by bytes and stored NUL-terminated;
// the keys go into a Darts-clone double array (darts.ts) whose leaves hold each replacement's byte
// offset. The blob is the one SentencePiece writes for the same rules, byte for byte, so
// SentencePiece itself loads models that carry it. Where the rules come from is
// normalization_rule.ts (generated nmt_nfkc/nfkc) or pinned_charsmap.ts (the pinned table).
import { PgolfError } from "../../core/error.js";
import { compareCodePoints } from "../../core/code_points.js";
import { CharsMap } from "./charsmap.js";
import { buildDoubleArray } from "./darts.js";

/** One normalization rule: UTF-8 `key` is replaced by UTF-8 `value` (empty: deleted). */
export interface CharsMapRule {
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * normalizer.h kMaxTrieResultsSize: the normalizer reads at most this many prefix matches, so
 * CompileCharsMap refuses keys with that many rules among their prefixes.
 */
const MAX_TRIE_RESULTS = 32;

function ruleError(problem: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("TOKENIZER_CHARSMAP", problem, {
    file: "<normalization rules>",
    fix: "pass rules with non-empty, valid UTF-8 keys without NUL bytes, valid UTF-8 values without NUL bytes, and one value per key",
    details,
  });
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function isValidUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/**
 * Sorted keys packed into one buffer (key i is `bytes[start[i]..start[i+1])`) with the offset of
 * each key's replacement in `normalized`: the input of the double-array construction.
 */
interface PackedRules {
  count: number;
  bytes: Uint8Array;
  start: Int32Array;
  valueOffset: Int32Array;
  normalized: Uint8Array;
}

/** Builds the trie (DAWG, then double array) and checks SentencePiece's prefix-match limit. */
function compile(p: PackedRules): CharsMap {
  const units = buildDoubleArray(p.count, p.bytes, p.start, p.valueOffset);
  // The normalizer reads at most 32 prefix matches per position (CompileCharsMap's check).
  const root = units[0];
  for (let i = 0; i < p.count; i++) {
    let node = (root >>> 10) << ((root & 0x200) >>> 6);
    let matches = 0;
    for (let j = p.start[i]; j < p.start[i + 1]; j++) {
      node ^= p.bytes[j];
      const unit = units[node];
      node ^= (unit >>> 10) << ((unit & 0x200) >>> 6);
      if ((unit >>> 8) & 1) matches++;
    }
    if (matches >= MAX_TRIE_RESULTS) {
      throw ruleError(`a key has ${matches} rules among its prefixes; SentencePiece accepts at most ${MAX_TRIE_RESULTS - 1}`, {
        key: hex(p.bytes.subarray(p.start[i], p.start[i + 1])),
      });
    }
  }
  return new CharsMap(units, p.normalized);
}

/** Replacement strings, distinct and in byte order, each NUL-terminated (CompileCharsMap). */
function packValues(values: Uint8Array[]): { normalized: Uint8Array; offsets: Map<string, number> } {
  const distinct = [...new Map(values.map((v) => [latin1(v), v])).values()].sort(compareBytes);
  const offsets = new Map<string, number>();
  let total = 0;
  for (const v of distinct) {
    offsets.set(latin1(v), total);
    total += v.length + 1;
  }
  const normalized = new Uint8Array(total);
  for (const v of distinct) normalized.set(v, offsets.get(latin1(v))!);
  return { normalized, offsets };
}

/** A byte string as a latin1 JS string (one char per byte): a cheap exact map key. */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/**
 * Compiles normalization rules into SentencePiece's precompiled charsmap (builder.cc
 * CompileCharsMap). Rule order does not matter; the result is the same blob SentencePiece writes
 * for the same rules.
 */
export function buildCharsMap(rules: ReadonlyArray<CharsMapRule>): CharsMap {
  if (rules.length === 0) throw ruleError("there are no rules to compile");
  const sorted = [...rules].sort((a, b) => compareBytes(a.key, b.key));
  let size = 0;
  for (let i = 0; i < sorted.length; i++) {
    const { key, value } = sorted[i];
    if (key.length === 0) throw ruleError("a rule has an empty key");
    if (key.includes(0)) throw ruleError("a rule key contains a NUL byte (the trie cannot hold it)", { key: hex(key) });
    if (value.includes(0)) throw ruleError("a rule value contains a NUL byte (values are NUL-terminated)", { key: hex(key) });
    if (!isValidUtf8(key) || !isValidUtf8(value)) throw ruleError("a rule is not valid UTF-8", { key: hex(key), value: hex(value) });
    if (i > 0 && compareBytes(sorted[i - 1].key, key) === 0 && compareBytes(sorted[i - 1].value, value) !== 0) {
      throw ruleError("a key has two different values", { key: hex(key) });
    }
    size += key.length;
  }
  const { normalized, offsets } = packValues(sorted.map((r) => r.value));
  const bytes = new Uint8Array(size);
  const start = new Int32Array(sorted.length + 1);
  const valueOffset = new Int32Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    bytes.set(sorted[i].key, start[i]);
    start[i + 1] = start[i] + sorted[i].key.length;
    valueOffset[i] = offsets.get(latin1(sorted[i].value))!;
  }
  return compile({ count: sorted.length, bytes, start, valueOffset, normalized });
}

/**
 * buildCharsMap for rules given as code point strings (key -> replacement), without a byte array
 * per rule: the same blob for the same rules, faster on the ~225,000 nmt_nfkc rules.
 */
export function compileStringRules(rules: ReadonlyMap<string, string>): CharsMap {
  const keys = [...rules.keys()].sort(compareCodePoints);
  const enc = new TextEncoder();
  const { normalized, offsets } = packValues([...new Set(rules.values())].map((v) => enc.encode(v)));
  const valueBytes = new Map<string, number>();
  for (const v of new Set(rules.values())) valueBytes.set(v, offsets.get(latin1(enc.encode(v)))!);
  let size = 0;
  for (const k of keys) size += Buffer.byteLength(k, "utf8");
  const bytes = new Uint8Array(size);
  const start = new Int32Array(keys.length + 1);
  const valueOffset = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    start[i + 1] = start[i] + enc.encodeInto(keys[i], bytes.subarray(start[i])).written;
    valueOffset[i] = valueBytes.get(rules.get(keys[i])!)!;
  }
  return compile({ count: keys.length, bytes, start, valueOffset, normalized });
}
