// `pgolf data bytes` as one library call: the bytes a shard's targets stand for by the tokenizer's
// byte table (as the reference eval_val counts them), or, over documents, the canonical raw UTF-8
// count beside the byte table's, with where they differ.
import { PgolfError } from "../core/error.js";
import { compareDocumentBytes, countShardTargetBytes, type ByteComparison, type TargetBytes } from "./bytes.js";
import { readDocuments } from "./sources.js";
import { loadTokenizer } from "./tokenizer/load.js";

export interface CountBytesOptions {
  /** The tokenizer (.model, or the byte260 tokenizer's file). */
  model: string;
  /** A shard whose targets to count... */
  shard?: string;
  /** ...in whole sequences of this many tokens (as eval_val drops the tail); all targets when absent. */
  seqLen?: number;
  /** ...or documents to compare: JSONL, Parquet or a folder of .txt files. */
  docs?: string;
}

export async function countBytes(o: CountBytesOptions): Promise<TargetBytes | ByteComparison> {
  if ((o.shard === undefined) === (o.docs === undefined)) throw new PgolfError("USAGE", "give exactly one of a shard or documents to count", { fix: "pgolf data bytes --model FILE --shard FILE, or --model FILE --docs PATH" });
  if (o.seqLen !== undefined && !(o.seqLen > 0)) throw new PgolfError("USAGE", `the sequence length must be positive, got ${o.seqLen}`, { fix: "pass --seq-len 1024 (the reference's) or leave it out to count every target" });
  const tok = loadTokenizer(o.model);
  if (o.docs !== undefined) return compareDocumentBytes((await readDocuments(o.docs)).map((d) => d.text), tok);
  return countShardTargetBytes(o.shard!, tok.byteTable(), o.seqLen);
}
