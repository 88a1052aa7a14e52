// SentencePiece's bpe_model.cc in TypeScript: encoding a normalized byte string with a BPE model
// (Model::Encode), with exactly SentencePiece's merge order: repeatedly the adjacent pair whose
// merged piece scores highest (ties: the leftmost) becomes one symbol, until no adjacent pair
// spells a piece; UNUSED pieces are split back into what they were merged from (`resegment`).
//
// Strings are byte strings (model_interface.ts): each UTF-8 byte as one latin1 char.
import { PieceType } from "./model_proto.js";
import type { ModelInterface } from "./model_interface.js";
import { oneCharLen } from "./normalizer.js";

/** Binary heap of candidate merges, best first (bpe_model.cc's agenda), in parallel arrays. */
class PairHeap {
  score: number[] = [];
  left: number[] = [];
  right: number[] = [];
  size: number[] = [];
  merged: number[] = [];
  n = 0;
  clear(): void {
    this.n = 0;
  }
  private better(i: number, j: number): boolean {
    // SymbolPairComparator: higher score first; ties: smaller left index first.
    return this.score[i] > this.score[j] || (this.score[i] === this.score[j] && this.left[i] < this.left[j]);
  }
  private swap(i: number, j: number): void {
    let t = this.score[i]; this.score[i] = this.score[j]; this.score[j] = t;
    t = this.left[i]; this.left[i] = this.left[j]; this.left[j] = t;
    t = this.right[i]; this.right[i] = this.right[j]; this.right[j] = t;
    t = this.size[i]; this.size[i] = this.size[j]; this.size[j] = t;
    t = this.merged[i]; this.merged[i] = this.merged[j]; this.merged[j] = t;
  }
  push(score: number, left: number, right: number, size: number, merged: number): void {
    let i = this.n++;
    this.score[i] = score; this.left[i] = left; this.right[i] = right; this.size[i] = size; this.merged[i] = merged;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Removes the best entry into slot `n` (read it from there right after). */
  pop(): number {
    const last = --this.n;
    this.swap(0, last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let b = i;
      if (l < last && this.better(l, b)) b = l;
      if (r < last && this.better(r, b)) b = r;
      if (b === i) break;
      this.swap(i, b);
      i = b;
    }
    return last;
  }
}

export class BpeModel {
  private readonly vocabSize: number;
  private readonly types: Uint8Array;
  private readonly scores: Float32Array;
  private readonly normalIds: Map<string, number>;
  private readonly userDefined: string[];
  private readonly outputId: Int32Array;
  private readonly heap = new PairHeap();
  /** BPE merge table: (left symbol id) * pairStride + (right symbol id) -> merged piece id. */
  private readonly pairs = new Map<number, number>();
  private readonly pairStride: number;
  /** Symbol id of each ASCII byte, and of each multi-byte character that can take part in a merge. */
  private readonly asciiId = new Int32Array(128).fill(-1);
  private readonly charIds = new Map<string, number>();
  /** Characters that are not pieces but occur inside pieces (symbol ids vocabSize + i). */
  private readonly internChars: string[] = [];
  // The symbols of the string being encoded (a linked list over arrays, grown as needed).
  private symId: Int32Array = new Int32Array(0);
  private symStart: Int32Array = new Int32Array(0);
  private symEnd: Int32Array = new Int32Array(0);
  private symPrev: Int32Array = new Int32Array(0);
  private symNext: Int32Array = new Int32Array(0);
  private symFreeze: Uint8Array = new Uint8Array(0);

  constructor(private readonly model: ModelInterface) {
    this.vocabSize = model.vocabSize;
    this.types = model.types;
    this.scores = model.scores;
    this.normalIds = model.normalIds;
    this.userDefined = model.userDefined;
    this.outputId = model.outputId;
    this.pairStride = this.buildPairs();
  }

  /**
   * Fills `pairs`: every way of cutting a piece in two where both halves can be symbols (a piece, or
   * a single character). Returns the stride of the pair key.
   */
  private buildPairs(): number {
    const n = this.vocabSize;
    const chars = (p: string): string[] => {
      const out: string[] = [];
      for (let i = 0; i < p.length; ) {
        const len = Math.min(oneCharLen(p.charCodeAt(i)), p.length - i);
        out.push(p.slice(i, i + len));
        i += len;
      }
      return out;
    };
    const symbolId = new Map<string, number>(this.normalIds);
    for (const p of this.normalIds.keys()) {
      for (const c of chars(p)) {
        if (!symbolId.has(c)) {
          symbolId.set(c, n + this.internChars.length);
          this.internChars.push(c);
        }
      }
    }
    const stride = n + this.internChars.length;
    for (const [p, id] of this.normalIds) {
      const cs = chars(p);
      let cut = 0;
      for (let k = 1; k < cs.length; k++) {
        cut += cs[k - 1].length;
        const a = symbolId.get(p.slice(0, cut));
        const b = symbolId.get(p.slice(cut));
        if (a !== undefined && b !== undefined) this.pairs.set(a * stride + b, id);
      }
    }
    for (const [c, id] of symbolId) {
      if (c.length === 1 && c.charCodeAt(0) < 0x80) this.asciiId[c.charCodeAt(0)] = id;
      else if (c.length === oneCharLen(c.charCodeAt(0))) this.charIds.set(c, id);
    }
    return stride;
  }

  /**
   * bpe_model.cc Model::Encode on one normalized byte string, appending ids to `out`.
   *
   * Symbols carry an id instead of a string: a piece id, an id >= vocabSize for a single character
   * that is not a piece but occurs inside one, or -1 for any other character (it can never merge).
   * Two adjacent symbols merge when `pairs` holds their concatenation, which is exactly when the C++
   * finds the concatenated string in pieces_. A popped merge is stale when either side changed
   * size, as in the C++ (a symbol only ever grows, so size equality means "unchanged").
   */
  encode(s: string, out: number[]): void {
    const n = s.length;
    if (this.symId.length < n) this.growSymbols(n);
    const symId = this.symId;
    const start = this.symStart;
    const end = this.symEnd;
    const prev = this.symPrev;
    const next = this.symNext;
    const freeze = this.symFreeze;
    const pairs = this.pairs;
    const M = this.pairStride;
    const scores = this.scores;
    let count = 0;
    let pos = 0;
    while (pos < n) {
      let len = 0;
      let id = -1;
      let frozen = 0;
      if (this.userDefined.length > 0) {
        for (const u of this.userDefined) {
          if (s.startsWith(u, pos)) {
            len = u.length;
            id = this.normalIds.get(u)!;
            frozen = 1;
            break;
          }
        }
      }
      if (len === 0) {
        const c = s.charCodeAt(pos);
        if (c < 0x80) {
          len = 1;
          id = this.asciiId[c];
        } else {
          len = Math.min(oneCharLen(c), n - pos);
          id = this.charIds.get(s.slice(pos, pos + len)) ?? -1;
        }
      }
      symId[count] = id;
      start[count] = pos;
      end[count] = pos + len;
      prev[count] = count - 1;
      pos += len;
      next[count] = pos < n ? count + 1 : -1;
      freeze[count] = frozen;
      count++;
    }
    const heap = this.heap;
    heap.clear();
    let revMerge: Map<number, [number, number]> | undefined;
    const maybeAdd = (left: number, right: number) => {
      if (left === -1 || right === -1 || freeze[left] || freeze[right]) return;
      const a = symId[left];
      const b = symId[right];
      if (a < 0 || b < 0) return;
      const merged = pairs.get(a * M + b);
      if (merged === undefined) return;
      heap.push(scores[merged], left, right, end[right] - start[left], merged);
      if (this.types[merged] === PieceType.UNUSED) (revMerge ??= new Map()).set(merged, [a, b]);
    };
    for (let i = 1; i < count; i++) maybeAdd(i - 1, i);
    while (heap.n > 0) {
      const t = heap.pop();
      const left = heap.left[t];
      const right = heap.right[t];
      const ll = end[left] - start[left];
      const rl = end[right] - start[right];
      if (ll === 0 || rl === 0 || ll + rl !== heap.size[t]) continue;
      symId[left] = heap.merged[t];
      end[left] = end[right];
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      end[right] = start[right]; // now empty
      maybeAdd(prev[left], left);
      maybeAdd(left, next[left]);
    }
    if (count === 0) return;
    for (let i = 0; i !== -1; i = next[i]) {
      const id = symId[i];
      if (id < 0) this.emitUnknown(s.slice(start[i], end[i]), out);
      else this.emitSymbol(id, revMerge, out);
    }
  }

  /** Output of a merged or single symbol: resegments UNUSED pieces (the C++ `resegment`). */
  private emitSymbol(id: number, revMerge: Map<number, [number, number]> | undefined, out: number[]): void {
    if (id >= this.vocabSize) {
      this.emitUnknown(this.internChars[id - this.vocabSize], out);
      return;
    }
    if (this.types[id] === PieceType.UNUSED) {
      const p = revMerge?.get(id);
      if (p) {
        this.emitSymbol(p[0], revMerge, out);
        this.emitSymbol(p[1], revMerge, out);
        return;
      }
    }
    out.push(this.outputId[id]);
  }

  /** A symbol that is not a piece: a reserved piece when it spells one, else unk or its bytes. */
  private emitUnknown(piece: string, out: number[]): void {
    this.model.emit(piece, this.model.reservedIds.get(piece) ?? this.model.unkId, out);
  }

  private growSymbols(n: number): void {
    const cap = Math.max(n, this.symId.length * 2, 64);
    this.symId = new Int32Array(cap);
    this.symStart = new Int32Array(cap);
    this.symEnd = new Int32Array(cap);
    this.symPrev = new Int32Array(cap);
    this.symNext = new Int32Array(cap);
    this.symFreeze = new Uint8Array(cap);
  }
}
