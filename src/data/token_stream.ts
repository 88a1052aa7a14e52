// The training token stream of the reference (train_gpt.py TokenStream / DistributedTokenLoader):
// shards read in order, wrapping around at the end; each batch takes batchTokens + 1 consecutive
// tokens and splits them into inputs x = chunk[:-1] and targets y = chunk[1:], as [B, T]. Reads only
// what it needs (a 200 MB shard is never loaded whole); the position can be saved and restored.
import { PgolfError } from "../core/error.js";
import { ShardReader } from "./shard.js";

export interface StreamPosition {
  shard: number;
  offset: number;
}

export class TokenStream {
  readonly files: string[];
  private readonly vocabSize: number;
  private shard = 0;
  private offset = 0;
  private reader: ShardReader | undefined;
  /** An in-memory stream (fromTokens): one "shard" of these tokens. */
  private memory: Int32Array | undefined;
  /** Set by revoke(): every later read throws it. */
  private revoked: Error | undefined;

  constructor(files: string[], vocabSize: number) {
    if (files.length === 0) throw new PgolfError("COURSE_NOT_FOUND", "no training shards", { fix: "prepare the course first (`pgolf data prepare`)" });
    this.files = files;
    this.vocabSize = vocabSize;
  }

  /**
   * A stream over tokens already in memory (an entry's own tokenizer's encoding of the training text,
   * tokenizeDocuments): the same batches, wrap-around and positions as over one shard.
   */
  static fromTokens(tokens: Int32Array, vocabSize: number): TokenStream {
    if (tokens.length < 2) throw new PgolfError("CONFIG_INVALID", `a token stream needs at least 2 tokens, got ${tokens.length}`, { fix: "tokenize the training text first (ctx.trainingText())" });
    for (const t of tokens) {
      if (!(t >= 0 && t < vocabSize)) throw new PgolfError("CONFIG_INVALID", `token ${t} is outside the vocabulary of ${vocabSize}`, { fix: "pass the vocabulary size of the tokenizer that made the tokens" });
    }
    const s = new TokenStream(["(memory)"], vocabSize);
    s.memory = tokens;
    return s;
  }

  private current(): ShardReader {
    if (!this.reader) this.reader = ShardReader.open(this.files[this.shard], { vocabSize: this.vocabSize });
    return this.reader;
  }

  /** The next `n` tokens, crossing shard boundaries and wrapping around at the end. */
  take(n: number): Int32Array {
    if (this.revoked) throw this.revoked;
    const out = new Int32Array(n);
    let filled = 0;
    if (this.memory) {
      const m = this.memory;
      while (filled < n) {
        const k = Math.min(n - filled, m.length - this.offset);
        out.set(m.subarray(this.offset, this.offset + k), filled);
        filled += k;
        this.offset = (this.offset + k) % m.length;
      }
      return out;
    }
    while (filled < n) {
      const r = this.current();
      const k = Math.min(n - filled, r.tokens - this.offset);
      if (k > 0) {
        const part = r.read(this.offset, k);
        out.set(part, filled);
        filled += k;
        this.offset += k;
      }
      if (this.offset >= r.tokens) {
        r.close();
        this.reader = undefined;
        this.shard = (this.shard + 1) % this.files.length;
        this.offset = 0;
      }
    }
    return out;
  }

  /** A batch of `batchTokens` targets as x, y int32 [batchTokens / seqLen, seqLen]. */
  nextBatch(batchTokens: number, seqLen: number): { x: Int32Array; y: Int32Array; rows: number } {
    if (batchTokens % seqLen !== 0) throw new PgolfError("CONFIG_INVALID", `batch tokens ${batchTokens} must be a multiple of the sequence length ${seqLen}`, { fix: "set the batch tokens to a multiple of seq_len in the entry's config.json" });
    const chunk = this.take(batchTokens + 1);
    return { x: chunk.subarray(0, batchTokens), y: chunk.subarray(1), rows: batchTokens / seqLen };
  }

  get position(): StreamPosition {
    return { shard: this.shard, offset: this.offset };
  }

  seek(p: StreamPosition): void {
    this.reader?.close();
    this.reader = undefined;
    this.shard = p.shard % this.files.length;
    this.offset = p.offset;
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }

  /**
   * Closes the stream for good: every later read throws `reason` (the training harness revokes the
   * streams it handed out when the training loop ends, train/train_child.ts).
   */
  revoke(reason: Error): void {
    this.revoked = reason;
    this.close();
    this.memory = undefined;
  }
}
