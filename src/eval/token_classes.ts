// Token classes for the evaluator's atlas: where the bits go, by kind of token. Each id of the
// tokenizer gets a bit mask; a token may be in several classes (a capitalized word start is "space"
// and "capitalized"). Read from the piece strings, as SentencePiece writes them ("▁" marks a word
// start; "<0x41>" is a byte-fallback token).
import type { Tokenizer } from "../data/tokenizer/tokenizer.js";

export const TOKEN_CLASSES = {
  /** Starts a word: the piece begins with "▁" (the byte table counts its leading space). */
  space: 1,
  /** Holds a decimal digit. */
  digit: 2,
  /** Its first letter (after "▁") is upper case. */
  capitalized: 4,
  /** Punctuation and symbols only (after "▁"). */
  punctuation: 8,
  /**
   * Rare: a byte-fallback token, or one of the last quarter of the merged pieces by id. A BPE
   * model's merged pieces are in merge order, and merges are taken by frequency, so a late one is a
   * piece the tokenizer's training text held seldom.
   */
  rare: 16,
} as const;

export type TokenClass = keyof typeof TOKEN_CLASSES;
export const TOKEN_CLASS_NAMES = Object.keys(TOKEN_CLASSES) as TokenClass[];

const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

/** One mask per token id (bits of TOKEN_CLASSES); control and unknown tokens are in no class. */
export function tokenClasses(tok: Tokenizer): Uint8Array {
  const masks = new Uint8Array(tok.vocabSize);
  const table = tok.byteTable();
  const ordinary: number[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    if (table.isBoundary[id]) continue;
    const piece = tok.idToPiece(id);
    if (BYTE_PIECE.test(piece)) {
      masks[id] |= TOKEN_CLASSES.rare;
      continue;
    }
    ordinary.push(id);
    const body = piece.startsWith("▁") ? piece.slice(1) : piece;
    if (piece.startsWith("▁")) masks[id] |= TOKEN_CLASSES.space;
    if (/\p{Nd}/u.test(body)) masks[id] |= TOKEN_CLASSES.digit;
    const firstLetter = /\p{L}/u.exec(body)?.[0];
    if (firstLetter && firstLetter !== firstLetter.toLowerCase() && firstLetter === firstLetter.toUpperCase()) masks[id] |= TOKEN_CLASSES.capitalized;
    if (body.length > 0 && /^[\p{P}\p{S}]+$/u.test(body)) masks[id] |= TOKEN_CLASSES.punctuation;
  }
  // the last quarter of the merged pieces by id. A SentencePiece BPE model lists its ids as control
  // tokens, byte tokens, merged pieces in merge order, then the single characters by frequency; the
  // single characters are the alphabet, not rare pieces, so they are left out of "rare"
  const merged = ordinary.filter((id) => [...tok.idToPiece(id).replace(/^▁/, "")].length > 1 || tok.idToPiece(id) === "▁");
  for (const id of merged.slice(Math.floor(merged.length * 0.75))) masks[id] |= TOKEN_CLASSES.rare;
  return masks;
}
