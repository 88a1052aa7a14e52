// The rule constants that training, evaluation and checking share, declared once. Everything that
// decides whether a run or a record is within the rules reads them from here (the submission layer
// must not import the training harness to learn one number).

/** The most a run may go past its training cap to finish the step in progress, milliseconds. */
export const OVER_CAP_GRACE_MS = 10_000;

/**
 * The grace past a training cap of `capMs`: 1% of the cap, at least 2 s and at most OVER_CAP_GRACE_MS
 * (6 s on a 600 s cap). A flat 10 s let an entry keep starting steps past any cap, 1.7% more training
 * on 600 s and most of a short cap (training_clock_attacks.test.ts, attack 14); an honest loop stops
 * while its next step still fits by its slowest recent step, and overshoots only by how much slower
 * the last step is (a step of cpu-small takes about 3 s on a machine busy with four other processes).
 */
export function overCapGraceMs(capMs: number): number {
  return Math.min(OVER_CAP_GRACE_MS, Math.max(2000, capMs / 100));
}

/**
 * The least export budget a shorter cap (`--minutes`) gets, milliseconds: an honest export of
 * cpu-small took 8.0 to 8.9 s on a machine busy with four other CPU-bound processes (the busy-machine
 * test, 5 runs) and 1.7 to 4.2 s on a quiet one.
 */
export const MIN_EXPORT_MS = 15_000;

/**
 * Extra wallclock past the training cap and the export budget before the harness kills an entry's
 * training process, milliseconds: room for a runaway loop to be told apart from a slow export.
 */
export const HARD_KILL_EXTRA_MS = 120_000;

/**
 * |sum of probabilities - 1| allowed per returned distribution (a sanity check: the score itself
 * always uses the normalized row, log p - logsumexp). float32 log_softmax over a 1024..8192 vocabulary
 * sums to 1 within about 1e-6; a row at 1.0001 or beyond was not produced by a softmax.
 */
export const DIST_TOLERANCE = 1e-4;

/** The reference's evaluation sequence length: it fixes how many validation targets are scored. */
export const SCORE_SEQ_LEN = 1024;

/**
 * Targets revealed to the model per chunk by the streaming evaluator. Small chunks make each causality
 * probe cheap (a probe costs the prober one chunk) without slowing the scorer. Measured on an AMD EPYC
 * (Zen 5, 2 threads), the baseline's whole validation split (360,448 targets), one artifact, one run:
 * 22,962 tokens/s without probes at 8,192 per chunk; with 16 probes, 15,765 at 8,192, 20,039 at 4,096
 * and 20,156 at 2,048; with 32 probes at 2,048, 18,211.
 */
export const CHUNK_TOKENS = 2048;

/** Size rule: at most this many counted files in an entry. */
export const MAX_CODE_FILES = 256;

/** Size rule: at most this many folders deep (a file at the entry's root is depth 0). */
export const MAX_CODE_DEPTH = 8;

/**
 * The largest vocabulary an entry's own tokenizer may have. The evaluator takes one float32 row per
 * target and token, CHUNK_TOKENS x V x 4 bytes a chunk: 128 MiB at 16,384, twice the contest's largest
 * tokenizer (SP8192). A bigger vocabulary would let an entry make the evaluator hold gigabytes.
 */
export const MAX_ENTRY_VOCAB = 16_384;
