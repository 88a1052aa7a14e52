// SentencePiece's sentencepiece_processor.cc in TypeScript: a SentencePiece model (.model) loaded
// and run with exactly SentencePiece's results: the same normalization (normalizer.ts), the model
// its ModelProto names (bpe_model.ts: BPE merge order; unigram_model.ts: Viterbi path), the same
// byte fallback and the same decoding (Decode). The piece tables both models read are
// model_interface.ts.
//
// Strings inside are "byte strings": each UTF-8 byte as one latin1 char, so that slicing and map
// keys work on bytes exactly as the C++ works on std::string.
import * as fs from "node:fs";
import { PgolfError } from "../../core/error.js";
import { BpeModel } from "./bpe_model.js";
import { ModelInterface, toByteString } from "./model_interface.js";
import { decodeModelProto, ModelType, PieceType, type ModelProtoFields } from "./model_proto.js";
import { Normalizer, validUtf8Length } from "./normalizer.js";
import type { ByteTable, Tokenizer } from "./tokenizer.js";
import { UnigramModel } from "./unigram_model.js";
import { WordCache } from "./word_cache.js";

const SPACE = "\u2581";
const SPACE_BYTES = "\xe2\x96\x81"; // U+2581 as a byte string

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

  /** The piece tables; `bpe` or `unigram` encodes, as the model type says. */
  private readonly model: ModelInterface;
  private readonly bpe?: BpeModel;
  private readonly unigram?: UnigramModel;
  /** Where words may be cut without changing the result: before "▁", after it, or nowhere. */
  private readonly split: "before" | "after" | "none";
  private readonly wordCache = new WordCache();

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
    const modelType = ts.model_type;
    if (modelType !== ModelType.BPE && modelType !== ModelType.UNIGRAM) {
      throw new PgolfError("TOKENIZER_UNSUPPORTED", `model type ${modelType} (WORD or CHAR) is not supported`, {
        file,
        fix: "train the tokenizer with model_type=bpe or model_type=unigram",
      });
    }
    this.kind = modelType === ModelType.BPE ? "sentencepiece-bpe" : "sentencepiece-unigram";
    const model = new ModelInterface(proto, file);
    this.model = model;
    this.vocabSize = model.vocabSize;
    this.unkId = model.unkId;
    this.byteFallback = model.byteFallback;
    const idOf = (piece: string, fallback: number) => {
      const id = model.reservedIds.get(toByteString(piece)) ?? model.normalIds.get(toByteString(piece));
      return id === undefined || model.types[id] !== PieceType.CONTROL ? fallback : id;
    };
    this.bosId = ts.bos_id >= 0 ? ts.bos_id : idOf(ts.bos_piece, -1);
    this.eosId = ts.eos_id >= 0 ? ts.eos_id : idOf(ts.eos_piece, -1);
    this.padId = ts.pad_id >= 0 ? ts.pad_id : idOf(ts.pad_piece, -1);

    this.normalizer = new Normalizer(proto.normalizer_spec, {
      userDefinedSymbols: proto.pieces.filter((p) => p.type === PieceType.USER_DEFINED).map((p) => p.piece),
      treatWhitespaceAsSuffix: ts.treat_whitespace_as_suffix,
      file,
    });

    // Cutting the normalized text into words at "▁" is exact when no piece (that merges or matches)
    // has "▁" anywhere but at its start (or, with treat_whitespace_as_suffix, its end).
    let onlyStart = true;
    let onlyEnd = true;
    for (const key of model.normalIds.keys()) {
      let at = key.indexOf(SPACE_BYTES);
      while (at >= 0) {
        if (at !== 0) onlyStart = false;
        if (at !== key.length - 3) onlyEnd = false;
        at = key.indexOf(SPACE_BYTES, at + 1);
      }
    }
    this.split = ts.treat_whitespace_as_suffix ? (onlyEnd ? "after" : "none") : onlyStart ? "before" : "none";

    if (modelType === ModelType.BPE) this.bpe = new BpeModel(model);
    else this.unigram = new UnigramModel(model);
  }

  idToPiece(id: number): string {
    if (!(id >= 0 && id < this.vocabSize)) throw new PgolfError("USAGE", `id ${id} is outside the vocabulary of ${this.vocabSize}`, { fix: "decode ids below the vocabulary size; the ids may come from another tokenizer", file: this.file });
    return this.model.pieces[id];
  }

  pieceToId(piece: string): number {
    return this.model.pieceToId(toByteString(piece));
  }

  pieceType(id: number): number {
    return this.model.types[id];
  }

  score(id: number): number {
    return this.model.scores[id];
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
    if (this.unigram) {
      this.unigram.encode(s, out);
      return;
    }
    const bpe = this.bpe!;
    if (this.split === "none") {
      bpe.encode(s, out);
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
        bpe.encode(s.slice(begin, cut), out);
        cache.add(norm, begin, cut, h, out, from);
      }
      begin = cut;
    }
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
      const type = this.model.types[id];
      if (type === PieceType.BYTE) {
        bytes.push(parseInt(this.model.pieces[id].slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (bosWsSeen || text.length > 0) isBosWs = false;
      bosWsSeen = false;
      let piece = this.model.pieces[id];
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
      const t = this.model.types[i];
      if (t === PieceType.CONTROL || t === PieceType.UNKNOWN || t === PieceType.UNUSED) continue;
      isBoundary[i] = 0;
      if (t === PieceType.BYTE) {
        baseBytes[i] = 1;
        continue;
      }
      let p = this.model.pieces[i];
      if (p.startsWith(SPACE)) {
        hasLeadingSpace[i] = 1;
        p = p.slice(1);
      }
      baseBytes[i] = Buffer.byteLength(p, "utf8");
    }
    return { baseBytes, hasLeadingSpace, isBoundary };
  }
}
