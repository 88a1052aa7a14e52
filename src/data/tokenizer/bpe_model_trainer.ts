// SentencePiece's bpe_model_trainer.cc in TypeScript: training a BPE model (Trainer::Train). The
// steps every trainer shares (options, meta pieces, loading and normalizing the documents, the
// required characters, the layout of the .model and .vocab) are trainer_interface.ts; this file is
// the merge loop between them.
//
// Greedy merges: repeatedly the adjacent symbol pair with the highest count becomes a piece. Ties go
// to the shorter piece (in characters), then the smaller piece in code point order
// (bpe_model_trainer.cc), then the pair of earlier-created symbols. A pair may only form a valid
// piece (IsValidSentencePiece): at most maxPieceLength characters, "▁" only in front, one Unicode
// script (splitByUnicodeScript), digits alone (splitDigits). Repeated pairs count without overlap
// ("aaa" holds one "aa"), with SentencePiece's quirk of never again counting a repeated pair it once
// skipped (see BpeMerger.markRuns). The merged pieces are scored 0, -1, -2, ... in merge order, then
// the required characters by frequency with the scores continuing.
//
// Differences from SentencePiece, by design:
//  - SentencePiece only rescans the 5% most frequent pairs (at least 1000) every 100 merges; here
//    every pair is tracked exactly (a heap with incremental count updates), so the most frequent
//    pair always wins. The vocabularies agree except where SentencePiece's shortlist missed it
//    (on every corpus and setting tried, the .vocab files were byte-identical to SentencePiece
//    0.1.97's; see bpe_model_trainer.test.ts). Where two splits of one string tie ("aa"+"a",
//    "a"+"aa"), SentencePiece's pick depends on pointer hashing; here on symbol age.
//  - SentencePiece keeps adding pieces of count 0 when the corpus has no pairs left; here
//    training stops there (with hardVocabLimit false the vocabulary is then smaller).
// Everything is deterministic: no Map iteration order of unequal things, locale or timing decides
// anything, and document order does not matter, so the same documents give byte-identical .model
// files on any machine (the normalization table is the pinned one unless asked otherwise).
import { compareCodePoints } from "../../core/code_points.js";
import { GrowableArray } from "../../core/growable.js";
import {
  emptyStats,
  isValidPiece,
  loadSentences,
  MAX_VOCAB_SIZE,
  metaPieces,
  normalizerSpec,
  requiredCharacters,
  resolveOptions,
  serialize,
  trainingCharsMap,
  UNK_CHAR,
  type ResolvedOptions,
  type TrainerOptions,
  type TrainerResult,
  type TrainerStats,
  type TrainingWord,
} from "./trainer_interface.js";

// The trainer's options, statistics and result are the trainer interface's (BPE is pgolf's one trainer).
export type BpeTrainOptions = TrainerOptions;
export type BpeTrainStats = TrainerStats;
export type BpeTrainResult = TrainerResult;

/** Symbol ids stay below this, so that a pair (left, right) has the numeric key left * PAIR_KEY + right. */
const PAIR_KEY = 2 * MAX_VOCAB_SIZE;

// ---------------------------------------------------------------------------------------------
// The BPE merge loop (bpe_model_trainer.cc Train), exact: every pair's count is kept up to date.

class BpeMerger {
  // Symbols: required characters, the unknown marker, then merged pieces.
  readonly symChars: number[][] = [];
  readonly symText: string[] = [];
  private readonly unkSymbol: number;
  // Words: symbol sequences and counts.
  private readonly words: Int32Array[];
  /**
   * untracked[w][i] = 1: the adjacency of symbols i and i+1 of word w, a repeated pair (X, X),
   * is one SentencePiece stopped tracking (see `markRuns`): it is neither counted nor merged.
   */
  private readonly untracked: Uint8Array[];
  private readonly wordLen: Int32Array;
  private readonly wordCount: Float64Array;
  private readonly wordStamp: Int32Array;
  /** Scratch for mergeWord: old index of each symbol after a merge (-1: the new symbol). */
  private origin = new Int32Array(64);
  // Pairs: pair key -> pair index (or -1: not a valid piece).
  private readonly pairIndex = new Map<number, number>();
  private readonly pairLeft = new GrowableArray(new Int32Array(1024));
  private readonly pairRight = new GrowableArray(new Int32Array(1024));
  private readonly pairFreq = new GrowableArray(new Float64Array(1024));
  private readonly pairText: string[] = [];
  private readonly pairDone: number[] = [];
  private readonly pairWords: number[][] = [];
  // Pairs whose count changed during the current merge, with the count before it.
  private readonly touched: number[] = [];
  private readonly touchedBefore = new Map<number, number>();
  // Max-heap of (pair, count at push time); stale entries are skipped when popped.
  private heapPair = new Int32Array(1024);
  private heapFreq = new Float64Array(1024);
  private heapSize = 0;

  constructor(
    alphabet: number[],
    words: TrainingWord[],
    private readonly o: ResolvedOptions,
  ) {
    const charSymbol = new Map<number, number>();
    for (const c of alphabet) {
      charSymbol.set(c, this.symChars.length);
      this.symChars.push([c]);
      this.symText.push(String.fromCodePoint(c));
    }
    this.unkSymbol = this.symChars.length;
    this.symChars.push([UNK_CHAR]);
    this.symText.push(String.fromCodePoint(UNK_CHAR));

    this.words = words.map((w) => Int32Array.from(w.chars, (c) => charSymbol.get(c) ?? this.unkSymbol));
    this.wordLen = Int32Array.from(words, (w) => w.chars.length);
    this.wordCount = Float64Array.from(words, (w) => w.count);
    this.wordStamp = new Int32Array(words.length).fill(-1);
    this.untracked = this.words.map((seq) => new Uint8Array(seq.length));
    for (let w = 0; w < this.words.length; w++) {
      this.markRuns(w, -1);
      this.countPairs(w, 1, -1);
    }
    for (const p of this.touched) this.heapPush(p);
    this.touched.length = 0;
    this.touchedBefore.clear();
  }

  /** Index of the pair (a, b), creating it on first sight; -1 when it cannot form a piece. */
  private pairOf(a: number, b: number): number {
    const key = a * PAIR_KEY + b;
    let p = this.pairIndex.get(key);
    if (p !== undefined) return p;
    p = -1;
    if (a !== this.unkSymbol && b !== this.unkSymbol) {
      const chars = this.symChars[a].concat(this.symChars[b]);
      if (isValidPiece(chars, this.o)) {
        p = this.pairLeft.push(a);
        this.pairRight.push(b);
        this.pairFreq.push(0);
        this.pairText.push(this.symText[a] + this.symText[b]);
        this.pairDone.push(0);
        this.pairWords.push([]);
      }
    }
    this.pairIndex.set(key, p);
    return p;
  }

  /**
   * SentencePiece's bookkeeping of repeated pairs (bpe_model_trainer.cc ComputeFreq): positions of
   * a pair (X, X) are recorded when X's adjacencies appear (all characters at the start, a merged
   * symbol's neighbours when it is made), and the first count after that drops every second one
   * of a run ("XXXX" keeps the pairs at 0 and 2) for good. A dropped one is never counted or
   * merged again, even when its kept neighbour later disappears into another merge ("?..." after
   * "?." is merged keeps no ".." pair). Marks those adjacencies in runs of `symbol` (of every
   * symbol when -1) in word `w`.
   */
  private markRuns(w: number, symbol: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    let runIndex = 0;
    for (let i = 0; i + 1 < n; i++) {
      if (seq[i] === seq[i + 1] && (symbol < 0 || seq[i] === symbol)) {
        if (runIndex % 2 === 1) flags[i] = 1;
        runIndex++;
      } else runIndex = 0;
    }
  }

  /**
   * Adds `sign` times the word's count to every tracked pair occurrence in word `w`. Registers
   * `w` with the pairs that contain `withSymbol` (all pairs when -1).
   */
  private countPairs(w: number, sign: number, withSymbol: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    const delta = sign * this.wordCount[w];
    for (let i = 0; i + 1 < n; i++) {
      if (flags[i]) continue;
      const a = seq[i];
      const b = seq[i + 1];
      const p = this.pairOf(a, b);
      if (p < 0) continue;
      if (!this.touchedBefore.has(p)) {
        this.touchedBefore.set(p, this.pairFreq.data[p]);
        this.touched.push(p);
      }
      this.pairFreq.data[p] += delta;
      if (sign > 0 && (withSymbol < 0 || a === withSymbol || b === withSymbol)) {
        const list = this.pairWords[p];
        if (list[list.length - 1] !== w) list.push(w);
      }
    }
  }

  /**
   * Replaces the tracked occurrences of (left, right) in word `w` by `m`, left to right. The
   * adjacencies around each new `m` are new (tracked, except every second one in a run of `m`);
   * the others keep their state.
   */
  private mergeWord(w: number, left: number, right: number, m: number): void {
    const seq = this.words[w];
    const flags = this.untracked[w];
    const n = this.wordLen[w];
    if (this.origin.length < n) this.origin = new Int32Array(n * 2);
    const origin = this.origin;
    // Symbols, left to right; origin[j] = old index of a copied symbol (seq is rewritten in place:
    // j <= i, so nothing is overwritten before it is read).
    let j = 0;
    for (let i = 0; i < n; j++) {
      if (i + 1 < n && seq[i] === left && seq[i + 1] === right && !flags[i]) {
        seq[j] = m;
        origin[j] = -1;
        i += 2;
      } else {
        seq[j] = seq[i];
        origin[j] = i;
        i++;
      }
    }
    // Adjacencies: one between two copied symbols was one before (old i and i+1); keep its state.
    for (let k = 0; k + 1 < j; k++) flags[k] = origin[k] >= 0 && origin[k + 1] >= 0 ? flags[origin[k]] : 0;
    flags.fill(0, Math.max(0, j - 1), n);
    this.wordLen[w] = j;
    this.markRuns(w, m);
  }

  /** True when pair i ranks above pair j: higher count, shorter, smaller text, older symbols. */
  private better(pi: number, fi: number, pj: number, fj: number): boolean {
    if (fi !== fj) return fi > fj;
    const li = this.symChars[this.pairLeft.data[pi]].length + this.symChars[this.pairRight.data[pi]].length;
    const lj = this.symChars[this.pairLeft.data[pj]].length + this.symChars[this.pairRight.data[pj]].length;
    if (li !== lj) return li < lj;
    const c = compareCodePoints(this.pairText[pi], this.pairText[pj]);
    if (c !== 0) return c < 0;
    if (this.pairLeft.data[pi] !== this.pairLeft.data[pj]) return this.pairLeft.data[pi] < this.pairLeft.data[pj];
    return this.pairRight.data[pi] < this.pairRight.data[pj];
  }

  private heapPush(p: number): void {
    const f = this.pairFreq.data[p];
    if (f <= 0 || this.pairDone[p]) return;
    if (this.heapSize === this.heapPair.length) {
      const np = new Int32Array(this.heapPair.length * 2);
      np.set(this.heapPair);
      const nf = new Float64Array(this.heapFreq.length * 2);
      nf.set(this.heapFreq);
      this.heapPair = np;
      this.heapFreq = nf;
    }
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(p, f, this.heapPair[parent], this.heapFreq[parent])) break;
      this.heapPair[i] = this.heapPair[parent];
      this.heapFreq[i] = this.heapFreq[parent];
      i = parent;
    }
    this.heapPair[i] = p;
    this.heapFreq[i] = f;
  }

  private heapPop(): void {
    const last = --this.heapSize;
    const p = this.heapPair[last];
    const f = this.heapFreq[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.better(this.heapPair[c + 1], this.heapFreq[c + 1], this.heapPair[c], this.heapFreq[c])) c++;
      if (!this.better(this.heapPair[c], this.heapFreq[c], p, f)) break;
      this.heapPair[i] = this.heapPair[c];
      this.heapFreq[i] = this.heapFreq[c];
      i = c;
    }
    this.heapPair[i] = p;
    this.heapFreq[i] = f;
  }

  /** The best live pair, or -1 when no pair occurs any more. */
  private best(): number {
    while (this.heapSize > 0) {
      const p = this.heapPair[0];
      const f = this.heapFreq[0];
      this.heapPop();
      if (!this.pairDone[p] && f === this.pairFreq.data[p] && f > 0) return p;
    }
    return -1;
  }

  /** Runs merges until `target` pieces exist or no pair is left; returns the pieces in order. */
  run(target: number): string[] {
    const pieces: string[] = [];
    const made = new Set<string>();
    while (pieces.length < target) {
      const p = this.best();
      if (p < 0) break;
      this.pairDone[p] = 1;
      const text = this.pairText[p];
      // The same string reached through another split ("aa"+"a" vs "a"+"aa") is not a new piece.
      if (made.has(text)) continue;
      made.add(text);
      pieces.push(text);
      const left = this.pairLeft.data[p];
      const right = this.pairRight.data[p];
      const m = this.symChars.length;
      this.symChars.push(this.symChars[left].concat(this.symChars[right]));
      this.symText.push(text);
      const stamp = pieces.length;
      for (const w of this.pairWords[p]) {
        if (this.wordStamp[w] === stamp) continue;
        this.wordStamp[w] = stamp;
        const seq = this.words[w];
        const n = this.wordLen[w];
        const flags = this.untracked[w];
        let present = false;
        for (let i = 0; i + 1 < n; i++) {
          if (seq[i] === left && seq[i + 1] === right && !flags[i]) {
            present = true;
            break;
          }
        }
        if (!present) continue;
        this.countPairs(w, -1, -1);
        this.mergeWord(w, left, right, m);
        this.countPairs(w, 1, m);
      }
      this.pairWords[p] = [];
      for (const q of this.touched) if (this.pairFreq.data[q] !== this.touchedBefore.get(q)) this.heapPush(q);
      this.touched.length = 0;
      this.touchedBefore.clear();
    }
    return pieces;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Trains a SentencePiece BPE model on `docs` (one document per string, as the Parameter Golf
 * builder passes them): trainer_interface.ts's steps around the merges above.
 */
export function trainBpe(docs: Iterable<string>, options: BpeTrainOptions): BpeTrainResult {
  const t0 = performance.now();
  const o = resolveOptions(options);
  const metas = metaPieces(o);
  const nspec = normalizerSpec(o, trainingCharsMap(o));
  const stats = emptyStats();
  // Select, normalize and count words; then the alphabet by character coverage.
  const wordCounts = loadSentences(docs, o, metas, nspec, stats);
  const { required, words } = requiredCharacters(wordCounts, o, metas, stats);

  // Merges.
  const target = o.vocabSize - metas.size - required.length;
  const merger = new BpeMerger(required.map(([c]) => c), words, o);
  const mergedPieces = merger.run(target);
  stats.merges = mergedPieces.length;

  // Layout (Serialize): the merged pieces, then the required characters.
  const finals: Array<{ piece: string; score: number }> = mergedPieces.map((piece, i) => ({ piece, score: -i }));
  for (const [c] of required) finals.push({ piece: String.fromCodePoint(c), score: -finals.length });
  const { model, vocab } = serialize(o, metas, finals, nspec, stats);
  stats.seconds = (performance.now() - t0) / 1000;
  return { model, vocab, stats };
}
