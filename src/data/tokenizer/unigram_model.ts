// SentencePiece's unigram_model.cc in TypeScript: encoding a normalized byte string with a Unigram
// model (Model::EncodeOptimized): the Viterbi path of highest total score through the lattice of
// pieces, in float32 sums like the C++, one unknown character scored min score - kUnkPenalty.
//
// Strings are byte strings (model_interface.ts): each UTF-8 byte as one latin1 char.
import { PieceType } from "./model_proto.js";
import type { ModelInterface } from "./model_interface.js";
import { oneCharLen } from "./normalizer.js";

const UNK_PENALTY = 10; // unigram_model.h kUnkPenalty

/** A byte trie over pieces, for the lattice (a Map per node: fine at vocabulary sizes). */
interface TrieNode {
  next: Map<number, TrieNode>;
  id: number;
}

export class UnigramModel {
  private readonly trie: TrieNode;
  /** Lowest and highest score of a NORMAL piece (float32). */
  private readonly minScore: number;
  private readonly maxScore: number;

  constructor(private readonly model: ModelInterface) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < model.vocabSize; i++) {
      if (model.types[i] !== PieceType.NORMAL) continue;
      min = Math.min(min, model.scores[i]);
      max = Math.max(max, model.scores[i]);
    }
    // FLT_MAX / FLT_MIN starting values, as in the C++ constructor.
    this.minScore = Number.isFinite(min) ? min : 3.4028234663852886e38;
    this.maxScore = Number.isFinite(max) ? max : 1.1754943508222875e-38;
    const root: TrieNode = { next: new Map(), id: -1 };
    for (const [key, id] of model.normalIds) {
      let node = root;
      for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i);
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = { next: new Map(), id: -1 }));
        node = child;
      }
      node.id = id;
    }
    this.trie = root;
  }

  /** Appends the ids of the normalized byte string `s` to `out`, with byte fallback for unknowns. */
  encode(s: string, out: number[]): void {
    for (const [piece, id] of this.viterbi(s)) this.model.emit(piece, id, out);
  }

  /** unigram_model.cc Model::EncodeOptimized: best path ending at each byte, float32 sums. */
  private viterbi(s: string): Array<[string, number]> {
    const size = s.length;
    const f = Math.fround;
    const types = this.model.types;
    const unkScore = f(this.minScore - UNK_PENALTY);
    const bestScore = new Float64Array(size + 1);
    const startsAt = new Int32Array(size + 1).fill(-1);
    const bestId = new Int32Array(size + 1).fill(-1);
    let at = 0;
    while (at < size) {
      const till = bestScore[at];
      let hasSingle = false;
      const mblen = Math.min(oneCharLen(s.charCodeAt(at)), size - at);
      let node: TrieNode | undefined = this.trie;
      for (let k = at; k < size; k++) {
        node = node.next.get(s.charCodeAt(k));
        if (!node) break;
        const id = node.id;
        if (id < 0 || types[id] === PieceType.UNUSED) continue;
        const e = k + 1;
        const length = e - at;
        let cand: number;
        if (types[id] === PieceType.USER_DEFINED) {
          // (length * max_score_ - 0.1) is a double in the C++; the sum stays double for the compare.
          cand = f(length * this.maxScore) - 0.1 + till;
        } else cand = f(this.model.scores[id] + till);
        if (startsAt[e] === -1 || cand > bestScore[e]) {
          bestScore[e] = f(cand);
          startsAt[e] = at;
          bestId[e] = id;
        }
        if (!hasSingle && length === mblen) hasSingle = true;
      }
      if (!hasSingle) {
        const e = at + mblen;
        const cand = f(unkScore + till);
        if (startsAt[e] === -1 || cand > bestScore[e]) {
          bestScore[e] = cand;
          startsAt[e] = at;
          bestId[e] = this.model.unkId;
        }
      }
      at += mblen;
    }
    const result: Array<[string, number]> = [];
    for (let e = size; e > 0; e = startsAt[e]) result.push([s.slice(startsAt[e], e), bestId[e]]);
    return result.reverse();
  }
}
