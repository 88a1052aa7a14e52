// A memo of word -> token ids keyed by the word's bytes, so the hot path of encoding (a word seen
// before) hashes bytes in place and never builds a string. Open addressing with linear probing;
// keys and ids live in two growable arenas. When it reaches its limits it starts over empty: the
// cache only ever saves work, it never changes a result.

import { grow } from "../../core/growable.js";

const EMPTY = -1;
/** Start over once the key arena holds this many bytes (64 MiB). */
const MAX_KEY_BYTES = 1 << 26;

export class WordCache {
  private slots: Int32Array;
  private mask: number;
  private hashes: Uint32Array = new Uint32Array(1024);
  private keyStart: Int32Array = new Int32Array(1024);
  private keyLen: Int32Array = new Int32Array(1024);
  private idsStart: Int32Array = new Int32Array(1024);
  private idsLen: Int32Array = new Int32Array(1024);
  private keys: Uint8Array = new Uint8Array(1 << 16);
  private ids: Int32Array = new Int32Array(1 << 14);
  private keysUsed = 0;
  private idsUsed = 0;
  size = 0;
  private readonly maxEntries: number;

  constructor(maxEntries = 1 << 20) {
    this.maxEntries = maxEntries;
    this.slots = new Int32Array(2048).fill(EMPTY);
    this.mask = 2047;
  }

  /** FNV-1a over bytes [s, e). */
  static hash(b: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return h >>> 0;
  }

  /** Entry index of the word b[s..e) with hash h, or -1. */
  find(b: Uint8Array, s: number, e: number, h: number): number {
    const len = e - s;
    let slot = h & this.mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === EMPTY) return -1;
      if (this.hashes[entry] === h && this.keyLen[entry] === len) {
        const k = this.keyStart[entry];
        let i = 0;
        while (i < len && this.keys[k + i] === b[s + i]) i++;
        if (i === len) return entry;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Appends the ids of entry `entry` to `out`. */
  copyIds(entry: number, out: number[]): void {
    const s = this.idsStart[entry];
    const e = s + this.idsLen[entry];
    for (let i = s; i < e; i++) out.push(this.ids[i]);
  }

  /** Stores word b[s..e) (hash h) -> ids[from..]. */
  add(b: Uint8Array, s: number, e: number, h: number, ids: number[], from: number): void {
    const len = e - s;
    const nIds = ids.length - from;
    if (this.size >= this.maxEntries || this.keysUsed + len > MAX_KEY_BYTES) this.clear();
    if (this.keysUsed + len > this.keys.length) this.keys = grow(this.keys, this.keysUsed + len);
    if (this.idsUsed + nIds > this.ids.length) this.ids = grow(this.ids, this.idsUsed + nIds);
    if (this.size === this.hashes.length) {
      const cap = this.size * 2;
      this.hashes = grow(this.hashes, cap);
      this.keyStart = grow(this.keyStart, cap);
      this.keyLen = grow(this.keyLen, cap);
      this.idsStart = grow(this.idsStart, cap);
      this.idsLen = grow(this.idsLen, cap);
    }
    const entry = this.size++;
    this.hashes[entry] = h;
    this.keyStart[entry] = this.keysUsed;
    this.keyLen[entry] = len;
    this.keys.set(b.subarray(s, e), this.keysUsed);
    this.keysUsed += len;
    this.idsStart[entry] = this.idsUsed;
    this.idsLen[entry] = nIds;
    for (let i = 0; i < nIds; i++) this.ids[this.idsUsed + i] = ids[from + i];
    this.idsUsed += nIds;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.insertSlot(entry);
  }

  clear(): void {
    this.size = 0;
    this.keysUsed = 0;
    this.idsUsed = 0;
    this.slots.fill(EMPTY);
  }

  private insertSlot(entry: number): void {
    let slot = this.hashes[entry] & this.mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot] = entry;
  }

  private rehash(cap: number): void {
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    for (let i = 0; i < this.size; i++) this.insertSlot(i);
  }
}
