// Opens a tokenizer by file: a SentencePiece .model (BPE or Unigram).
import * as path from "node:path";
import { PgolfError } from "../../core/error.js";
import { SentencePieceTokenizer } from "./sentencepiece.js";
import type { Tokenizer } from "./tokenizer.js";

export function loadTokenizer(file: string): Tokenizer {
  const ext = path.extname(file);
  if (ext === ".vocab") {
    throw new PgolfError("TOKENIZER_PARSE", "this is the .vocab text listing, not the model", {
      file,
      fix: `pass the .model file beside it (${file.slice(0, -ext.length)}.model)`,
    });
  }
  return SentencePieceTokenizer.fromFile(file);
}
