// Bits-per-byte accounting. val_bpb = (sum of target nats) / (ln 2 x bytes), so the byte count is
// half of the score. Two ways to count, and pgolf reports both:
//  - the reference byte table (train_gpt.py eval_val with build_sentencepiece_luts): per target token,
//    its piece's UTF-8 length, +1 for a leading "▁" unless the previous token is a boundary;
//  - canonical: the UTF-8 length of the document text itself, independent of any tokenizer.
// For a tokenizer whose decode(encode(text)) is the text they agree; where normalization changes the
// text (NFKC, collapsed whitespace) they do not, and `compareDocumentBytes` says where.
import { ShardReader } from "./shard.js";
import type { ByteTable, Tokenizer } from "./tokenizer/tokenizer.js";

export interface TargetBytes {
  /** Number of scored target tokens. */
  targets: number;
  /** Bytes those targets stand for, by the reference byte table. */
  bytes: number;
  /** targets / bytes. */
  tokens_per_byte: number;
}

/**
 * The number of targets the reference evaluator scores: with `seqLen`, ((N - 1) // seqLen) x seqLen
 * (eval_val drops the tail that does not fill a sequence); without, all N - 1.
 */
export function scoredTargets(tokens: number, seqLen?: number): number {
  if (tokens < 2) return 0;
  return seqLen ? Math.floor((tokens - 1) / seqLen) * seqLen : tokens - 1;
}

/** Bytes of one target `t` preceded by `p`. */
export function targetBytes(table: ByteTable, p: number, t: number): number {
  return table.baseBytes[t] + (table.hasLeadingSpace[t] && !table.isBoundary[p] ? 1 : 0);
}

/** Counts bytes over targets 1..count of `tokens` (in memory). */
export function countTargetBytes(tokens: ArrayLike<number>, table: ByteTable, seqLen?: number): TargetBytes {
  const targets = scoredTargets(tokens.length, seqLen);
  let bytes = 0;
  for (let i = 1; i <= targets; i++) bytes += targetBytes(table, tokens[i - 1], tokens[i]);
  return { targets, bytes, tokens_per_byte: bytes > 0 ? targets / bytes : 0 };
}

/** Counts bytes over a shard's targets, streaming it in chunks (never loads it whole). */
export function countShardTargetBytes(file: string, table: ByteTable, seqLen?: number): TargetBytes {
  const reader = ShardReader.open(file, { vocabSize: table.baseBytes.length });
  try {
    const targets = scoredTargets(reader.tokens, seqLen);
    let bytes = 0;
    let prev = -1;
    // Token index `start + i` is a target when 1 <= index <= targets.
    for (const { start, tokens } of reader.chunks(1 << 20)) {
      if (start > targets) break;
      for (let i = 0; i < tokens.length; i++) {
        const index = start + i;
        if (index > targets) break;
        if (index >= 1) bytes += targetBytes(table, prev, tokens[i]);
        prev = tokens[i];
      }
    }
    return { targets, bytes, tokens_per_byte: bytes > 0 ? targets / bytes : 0 };
  } finally {
    reader.close();
  }
}

export interface DocumentBytes {
  /** UTF-8 bytes of the raw text: the canonical count. */
  raw: number;
  /** Bytes by the reference byte table over the document's tokens, stored as [BOS] + ids. */
  table: number;
  /** UTF-8 bytes of decode(encode(text)): what the tokens actually spell. */
  decoded: number;
}

export interface ByteComparison {
  documents: number;
  raw_bytes: number;
  table_bytes: number;
  decoded_bytes: number;
  /** True when the table counts what the tokens spell (a correct byte table). */
  table_matches_decoded: boolean;
  /** True when the tokens spell the raw text exactly (a lossless tokenizer on this text). */
  raw_matches_table: boolean;
  /** Documents whose counts differ, first 20, with the reason. */
  differing: Array<{ index: number; raw: number; table: number; decoded: number; reason: string }>;
  differing_count: number;
}

/** Per-document byte counts of a text under a tokenizer. */
export function documentBytes(text: string, tok: Tokenizer, table: ByteTable = tok.byteTable()): DocumentBytes {
  const ids = tok.encode(text);
  let bytes = 0;
  let prev = tok.bosId;
  for (const id of ids) {
    bytes += targetBytes(table, prev, id);
    prev = id;
  }
  return { raw: Buffer.byteLength(text, "utf8"), table: bytes, decoded: Buffer.byteLength(tok.decode(ids), "utf8") };
}

/** Compares canonical (raw UTF-8) and byte-table counts over documents, naming where they differ. */
export function compareDocumentBytes(docs: Iterable<string>, tok: Tokenizer): ByteComparison {
  const table = tok.byteTable();
  const out: ByteComparison = {
    documents: 0,
    raw_bytes: 0,
    table_bytes: 0,
    decoded_bytes: 0,
    table_matches_decoded: true,
    raw_matches_table: true,
    differing: [],
    differing_count: 0,
  };
  let index = 0;
  for (const text of docs) {
    const d = documentBytes(text, tok, table);
    out.documents++;
    out.raw_bytes += d.raw;
    out.table_bytes += d.table;
    out.decoded_bytes += d.decoded;
    if (d.table !== d.decoded) out.table_matches_decoded = false;
    if (d.raw !== d.table) {
      out.raw_matches_table = false;
      out.differing_count++;
      if (out.differing.length < 20) {
        const reason =
          d.table !== d.decoded
            ? "the byte table does not count what the tokens spell (a byte-table bug)"
            : "the tokenizer's normalization changes the text (decode(encode(text)) != text)";
        out.differing.push({ index, ...d, reason });
      }
    }
    index++;
  }
  return out;
}
