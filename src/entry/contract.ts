// The entry contract. An entry is a folder with an entry module (entry.ts) and its config
// (config.json). The module exports:
//   train(ctx)        -> the artifact bytes (the harness counts and stores them)
//   load(artifact)    -> a model the evaluator asks for next-token log-probabilities
// The pgolf library is what torch is to the original: imported ("pgolf"), not counted. The context
// gives the training data, tokenizer, config, seed, a logger and a clock, and nothing of the
// validation split.
import type { TokenStream } from "../data/token_stream.js";
import type { Tokenizer } from "../data/tokenizer/tokenizer.js";

export interface Clock {
  /** The training cap, milliseconds. */
  readonly capMs: number;
  /**
   * Training time used so far (time used before a resume included), milliseconds. A read-only view
   * of the harness's clock, which runs in the harness's own process: changing this object changes
   * nothing the harness measures.
   */
  elapsedMs(): number;
  remainingMs(): number;
  /** True once the cap is reached: stop training and return the artifact. */
  expired(): boolean;
}

export interface TrainContext {
  /** The entry's config.json, with --config overrides applied. */
  config: Record<string, unknown>;
  seed: number;
  /** Threads the track pins (the engine is already set to it). */
  threads: number;
  vocabSize: number;
  tokenizer: Tokenizer;
  /** A fresh stream over the training shards (only the training shards). */
  trainStream(): TokenStream;
  /**
   * The training documents' raw text, in shard order, for an entry with its own tokenizer (config.json
   * "tokenizer"): it tokenizes them itself, inside its training time. Throws COURSE_MANIFEST when the
   * course carries no text.
   */
  trainingText(): string[];
  clock: Clock;
  /** Appends a line to the run's log (the reference's line formats). */
  log(line: string): void;
  /** Records machine-readable metrics (one JSON line in metrics.jsonl). */
  metric(m: Record<string, number | string>): void;
  /** Progress for the live terminal line. */
  progress(p: { step: number; loss: number; tokens: number }): void;
  /**
   * Marks the end of the training loop: what follows (quantization, compression, serialization) runs
   * on the track's export budget, not the training cap. Without it, everything until train() returns
   * counts as training.
   */
  trainingDone(): void;
  /** Checkpoints: save state to resume an interrupted run; load the last one (undefined: fresh run). */
  saveCheckpoint(state: Uint8Array): Promise<void>;
  loadCheckpoint(): Uint8Array | undefined;
}

export interface LoadContext {
  config: Record<string, unknown>;
  vocabSize: number;
  threads: number;
}

/**
 * What the evaluator asks of a loaded model: one of two shapes.
 *
 * A windowed model (the reference's way) gives next-token log-probabilities for fixed windows; the
 * evaluator's host cuts the revealed stream into windows of `eval_seq_len` tokens: non-overlapping,
 * or, with `eval_stride` S below it, starting every S tokens and each scoring its last S targets
 * (sliding-window evaluation, eval_window.ts).
 *
 * A streaming model sees the whole revealed stream: score() gets the next chunk's tokens and the
 * history before them and returns a distribution for every chunk token given everything before it;
 * it must not change the model (the evaluator may call it more than once per chunk, with some of the
 * tokens replaced, to check causality). observe() comes after the chunk is scored, with its real
 * tokens: that is where test-time training may learn from them.
 */
export type EntryModel = WindowedModel | StreamingModel;

export interface WindowedModel {
  /**
   * Next-token log-probabilities (natural log) for every position of `ids` int32 [rows, seqLen]:
   * row-major [rows * seqLen, vocab]; position t may depend on ids[.., 0..t] only.
   */
  logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array>;
}

export interface StreamingModel {
  /** log-probabilities [tokens.length, vocab]: row j for tokens[j] given history and tokens[0..j-1]. */
  score(tokens: Int32Array, history: Int32Array): Promise<Float32Array>;
  /** The chunk's real tokens, after scoring: the model may learn from them. */
  observe?(tokens: Int32Array, history: Int32Array): Promise<void>;
}

export interface EntryModule {
  train(ctx: TrainContext): Promise<Uint8Array>;
  load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> | EntryModel;
}
