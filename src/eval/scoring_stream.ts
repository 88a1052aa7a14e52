// What the trusted evaluator scores: the validation token stream, its byte accounting and the
// tokenizer behind both.
//
// - The course's tokenizer (the default): the course's validation shards as they are, bytes by the
//   reference byte table, the reference's count of targets (whole sequences of SCORE_SEQ_LEN).
// - The entry's own tokenizer (config.json "tokenizer": a SentencePiece .model in the entry folder,
//   counted in its bytes): pgolf tokenizes the course's raw validation text with it, with pgolf's own
//   SentencePiece implementation in this process (never the entry's code), as BOS + ids per
//   document. Every target is scored, and the denominator is the canonical raw UTF-8 bytes of the
//   validation documents: the same for every tokenizer, so scores of different vocabularies compare.
//   A tokenizer must reproduce each document exactly (decode(encode(text)) = text), or the model
//   would be scored on other text than the bytes it is divided by; one that does not is refused
//   (TOKENIZER_ROUNDTRIP). Each document's targets stand for its raw bytes exactly (per target: the
//   byte table's rule, the first target of a document taking what the rule misses).
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { targetBytes } from "../data/bytes.js";
import { courseTokenizer, readValTokens, type Course } from "../data/course.js";
import { readCourseText } from "../data/course_text.js";
import { joinDocuments } from "../data/tokenize_documents.js";
import { loadTokenizer } from "../data/tokenizer/load.js";
import type { ByteTable, Tokenizer } from "../data/tokenizer/tokenizer.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { MAX_ENTRY_VOCAB } from "../entry/rules.js";
import { tokenClasses } from "./token_classes.js";

export interface ScoringStream {
  tokens: ArrayLike<number>;
  table: ByteTable;
  vocabSize: number;
  classes: Uint8Array;
  /** The byte total the stream must add up to, and over which targets (null: all). */
  manifestTable: { bytes: number; seqLen: number | null } | null;
  rawUtf8Bytes: number | null;
  /** Score every target (the entry's own tokenizer) rather than whole sequences. */
  allTargets: boolean;
  /** Bytes per target position, counted from the raw text (the entry's own tokenizer); absent: the byte table's rule. */
  bytesAt?: Uint32Array;
  tokenizer: { source: "course" | "entry"; file: string; vocab_size: number; sha256: string };
}

/** The stream for an entry: its own tokenizer when its config.json names one, else the course's. */
export function scoringStream(course: Course, entryDir: string): ScoringStream {
  const declared = readEntryConfig(entryDir).values.tokenizer;
  if (declared === undefined) return courseStream(course);
  return entryTokenizerStream(course, entryTokenizerFile(entryDir, declared));
}

function courseStream(course: Course): ScoringStream {
  const tok = courseTokenizer(course);
  const vb = course.manifest.pgolf.val_bytes;
  return {
    tokens: readValTokens(course),
    table: tok.byteTable(),
    vocabSize: course.vocabSize,
    classes: tokenClasses(tok),
    manifestTable: vb ? { bytes: vb.table, seqLen: vb.table_seq_len } : null,
    rawUtf8Bytes: vb?.raw_utf8 ?? null,
    allTargets: false,
    tokenizer: { source: "course", file: course.tokenizerFile, vocab_size: course.vocabSize, sha256: sha256(fs.readFileSync(course.tokenizerFile)) },
  };
}

/** The tokenizer file an entry's config names: a regular file inside the entry folder. */
export function entryTokenizerFile(entryDir: string, declared: unknown): string {
  const config = path.join(entryDir, "config.json");
  if (typeof declared !== "string" || declared === "" || path.isAbsolute(declared) || declared.split(/[\\/]/).includes("..")) {
    throw new PgolfError("CONFIG_INVALID", `"tokenizer" must name a file inside the entry folder, got ${JSON.stringify(declared)}`, { file: config, fix: 'e.g. "tokenizer": "tokenizer.model" (a SentencePiece model the entry ships; it counts as code bytes)' });
  }
  const file = path.join(entryDir, declared);
  const root = fs.realpathSync(entryDir);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st?.isFile() || !fs.realpathSync(file).startsWith(root + path.sep)) {
    throw new PgolfError("FILE_NOT_FOUND", `the tokenizer ${declared} that config.json names is not a regular file in the entry`, { file, fix: "ship the .model file in the entry folder (pgolf tokenizer train writes one)" });
  }
  return file;
}

/** The course's validation text tokenized with `file` by pgolf, checked to round-trip and add up. */
export function entryTokenizerStream(course: Course, file: string): ScoringStream {
  const tok: Tokenizer = loadTokenizer(file);
  if (tok.vocabSize > MAX_ENTRY_VOCAB) {
    throw new PgolfError("TOKENIZER_UNSUPPORTED", `the tokenizer has ${tok.vocabSize} pieces, over the ${MAX_ENTRY_VOCAB} an entry's own tokenizer may have`, { file, fix: `train one of at most ${MAX_ENTRY_VOCAB} pieces (pgolf tokenizer train --vocab N --lossless)` });
  }
  if (!(tok.bosId >= 0)) throw new PgolfError("TOKENIZER_UNSUPPORTED", "the tokenizer has no BOS token, which separates documents in the stream", { file, fix: "train it with a BOS piece (pgolf tokenizer train does: <s> is id 1)" });
  const docs = readCourseText(course, "val");
  const parts = docs.map((text, i) => {
    const ids = tok.encode(text);
    const back = tok.decode(ids);
    if (back !== text) {
      let at = 0;
      while (at < text.length && text[at] === back[at]) at++;
      const show = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 12), at + 12));
      throw new PgolfError("TOKENIZER_ROUNDTRIP", `validation document ${i} does not survive encode then decode: from character ${at} the text is ${show(text)}, the tokenizer gives back ${show(back)}`, {
        file,
        fix: "train a lossless tokenizer (`pgolf tokenizer train --lossless`: no normalization, whitespace kept, byte fallback for unseen characters); the score divides by the raw text's bytes, so the text must come back exactly",
        details: { document: i, at },
      });
    }
    return ids;
  });
  const raw = docs.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);
  // laid out as the shards are (and as training streams an own tokenizer's text): BOS + ids per document
  const tokens = joinDocuments(tok.bosId, parts);
  // Bytes per target: the byte table's rule, with each document's first target taking what the rule
  // misses, so that a document's targets stand for exactly its raw UTF-8 bytes (the rule drops the
  // space a document starts with, which a SentencePiece dummy prefix would have stood for).
  const table = tok.byteTable();
  const bytesAt = new Uint32Array(tokens.length);
  let at = 0;
  parts.forEach((ids, d) => {
    const first = at + 1;
    let sum = 0;
    for (let k = 0; k < ids.length; k++) {
      const i = at + 1 + k;
      bytesAt[i] = targetBytes(table, tokens[i - 1], tokens[i]);
      sum += bytesAt[i];
    }
    const rest = Buffer.byteLength(docs[d], "utf8") - sum;
    if (rest < 0 || (rest > 0 && ids.length === 0)) {
      throw new PgolfError("TOKENIZER_ROUNDTRIP", `validation document ${d}: the tokenizer's pieces count ${sum} bytes, the document has ${sum + rest} bytes of UTF-8`, {
        file,
        fix: "train it with `pgolf tokenizer train --lossless`; each piece must stand for exactly the bytes it encodes",
        details: { document: d, table: sum, raw_utf8: sum + rest },
      });
    }
    bytesAt[first] += rest;
    at += ids.length + 1;
  });
  return {
    tokens,
    table,
    vocabSize: tok.vocabSize,
    classes: tokenClasses(tok),
    manifestTable: { bytes: raw, seqLen: null },
    rawUtf8Bytes: raw,
    allTargets: true,
    bytesAt,
    tokenizer: { source: "entry", file, vocab_size: tok.vocabSize, sha256: sha256(fs.readFileSync(file)) },
  };
}
