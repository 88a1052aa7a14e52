// Building SentencePiece's precompiled character map (NormalizerSpec.precompiled_charsmap) in
// TypeScript, so that pgolf can train tokenizers whose .model files carry the same normalization
// rules as SentencePiece's own, loadable by SentencePiece itself.
//
// Two parts:
//  1. `buildCharsMap(rules)`: compiles (key -> replacement) rules the way builder.cc
//     CompileCharsMap does: replacements are deduplicated, sorted and stored NUL-terminated; the
//     keys go into a Darts-clone double array built through a DAWG (darts.h `build()` with values),
//     the trie layout SentencePiece's normalizer reads. The construction follows darts-clone 0.32
//     step by step (same hash, same free-list walk, same block fixing), so the blob is the one
//     SentencePiece would write for the same rules, byte for byte.
//  2. `nfkcRules()` / `nmtNfkcRules()`: the "nfkc" and "nmt_nfkc" rule sets, generated at run time
//     from Node's ICU the way builder.cc BuildNFKCMap / BuildNmtNFKCMap generate them from ICU:
//     every code point's NFKC, the NFC of every multi-character NFKD with all the unnormalized
//     spellings of it as keys, the removal of rules that shorter rules already imply, then the NMT
//     additions (whitespace-like code points to a space, control characters deleted).
//     SentencePiece ships these tables precompiled; Unicode-version differences between the ICU
//     it was built with and Node's are expected to touch a few code points only.
import { compareCodePoints } from "../../core/code_points.js";
import { PgolfError } from "../../core/error.js";
import { CharsMap } from "./charsmap.js";

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

// ---------------------------------------------------------------------------------------------
// Growable typed arrays (darts-clone's AutoPool): capacity doubles, `length` is the used size.

class U32Pool {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
  resize(n: number): void {
    if (n > this.data.length) this.grow(n);
    if (n > this.length) this.data.fill(0, this.length, n);
    this.length = n;
  }
  private grow(n: number): void {
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

class U8Pool {
  data = new Uint8Array(1024);
  length = 0;
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}

/** darts.h DawgBuilder::hash: a 32-bit integer mix. */
function dartsHash(key: number): number {
  key = (~key + (key << 15)) >>> 0;
  key = (key ^ (key >>> 12)) >>> 0;
  key = (key + (key << 2)) >>> 0;
  key = (key ^ (key >>> 4)) >>> 0;
  key = Math.imul(key, 2057) >>> 0;
  key = (key ^ (key >>> 16)) >>> 0;
  return key;
}

// ---------------------------------------------------------------------------------------------
// DAWG (darts.h DawgBuilder): the trie of the sorted keys, with equal subtrees (same labels, same
// values below) merged as they are completed. Keys end in a leaf labelled 0 holding the value.

class DawgBuilder {
  // Nodes under construction (reused through a recycle bin once flushed into units).
  private nChild = new U32Pool();
  private nSibling = new U32Pool();
  private nLabel = new U8Pool();
  private nIsState = new U8Pool();
  private nHasSibling = new U8Pool();
  private recycleBin: number[] = [];
  private nodeStack: number[] = [];
  // Finished units: sibling groups stored consecutively, in increasing label order.
  readonly units = new U32Pool();
  readonly labels = new U8Pool();
  readonly isIntersection = new U8Pool();
  /** Open-addressing hash table of finished sibling groups (their first unit id; 0 = empty). */
  private table = new Uint32Array(1 << 10);
  private numStates = 1;
  /** intersectionRank[i] = number of intersection units in [0, i]; built by finish(). */
  private intersectionRank = new Uint32Array(0);
  numIntersections = 0;

  constructor() {
    this.appendNode();
    this.appendUnit();
    this.nLabel.data[0] = 0xff;
    this.nodeStack.push(0);
  }

  private nodeUnit(id: number): number {
    const child = this.nChild.data[id];
    const hasSibling = this.nHasSibling.data[id];
    if (this.nLabel.data[id] === 0) return ((child << 1) | hasSibling) >>> 0;
    return ((child << 2) | (this.nIsState.data[id] ? 2 : 0) | hasSibling) >>> 0;
  }

  private appendNode(): number {
    const id = this.recycleBin.pop();
    if (id !== undefined) {
      this.nChild.data[id] = 0;
      this.nSibling.data[id] = 0;
      this.nLabel.data[id] = 0;
      this.nIsState.data[id] = 0;
      this.nHasSibling.data[id] = 0;
      return id;
    }
    this.nSibling.push(0);
    this.nLabel.push(0);
    this.nIsState.push(0);
    this.nHasSibling.push(0);
    return this.nChild.push(0);
  }

  private appendUnit(): number {
    this.isIntersection.push(0);
    this.labels.push(0);
    return this.units.push(0);
  }

  /**
   * Inserts the key `bytes[start..end)` (no NUL) with `value` (>= 0). Keys must come in increasing
   * byte order.
   */
  insert(bytes: Uint8Array, start: number, end: number, value: number): void {
    const length = end - start;
    const key = bytes.subarray(start, end);
    let id = 0;
    let keyPos = 0;
    for (; keyPos <= length; keyPos++) {
      const childId = this.nChild.data[id];
      if (childId === 0) break;
      const keyLabel = keyPos < length ? key[keyPos] : 0;
      const unitLabel = this.nLabel.data[childId];
      if (keyLabel < unitLabel) throw ruleError("keys reached the DAWG out of order", { key: hex(key) });
      if (keyLabel > unitLabel) {
        this.nHasSibling.data[childId] = 1;
        this.flush(childId);
        break;
      }
      id = childId;
    }
    if (keyPos > length) return; // the same key again: the first value stays
    for (; keyPos <= length; keyPos++) {
      const keyLabel = keyPos < length ? key[keyPos] : 0;
      const childId = this.appendNode();
      if (this.nChild.data[id] === 0) this.nIsState.data[childId] = 1;
      this.nSibling.data[childId] = this.nChild.data[id];
      this.nLabel.data[childId] = keyLabel;
      this.nChild.data[id] = childId;
      this.nodeStack.push(childId);
      id = childId;
    }
    this.nChild.data[id] = value >>> 0; // a leaf's "child" is its value
  }

  finish(): void {
    this.flush(0);
    this.units.data[0] = this.nodeUnit(0);
    this.labels.data[0] = this.nLabel.data[0];
    const n = this.units.length;
    this.intersectionRank = new Uint32Array(n);
    let ones = 0;
    for (let i = 0; i < n; i++) {
      ones += this.isIntersection.data[i];
      this.intersectionRank[i] = ones;
    }
    this.numIntersections = ones;
  }

  /** Turns the nodes on the stack above `id` into units, merging groups equal to finished ones. */
  private flush(id: number): void {
    const stack = this.nodeStack;
    while (stack[stack.length - 1] !== id) {
      const nodeId = stack.pop()!;
      if (this.numStates >= this.table.length - (this.table.length >>> 2)) this.expandTable();
      let numSiblings = 0;
      for (let i = nodeId; i !== 0; i = this.nSibling.data[i]) numSiblings++;
      let hashId = this.hashNode(nodeId) % this.table.length;
      let matchId = 0;
      for (;;) {
        const unitId = this.table[hashId];
        if (unitId === 0) break;
        if (this.areEqual(nodeId, unitId)) {
          matchId = unitId;
          break;
        }
        hashId = (hashId + 1) % this.table.length;
      }
      if (matchId !== 0) {
        this.isIntersection.data[matchId] = 1;
      } else {
        let unitId = 0;
        for (let i = 0; i < numSiblings; i++) unitId = this.appendUnit();
        for (let i = nodeId; i !== 0; i = this.nSibling.data[i]) {
          this.units.data[unitId] = this.nodeUnit(i);
          this.labels.data[unitId] = this.nLabel.data[i];
          unitId--;
        }
        matchId = unitId + 1;
        this.table[hashId] = matchId;
        this.numStates++;
      }
      for (let i = nodeId, next: number; i !== 0; i = next) {
        next = this.nSibling.data[i];
        this.recycleBin.push(i);
      }
      this.nChild.data[stack[stack.length - 1]] = matchId;
    }
    stack.pop();
  }

  private expandTable(): void {
    const size = this.table.length << 1;
    this.table = new Uint32Array(size);
    for (let id = 1; id < this.units.length; id++) {
      if (this.labels.data[id] === 0 || (this.units.data[id] & 2) !== 0) {
        let hashId = this.hashUnit(id) % size;
        while (this.table[hashId] !== 0) hashId = (hashId + 1) % size;
        this.table[hashId] = id;
      }
    }
  }

  private areEqual(nodeId: number, unitId: number): boolean {
    const units = this.units.data;
    for (let i = this.nSibling.data[nodeId]; i !== 0; i = this.nSibling.data[i]) {
      if ((units[unitId] & 1) === 0) return false;
      unitId++;
    }
    if ((units[unitId] & 1) === 1) return false;
    for (let i = nodeId; i !== 0; i = this.nSibling.data[i], unitId--) {
      if (this.nodeUnit(i) !== units[unitId] || this.nLabel.data[i] !== this.labels.data[unitId]) return false;
    }
    return true;
  }

  private hashUnit(id: number): number {
    let h = 0;
    for (; id !== 0; id++) {
      const unit = this.units.data[id];
      h = (h ^ dartsHash(((this.labels.data[id] << 24) ^ unit) >>> 0)) >>> 0;
      if ((unit & 1) === 0) break;
    }
    return h;
  }

  private hashNode(id: number): number {
    let h = 0;
    for (; id !== 0; id = this.nSibling.data[id]) {
      h = (h ^ dartsHash(((this.nLabel.data[id] << 24) ^ this.nodeUnit(id)) >>> 0)) >>> 0;
    }
    return h;
  }

  // Read access for the double-array builder (darts.h DawgBuilder's public methods).
  child(id: number): number {
    return this.units.data[id] >>> 2;
  }
  sibling(id: number): number {
    return this.units.data[id] & 1 ? id + 1 : 0;
  }
  value(id: number): number {
    return this.units.data[id] >>> 1;
  }
  isLeaf(id: number): boolean {
    return this.labels.data[id] === 0;
  }
  label(id: number): number {
    return this.labels.data[id];
  }
  intersectionId(id: number): number {
    return this.intersectionRank[id] - 1;
  }
}

// ---------------------------------------------------------------------------------------------
// DAWG -> double array (darts.h DoubleArrayBuilder::build_from_dawg). Units are placed in blocks of
// 256; only the last 16 blocks are still open, tracked by a circular free list of 4096 "extras".

const BLOCK_SIZE = 256;
const NUM_EXTRA_BLOCKS = 16;
const NUM_EXTRAS = BLOCK_SIZE * NUM_EXTRA_BLOCKS;
const UPPER_MASK = 0xff << 21;
const LOWER_MASK = 0xff;

class DoubleArrayBuilder {
  private units = new U32Pool();
  private readonly extraPrev = new Uint32Array(NUM_EXTRAS);
  private readonly extraNext = new Uint32Array(NUM_EXTRAS);
  private readonly extraFixed = new Uint8Array(NUM_EXTRAS);
  private readonly extraUsed = new Uint8Array(NUM_EXTRAS);
  private extrasHead = 0;
  private labels: number[] = [];
  private table = new Uint32Array(0);

  build(dawg: DawgBuilder): Uint32Array {
    this.table = new Uint32Array(dawg.numIntersections);
    this.reserveId(0);
    this.extraUsed[0] = 1;
    this.setOffset(0, 1);
    this.setLabel(0, 0);
    if (dawg.child(0) !== 0) this.buildFrom(dawg, 0, 0);
    this.fixAllBlocks();
    return this.units.data.slice(0, this.units.length);
  }

  // DoubleArrayBuilderUnit setters.
  private setHasLeaf(id: number): void {
    this.units.data[id] = (this.units.data[id] | (1 << 8)) >>> 0;
  }
  private setValue(id: number, value: number): void {
    this.units.data[id] = (value | 0x80000000) >>> 0;
  }
  private setLabel(id: number, label: number): void {
    this.units.data[id] = ((this.units.data[id] & ~0xff) | label) >>> 0;
  }
  private setOffset(id: number, offset: number): void {
    if (offset >= 1 << 29) {
      throw new PgolfError("TOKENIZER_CHARSMAP", `double-array offset ${offset} is too large`, {
        file: "<normalization rules>",
        fix: "use fewer or shorter normalization rules; the trie does not fit darts-clone's 29-bit offsets",
      });
    }
    let unit = this.units.data[id] & (0x80000000 | (1 << 8) | 0xff);
    if (offset < 1 << 21) unit |= offset << 10;
    else unit |= (offset << 2) | (1 << 9);
    this.units.data[id] = unit >>> 0;
  }

  private buildFrom(dawg: DawgBuilder, dawgId: number, dicId: number): void {
    let dawgChildId = dawg.child(dawgId);
    const shared = dawg.isIntersection.data[dawgChildId] === 1;
    if (shared) {
      let offset = this.table[dawg.intersectionId(dawgChildId)];
      if (offset !== 0) {
        offset = (offset ^ dicId) >>> 0;
        if (!(offset & UPPER_MASK) || !(offset & LOWER_MASK)) {
          if (dawg.isLeaf(dawgChildId)) this.setHasLeaf(dicId);
          this.setOffset(dicId, offset);
          return;
        }
      }
    }
    const offset = this.arrange(dawg, dawgId, dicId);
    if (shared) this.table[dawg.intersectionId(dawgChildId)] = offset;
    do {
      const childLabel = dawg.label(dawgChildId);
      if (childLabel !== 0) this.buildFrom(dawg, dawgChildId, (offset ^ childLabel) >>> 0);
      dawgChildId = dawg.sibling(dawgChildId);
    } while (dawgChildId !== 0);
  }

  private arrange(dawg: DawgBuilder, dawgId: number, dicId: number): number {
    const labels = this.labels;
    labels.length = 0;
    for (let c = dawg.child(dawgId); c !== 0; c = dawg.sibling(c)) labels.push(dawg.label(c));
    const offset = this.findValidOffset(dicId);
    this.setOffset(dicId, (dicId ^ offset) >>> 0);
    let c = dawg.child(dawgId);
    for (let i = 0; i < labels.length; i++) {
      const dicChildId = (offset ^ labels[i]) >>> 0;
      this.reserveId(dicChildId);
      if (dawg.isLeaf(c)) {
        this.setHasLeaf(dicId);
        this.setValue(dicChildId, dawg.value(c));
      } else {
        this.setLabel(dicChildId, labels[i]);
      }
      c = dawg.sibling(c);
    }
    this.extraUsed[offset % NUM_EXTRAS] = 1;
    return offset;
  }

  private findValidOffset(id: number): number {
    if (this.extrasHead >= this.units.length) return (this.units.length | (id & LOWER_MASK)) >>> 0;
    let unfixed = this.extrasHead;
    do {
      const offset = (unfixed ^ this.labels[0]) >>> 0;
      if (this.isValidOffset(id, offset)) return offset;
      unfixed = this.extraNext[unfixed % NUM_EXTRAS];
    } while (unfixed !== this.extrasHead);
    return (this.units.length | (id & LOWER_MASK)) >>> 0;
  }

  private isValidOffset(id: number, offset: number): boolean {
    if (this.extraUsed[offset % NUM_EXTRAS]) return false;
    const rel = (id ^ offset) >>> 0;
    if (rel & LOWER_MASK && rel & UPPER_MASK) return false;
    for (let i = 1; i < this.labels.length; i++) {
      if (this.extraFixed[((offset ^ this.labels[i]) >>> 0) % NUM_EXTRAS]) return false;
    }
    return true;
  }

  private reserveId(id: number): void {
    if (id >= this.units.length) this.expandUnits();
    const e = id % NUM_EXTRAS;
    if (id === this.extrasHead) {
      this.extrasHead = this.extraNext[e];
      if (this.extrasHead === id) this.extrasHead = this.units.length;
    }
    this.extraNext[this.extraPrev[e] % NUM_EXTRAS] = this.extraNext[e];
    this.extraPrev[this.extraNext[e] % NUM_EXTRAS] = this.extraPrev[e];
    this.extraFixed[e] = 1;
  }

  private expandUnits(): void {
    const src = this.units.length;
    const srcBlocks = src / BLOCK_SIZE;
    const dest = src + BLOCK_SIZE;
    const destBlocks = srcBlocks + 1;
    if (destBlocks > NUM_EXTRA_BLOCKS) this.fixBlock(srcBlocks - NUM_EXTRA_BLOCKS);
    this.units.resize(dest);
    if (destBlocks > NUM_EXTRA_BLOCKS) {
      for (let id = src; id < dest; id++) {
        this.extraUsed[id % NUM_EXTRAS] = 0;
        this.extraFixed[id % NUM_EXTRAS] = 0;
      }
    }
    const prev = this.extraPrev;
    const next = this.extraNext;
    for (let i = src + 1; i < dest; i++) {
      next[(i - 1) % NUM_EXTRAS] = i;
      prev[i % NUM_EXTRAS] = i - 1;
    }
    prev[src % NUM_EXTRAS] = dest - 1;
    next[(dest - 1) % NUM_EXTRAS] = src;
    const head = this.extrasHead % NUM_EXTRAS;
    prev[src % NUM_EXTRAS] = prev[head];
    next[(dest - 1) % NUM_EXTRAS] = this.extrasHead;
    next[prev[head] % NUM_EXTRAS] = src;
    prev[head] = dest - 1;
  }

  private fixAllBlocks(): void {
    const blocks = this.units.length / BLOCK_SIZE;
    const begin = blocks > NUM_EXTRA_BLOCKS ? blocks - NUM_EXTRA_BLOCKS : 0;
    for (let b = begin; b !== blocks; b++) this.fixBlock(b);
  }

  /** Closes a block: its free units get labels no lookup from inside the block can match. */
  private fixBlock(blockId: number): void {
    const begin = blockId * BLOCK_SIZE;
    const end = begin + BLOCK_SIZE;
    let unusedOffset = 0;
    for (let offset = begin; offset !== end; offset++) {
      if (!this.extraUsed[offset % NUM_EXTRAS]) {
        unusedOffset = offset;
        break;
      }
    }
    for (let id = begin; id !== end; id++) {
      if (!this.extraFixed[id % NUM_EXTRAS]) {
        this.reserveId(id);
        this.setLabel(id, (id ^ unusedOffset) & 0xff);
      }
    }
  }
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
  const dawg = new DawgBuilder();
  for (let i = 0; i < p.count; i++) dawg.insert(p.bytes, p.start[i], p.start[i + 1], p.valueOffset[i]);
  dawg.finish();
  const units = new DoubleArrayBuilder().build(dawg);
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

// ---------------------------------------------------------------------------------------------
// NFKC rule generation (builder.cc BuildNFKCMap / BuildNmtNFKCMap), on code point strings.

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

/** CompileCharsMap straight from code point strings (no per-rule byte arrays). */
function compileStringRules(rules: StringRules): CharsMap {
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

const blobCache = new Map<string, Uint8Array>();

/** Normalization rule sets pgolf can compile (SentencePiece's normalization_rule_name). */
export type NormalizationName = "nmt_nfkc" | "nfkc" | "identity";

/**
 * The precompiled_charsmap blob SentencePiece stores for `name` ("identity": empty, no rules),
 * built from Node's ICU on first use and cached for the process. A copy is returned.
 */
export function precompiledCharsMap(name: NormalizationName): Uint8Array {
  if (name === "identity") return new Uint8Array(0);
  let blob = blobCache.get(name);
  if (!blob) {
    blob = compileStringRules(name === "nfkc" ? nfkcStringRules() : nmtNfkcStringRules()).encode();
    blobCache.set(name, blob);
  }
  return blob.slice();
}
