// SentencePiece's model_interface.cc in TypeScript: the piece tables every model reads (pieces_,
// reserved_id_map_, unk_id_, PieceToId), built from a ModelProto. The BPE model (bpe_model.ts) and
// the Unigram model (unigram_model.ts) hold one instead of inheriting from it; the processor
// (sentencepiece.ts) picks the model.
//
// Strings inside are "byte strings": each UTF-8 byte as one latin1 char, so that slicing and map
// keys work on bytes exactly as the C++ works on std::string.
import { PgolfError } from "../../core/error.js";
import { PieceType, type ModelProtoFields } from "./model_proto.js";

export function toByteString(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

export class ModelInterface {
  readonly vocabSize: number;
  readonly unkId: number;
  readonly byteFallback: boolean;
  /** Per id: the piece (text), its UTF-8 byte string, its PieceType and its score (float32). */
  readonly pieces: string[];
  readonly pieceBytes: string[];
  readonly types: Uint8Array;
  readonly scores: Float32Array;
  /** pieces_ of model_interface.cc: NORMAL, USER_DEFINED and UNUSED pieces, keyed by byte string. */
  readonly normalIds = new Map<string, number>();
  /** reserved_id_map_: CONTROL, UNKNOWN and BYTE pieces. */
  readonly reservedIds = new Map<string, number>();
  /** USER_DEFINED pieces as byte strings, longest first (they match before anything else). */
  readonly userDefined: string[];
  /** Id of the piece <0xXX> for each byte XX (unk where the model has none). */
  readonly byteIds = new Int32Array(256);
  /** The id PieceToId gives a piece's string (reserved pieces take precedence, as in the C++). */
  readonly outputId: Int32Array;

  constructor(proto: ModelProtoFields, file: string) {
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

    this.byteFallback = proto.trainer_spec.byte_fallback;
    for (let b = 0; b < 256; b++) {
      const name = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
      this.byteIds[b] = this.reservedIds.get(name) ?? this.normalIds.get(name) ?? unk;
    }
    if (this.byteFallback && [...this.byteIds].some((id) => id === unk)) {
      throw new PgolfError("TOKENIZER_PARSE", "byte_fallback is on but some <0xXX> byte pieces are missing", { file, fix: "re-train the tokenizer" });
    }
    this.outputId = new Int32Array(n);
    for (let i = 0; i < n; i++) this.outputId[i] = this.reservedIds.get(this.pieceBytes[i]) ?? i;
  }

  /** PieceToId on a byte string: reserved pieces first, then normal ones, else unk. */
  pieceToId(bytes: string): number {
    return this.reservedIds.get(bytes) ?? this.normalIds.get(bytes) ?? this.unkId;
  }

  /**
   * Appends `id` to `out`, or with byte fallback the <0xXX> ids of the bytes of `piece` (a byte
   * string) when `id` is unk (sentencepiece_processor.cc PopulateSentencePieceText).
   */
  emit(piece: string, id: number, out: number[]): void {
    if (id === this.unkId && this.byteFallback) {
      for (let i = 0; i < piece.length; i++) out.push(this.byteIds[piece.charCodeAt(i)]);
    } else out.push(id);
  }
}
