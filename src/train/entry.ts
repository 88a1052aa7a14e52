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
  /** Training time used so far (pauses excluded), milliseconds. */
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
  clock: Clock;
  /** Appends a line to the run's log (the reference's line formats). */
  log(line: string): void;
  /** Records machine-readable metrics (one JSON line in metrics.jsonl). */
  metric(m: Record<string, number | string>): void;
  /** Progress for the live terminal line. */
  progress(p: { step: number; loss: number; tokens: number }): void;
  /** Checkpoints: save state to resume an interrupted run; load the last one (undefined: fresh run). */
  saveCheckpoint(state: Uint8Array): Promise<void>;
  loadCheckpoint(): Uint8Array | undefined;
}

export interface LoadContext {
  config: Record<string, unknown>;
  vocabSize: number;
  threads: number;
}

/** What the evaluator asks of a loaded model. */
export interface EntryModel {
  /**
   * Next-token log-probabilities (natural log) for every position of `ids` int32 [rows, seqLen]:
   * row-major [rows * seqLen, vocab]; position t may depend on ids[.., 0..t] only.
   */
  logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array>;
}

export interface EntryModule {
  train(ctx: TrainContext): Promise<Uint8Array>;
  load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> | EntryModel;
}
