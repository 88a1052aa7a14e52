// Opens a tokenizer by file: a SentencePiece .model (BPE or Unigram), or the reference's pure-byte
// tokenizer JSON (`{"tokenizer_type": "pure_byte", ...}`, the byte260 variant).
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../../core/error.js";
import { Byte260Tokenizer } from "./byte260.js";
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
  if (ext === ".json") {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new PgolfError("FILE_NOT_FOUND", `tokenizer file not found: ${(e as Error).message}`, { file, fix: "check the path", cause: e });
    }
    return Byte260Tokenizer.fromJson(text, file);
  }
  return SentencePieceTokenizer.fromFile(file);
}
