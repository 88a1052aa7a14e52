// SentencePiece's third_party/darts_clone/darts.h in TypeScript: the Darts-clone double-array
// trie builder (darts-clone 0.32 `DoubleArray::build()` with values), the trie layout SentencePiece's
// normalizer reads its precompiled charsmap from (see charsmap.ts for the unit format).
//
// Two stages, as in darts.h:
//  1. DawgBuilder: the trie of the sorted keys, equal subtrees merged into a DAWG;
//  2. DoubleArrayBuilder (build_from_dawg): the DAWG laid out as a double array of uint32 units.
// Each step follows darts-clone (same hash, same free-list walk, same block fixing), so the units
// are the ones SentencePiece's builder writes for the same keys and values, unit for unit.
// Keys are UTF-8 byte strings without NUL (NUL ends a key in the trie); values are
// non-negative 31-bit integers (builder.cc stores byte offsets of replacement strings).
import { PgolfError } from "../../core/error.js";

function dartsError(problem: string, fix: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("TOKENIZER_CHARSMAP", problem, { file: "<normalization rules>", fix, details });
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
      if (keyLabel < unitLabel) {
        throw dartsError("keys reached the DAWG out of order", "insert the keys in increasing byte order (buildCharsMap sorts them)", { key: Buffer.from(key).toString("hex") });
      }
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
      throw dartsError(`double-array offset ${offset} is too large`, "use fewer or shorter normalization rules; the trie does not fit darts-clone's 29-bit offsets");
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
 * Builds the double array of `count` keys, key i being `bytes[start[i]..start[i+1])` with value
 * `values[i]`; keys must come in increasing byte order (a repeated key keeps its first value).
 * Returns the units (uint32 each), unit 0 the root.
 */
export function buildDoubleArray(count: number, bytes: Uint8Array, start: Int32Array, values: Int32Array): Uint32Array {
  const dawg = new DawgBuilder();
  for (let i = 0; i < count; i++) dawg.insert(bytes, start[i], start[i + 1], values[i]);
  dawg.finish();
  return new DoubleArrayBuilder().build(dawg);
}
