// A SentencePiece model (.model) loaded and run in TypeScript with exactly SentencePiece's results:
// the same normalization, the same BPE merge order (bpe_model.cc) or Unigram Viterbi path
// (unigram_model.cc EncodeOptimized, in float32 like the C++), the same byte fallback and the same
// decoding (sentencepiece_processor.cc Decode).
//
// Strings inside are "byte strings": each UTF-8 byte as one latin1 char, so that slicing and map
// keys work on bytes exactly as the C++ works on std::string.
import * as fs from "node:fs";
import { PgolfError } from "../../core/error.js";
import { decodeModelProto, ModelType, PieceType, type ModelProtoFields } from "./model_proto.js";
import { Normalizer, oneCharLen, validUtf8Length } from "./normalizer.js";
import type { ByteTable, Tokenizer } from "./tokenizer.js";
import { WordCache } from "./word_cache.js";

const SPACE = "\u2581";
const SPACE_BYTES = "\xe2\x96\x81"; // U+2581 as a byte string
const UNK_PENALTY = 10; // unigram_model.h kUnkPenalty

function toByteString(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

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

/** A byte trie over pieces, for the Unigram lattice (a Map per node: fine at vocabulary sizes). */
interface TrieNode {
  next: Map<number, TrieNode>;
  id: number;
}

export class SentencePieceTokenizer implements Tokenizer {
  readonly kind: string;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly proto: ModelProtoFields;
  readonly normalizer: Normalizer;
  readonly byteFallback: boolean;
  readonly file: string;

  private readonly modelType: number;
  private readonly pieces: string[];
  private readonly pieceBytes: string[];
  private readonly types: Uint8Array;
  private readonly scores: Float32Array;
  /** pieces_ of model_interface.cc: NORMAL, USER_DEFINED and UNUSED pieces, keyed by byte string. */
  private readonly normalIds = new Map<string, number>();
  /** reserved_id_map_: CONTROL, UNKNOWN and BYTE pieces. */
  private readonly reservedIds = new Map<string, number>();
  private readonly userDefined: string[];
  private readonly byteIds = new Int32Array(256);
  /** Where words may be cut without changing the result: before "▁", after it, or nowhere. */
  private readonly split: "before" | "after" | "none";
  private readonly wordCache = new WordCache();
  private readonly heap = new PairHeap();
  /** BPE merge table: (left symbol id) * pairStride + (right symbol id) -> merged piece id. */
  private readonly pairs = new Map<number, number>();
  private readonly pairStride: number = 0;
  /** Symbol id of each ASCII byte, and of each multi-byte character that can take part in a merge. */
  private readonly asciiId = new Int32Array(128).fill(-1);
  private readonly charIds = new Map<string, number>();
  /** Characters that are not pieces but occur inside pieces (symbol ids vocabSize + i). */
  private readonly internChars: string[] = [];
  /** The id PieceToId gives a piece's string (reserved pieces take precedence, as in the C++). */
  private readonly outputId: Int32Array;
  private symId: Int32Array = new Int32Array(0);
  private symStart: Int32Array = new Int32Array(0);
  private symEnd: Int32Array = new Int32Array(0);
  private symPrev: Int32Array = new Int32Array(0);
  private symNext: Int32Array = new Int32Array(0);
  private symFreeze: Uint8Array = new Uint8Array(0);
  private readonly trie?: TrieNode;
  private readonly minScore: number = 0;
  private readonly maxScore: number = 0;

  static fromFile(file: string): SentencePieceTokenizer {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new PgolfError("FILE_NOT_FOUND", `tokenizer model not found: ${(e as Error).message}`, {
        file,
        fix: "pass the path of a SentencePiece .model file (e.g. data/<course>/tokenizers/*.model)",
        cause: e,
      });
    }
    return new SentencePieceTokenizer(bytes, file);
  }

  static fromBytes(bytes: Uint8Array, file = "<model>"): SentencePieceTokenizer {
    return new SentencePieceTokenizer(bytes, file);
  }

  private constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    const proto = decodeModelProto(bytes, file);
    this.proto = proto;
    const ts = proto.trainer_spec;
    this.modelType = ts.model_type;
    if (this.modelType !== ModelType.BPE && this.modelType !== ModelType.UNIGRAM) {
      throw new PgolfError("TOKENIZER_UNSUPPORTED", `model type ${this.modelType} (WORD or CHAR) is not supported`, {
        file,
        fix: "train the tokenizer with model_type=bpe or model_type=unigram",
      });
    }
    this.kind = this.modelType === ModelType.BPE ? "sentencepiece-bpe" : "sentencepiece-unigram";
    const n = proto.pieces.length;
    if (n === 0) throw new PgolfError("TOKENIZER_PARSE", "model has no pieces", { file, fix: "pass a complete .model file" });
    this.vocabSize = n;
    this.pieces = new Array(n);
    this.pieceBytes = new Array(n);
    this.types = new Uint8Array(n);
    this.scores = new Float32Array(n);
    let unk = -1;
    const userDefined: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = proto.pieces[i];
      if (p.piece.length === 0) throw new PgolfError("TOKENIZER_PARSE", `piece ${i} is empty`, { file, fix: "the model is corrupt; re-train or re-download it" });
      this.pieces[i] = p.piece;
      this.pieceBytes[i] = toByteString(p.piece);
      this.types[i] = p.type;
      this.scores[i] = p.score;
      const normal = p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED;
      const map = normal ? this.normalIds : this.reservedIds;
      if (map.has(this.pieceBytes[i])) {
        throw new PgolfError("TOKENIZER_PARSE", `piece "${p.piece}" is defined twice`, { file, fix: "the model is corrupt; re-train it" });
      }
      map.set(this.pieceBytes[i], i);
      if (p.type === PieceType.USER_DEFINED) userDefined.push(this.pieceBytes[i]);
      if (p.type === PieceType.UNKNOWN) {
        if (unk >= 0) throw new PgolfError("TOKENIZER_PARSE", "unk is defined twice", { file, fix: "the model is corrupt; re-train it" });
        unk = i;
      }
    }
    if (unk < 0) throw new PgolfError("TOKENIZER_PARSE", "the model defines no <unk> piece", { file, fix: "re-train the tokenizer" });
    this.unkId = unk;
    this.userDefined = userDefined.sort((a, b) => b.length - a.length);
    const idOf = (piece: string, fallback: number) => {
      const id = this.reservedIds.get(toByteString(piece)) ?? this.normalIds.get(toByteString(piece));
      return id === undefined || this.types[id] !== PieceType.CONTROL ? fallback : id;
    };
    this.bosId = ts.bos_id >= 0 ? ts.bos_id : idOf(ts.bos_piece, -1);
    this.eosId = ts.eos_id >= 0 ? ts.eos_id : idOf(ts.eos_piece, -1);
    this.padId = ts.pad_id >= 0 ? ts.pad_id : idOf(ts.pad_piece, -1);

    this.byteFallback = ts.byte_fallback;
    for (let b = 0; b < 256; b++) {
      const name = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
      this.byteIds[b] = this.reservedIds.get(name) ?? this.normalIds.get(name) ?? unk;
    }
    if (this.byteFallback && [...this.byteIds].some((id) => id === unk)) {
      throw new PgolfError("TOKENIZER_PARSE", "byte_fallback is on but some <0xXX> byte pieces are missing", { file, fix: "re-train the tokenizer" });
    }

    this.normalizer = new Normalizer(proto.normalizer_spec, {
      userDefinedSymbols: proto.pieces.filter((p) => p.type === PieceType.USER_DEFINED).map((p) => p.piece),
      treatWhitespaceAsSuffix: ts.treat_whitespace_as_suffix,
      file,
    });

    // Cutting the normalized text into words at "▁" is exact when no piece (that merges or matches)
    // has "▁" anywhere but at its start (or, with treat_whitespace_as_suffix, its end).
    let onlyStart = true;
    let onlyEnd = true;
    for (const key of this.normalIds.keys()) {
      let at = key.indexOf(SPACE_BYTES);
      while (at >= 0) {
        if (at !== 0) onlyStart = false;
        if (at !== key.length - 3) onlyEnd = false;
        at = key.indexOf(SPACE_BYTES, at + 1);
      }
    }
    this.split = ts.treat_whitespace_as_suffix ? (onlyEnd ? "after" : "none") : onlyStart ? "before" : "none";

    this.outputId = new Int32Array(n);
    for (let i = 0; i < n; i++) this.outputId[i] = this.reservedIds.get(this.pieceBytes[i]) ?? i;
    if (this.modelType === ModelType.BPE) this.pairStride = this.buildPairs();

    if (this.modelType === ModelType.UNIGRAM) {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        if (this.types[i] !== PieceType.NORMAL) continue;
        min = Math.min(min, this.scores[i]);
        max = Math.max(max, this.scores[i]);
      }
      // FLT_MAX / FLT_MIN starting values, as in the C++ constructor.
      this.minScore = Number.isFinite(min) ? min : 3.4028234663852886e38;
      this.maxScore = Number.isFinite(max) ? max : 1.1754943508222875e-38;
      const root: TrieNode = { next: new Map(), id: -1 };
      for (const [key, id] of this.normalIds) {
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

  idToPiece(id: number): string {
    if (!(id >= 0 && id < this.vocabSize)) throw new PgolfError("USAGE", `id ${id} is outside the vocabulary of ${this.vocabSize}`, { file: this.file });
    return this.pieces[id];
  }

  pieceToId(piece: string): number {
    const b = toByteString(piece);
    return this.reservedIds.get(b) ?? this.normalIds.get(b) ?? this.unkId;
  }

  pieceType(id: number): number {
    return this.types[id];
  }

  score(id: number): number {
    return this.scores[id];
  }

  /** The normalized text as SentencePiece produces it before segmentation (▁ for spaces). */
  normalize(text: string): string {
    return this.normalizer.normalize(text);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    this.encodeInto(text, out);
    return out;
  }

  /** Appends the ids of `text` to `out` (no BOS/EOS). */
  encodeInto(text: string, out: number[]): void {
    const from = out.length;
    this.segment(text, out);
    // PopulateSentencePieceText merges each run of unknown pieces into one (without byte fallback,
    // every unk id in the output comes from an unknown piece).
    if (!this.byteFallback) {
      let w = from;
      for (let r = from; r < out.length; r++) {
        if (out[r] === this.unkId && w > from && out[w - 1] === this.unkId) continue;
        out[w++] = out[r];
      }
      out.length = w;
    }
  }

  private segment(text: string, out: number[]): void {
    const norm = this.normalizer.normalizeBytes(Buffer.from(text, "utf8"));
    if (norm.length === 0) return;
    const s = Buffer.from(norm.buffer, norm.byteOffset, norm.byteLength).toString("latin1");
    if (this.modelType === ModelType.UNIGRAM) {
      this.emit(this.viterbi(s), out);
      return;
    }
    if (this.split === "none") {
      this.bpe(s, out);
      return;
    }
    // Cut into words at "▁" and memoize each word's ids: merges never cross a cut (see constructor).
    const cache = this.wordCache;
    const len = norm.length;
    const before = this.split === "before";
    let begin = 0;
    while (begin < len) {
      // The word is [begin, cut): up to the next "▁" (before) or through it (after).
      let cut = before ? begin + 1 : begin;
      let found = false;
      while (cut + 2 < len) {
        if (norm[cut] === 0xe2 && norm[cut + 1] === 0x96 && norm[cut + 2] === 0x81) {
          found = true;
          break;
        }
        cut++;
      }
      cut = found ? (before ? cut : cut + 3) : len;
      const h = WordCache.hash(norm, begin, cut);
      const entry = cache.find(norm, begin, cut, h);
      if (entry >= 0) cache.copyIds(entry, out);
      else {
        const from = out.length;
        this.bpe(s.slice(begin, cut), out);
        cache.add(norm, begin, cut, h, out, from);
      }
      begin = cut;
    }
  }

  /** Turns (piece, id) results into ids, with byte fallback for unknown pieces (PopulateSentencePieceText). */
  private emit(result: Array<[string, number]>, out: number[]): void {
    for (const [piece, id] of result) {
      if (id === this.unkId && this.byteFallback) {
        for (let i = 0; i < piece.length; i++) out.push(this.byteIds[piece.charCodeAt(i)]);
      } else out.push(id);
    }
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
  private bpe(s: string, out: number[]): void {
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
    const id = this.reservedIds.get(piece) ?? this.unkId;
    if (id === this.unkId && this.byteFallback) {
      for (let i = 0; i < piece.length; i++) out.push(this.byteIds[piece.charCodeAt(i)]);
    } else out.push(id);
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

  /** unigram_model.cc Model::EncodeOptimized: best path ending at each byte, float32 sums. */
  private viterbi(s: string): Array<[string, number]> {
    const size = s.length;
    const f = Math.fround;
    const unkScore = f(this.minScore - UNK_PENALTY);
    const bestScore = new Float64Array(size + 1);
    const startsAt = new Int32Array(size + 1).fill(-1);
    const bestId = new Int32Array(size + 1).fill(-1);
    let at = 0;
    while (at < size) {
      const till = bestScore[at];
      let hasSingle = false;
      const mblen = Math.min(oneCharLen(s.charCodeAt(at)), size - at);
      let node: TrieNode | undefined = this.trie!;
      for (let k = at; k < size; k++) {
        node = node.next.get(s.charCodeAt(k));
        if (!node) break;
        const id = node.id;
        if (id < 0 || this.types[id] === PieceType.UNUSED) continue;
        const e = k + 1;
        const length = e - at;
        let cand: number;
        if (this.types[id] === PieceType.USER_DEFINED) {
          // (length * max_score_ - 0.1) is a double in the C++; the sum stays double for the compare.
          cand = f(length * this.maxScore) - 0.1 + till;
        } else cand = f(this.scores[id] + till);
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
          bestId[e] = this.unkId;
        }
      }
      at += mblen;
    }
    const result: Array<[string, number]> = [];
    for (let e = size; e > 0; e = startsAt[e]) result.push([s.slice(startsAt[e], e), bestId[e]]);
    return result.reverse();
  }

  /** sentencepiece_processor.cc Decode: ids -> text. */
  decode(ids: ArrayLike<number>): string {
    const spec = this.proto.normalizer_spec;
    const stripBosWs = spec.add_dummy_prefix || spec.remove_extra_whitespaces;
    const unkSurface = this.proto.trainer_spec.unk_surface;
    let text = "";
    let isBosWs = true;
    let bosWsSeen = false;
    let bytes: number[] = [];
    const flushBytes = () => {
      if (bytes.length === 0) return;
      const b = Uint8Array.from(bytes);
      let off = 0;
      while (off < b.length) {
        const len = validUtf8Length(b, off, b.length);
        if (len === 0) {
          text += "\ufffd";
          off += 1;
        } else {
          text += Buffer.from(b.subarray(off, off + len)).toString("utf8");
          off += len;
        }
      }
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.vocabSize)) {
        throw new PgolfError("USAGE", `id ${id} at position ${i} is outside the vocabulary of ${this.vocabSize}`, {
          file: this.file,
          fix: "decode ids made with this tokenizer",
        });
      }
      const type = this.types[id];
      if (type === PieceType.BYTE) {
        bytes.push(parseInt(this.pieces[id].slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (bosWsSeen || text.length > 0) isBosWs = false;
      bosWsSeen = false;
      let piece = this.pieces[id];
      if (type === PieceType.CONTROL) continue;
      if (type === PieceType.UNKNOWN) {
        text += unkSurface;
        continue;
      }
      if (isBosWs && stripBosWs && piece.startsWith(SPACE)) {
        piece = piece.slice(1);
        // With remove_extra_whitespaces every leading space goes, so the flag stays unset.
        bosWsSeen = !spec.remove_extra_whitespaces;
      }
      text += piece.replaceAll(SPACE, " ");
    }
    flushBytes();
    return text;
  }

  /** train_gpt.py build_sentencepiece_luts. */
  byteTable(): ByteTable {
    const n = this.vocabSize;
    const baseBytes = new Int32Array(n);
    const hasLeadingSpace = new Uint8Array(n);
    const isBoundary = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      const t = this.types[i];
      if (t === PieceType.CONTROL || t === PieceType.UNKNOWN || t === PieceType.UNUSED) continue;
      isBoundary[i] = 0;
      if (t === PieceType.BYTE) {
        baseBytes[i] = 1;
        continue;
      }
      let p = this.pieces[i];
      if (p.startsWith(SPACE)) {
        hasLeadingSpace[i] = 1;
        p = p.slice(1);
      }
      baseBytes[i] = Buffer.byteLength(p, "utf8");
    }
    return { baseBytes, hasLeadingSpace, isBoundary };
  }
}
