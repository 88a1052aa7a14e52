// What every tokenizer pgolf uses provides: ids in, text out, and the per-token byte table that
// bits-per-byte accounting needs.

/**
 * The reference byte table (train_gpt.py `build_sentencepiece_luts`), one entry per token id:
 * a target token t preceded by token p counts
 *   baseBytes[t] + (hasLeadingSpace[t] && !isBoundary[p] ? 1 : 0)
 * bytes. Boundary tokens (control, unknown, unused) count 0, byte-fallback tokens 1, other pieces
 * the UTF-8 length of the piece without its leading "▁".
 */
export interface ByteTable {
  baseBytes: Int32Array;
  hasLeadingSpace: Uint8Array;
  isBoundary: Uint8Array;
}

export interface Tokenizer {
  /** "sentencepiece-bpe", "sentencepiece-unigram" or "byte260". */
  readonly kind: string;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  /** Token ids of `text`, without BOS/EOS (as `sp.encode(text)`). */
  encode(text: string): number[];
  /** Text of `ids` (as `sp.decode(ids)`): control tokens vanish, byte tokens are reassembled. */
  decode(ids: ArrayLike<number>): string;
  /** The piece string of an id (as `sp.id_to_piece`). */
  idToPiece(id: number): string;
  byteTable(): ByteTable;
}
