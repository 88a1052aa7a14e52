// One model for every record folder, whatever wrote it: the original contest's folders (any of their
// JSON schemas and log styles) and pgolf-native records are both read into a NormalizedRecord. The
// checks, the significance test and the leaderboard work on this model only.
//
// Two kinds of numbers are kept apart: what the folder's JSON *claims*, and what its logs *show*.
// Every value read from a file carries evidence (the file, relative to the record folder, and the
// 1-based line) so a finding can point at it.

export interface Evidence {
  /** Path relative to the record folder. */
  file: string;
  /** 1-based line number (JSON values: the line the key is on). */
  line?: number;
  /** The line's text, trimmed to 200 characters. */
  text?: string;
}

/** Which final line gave a seed's score, in the precedence order used to pick it (first wins). */
export type ScoreKind =
  | "legal_ttt" // score-first test-time training final (e.g. legal_ttt_exact / ttt final lines)
  | "ttt" // other test-time-training finals
  | "sliding" // sliding-window final (e.g. final_int8_zlib_roundtrip_sliding / *_sliding_window_exact)
  | "roundtrip" // final_int8_zlib_roundtrip(_exact) or another quantized-roundtrip final
  | "pgolf" // the trusted evaluator of a pgolf-native record
  | "other";

export interface LoggedValue<T> {
  value: T;
  evidence: Evidence;
}

export type ScoredFinal = LoggedValue<{ val_loss: number | null; val_bpb: number }> & { kind: ScoreKind };

/** One phase of work on training data logged after the wallclock stop. */
export interface PostStopWork {
  /** What the log says it did: "GPTQ calibration", "Hessian collection". */
  what: string;
  /** "training": the log names training data; "unnamed": it names none (GPTQ code takes its batches from the training shards). */
  data: "training" | "unnamed";
  /** Its duration as the log gives it, seconds. */
  seconds: number;
  /** The line that gives the duration. */
  evidence: Evidence;
}

/** What one training log shows about one seed. */
export interface SeedLog {
  /** The log file, relative to the record folder. */
  log: string;
  /** The seed as the log itself states it (a `seed:N` / `SEED=N` / Hyperparameters line), if it does. */
  seed: LoggedValue<number> | null;
  /** The seed the file name suggests (train_seed42.log -> 42), if any. */
  seedFromName: number | null;
  /** The scored final (never a diagnostic or periodic line; a failed later run does not override it). */
  final: ScoredFinal | null;
  /** The best final of every kind the scored run logged (final is the first by precedence). */
  finalsByKind: ScoredFinal[];
  bytesTotal: LoggedValue<number> | null;
  bytesModel: LoggedValue<number> | null;
  bytesCode: LoggedValue<number> | null;
  /** Training wallclock as logged (the last train_time before stopping), seconds. */
  trainSeconds: LoggedValue<number> | null;
  /**
   * Work on training data the run logged after its wallclock stop (`stopping_early`), each phase
   * with its own duration: GPTQ / Hessian calibration on training batches. In the original contest
   * it counts toward the training budget. Empty when the log shows none.
   */
  postStopTraining: PostStopWork[];
  /** Evaluation wallclock of the scored final, seconds, where logged. */
  evalSeconds: LoggedValue<number> | null;
  steps: number | null;
  /** (step, train_loss) points and (step, val_bpb) points, for curves. */
  trainCurve: [number, number][];
  valCurve: [number, number][];
  /** sha256 of the log file's bytes (duplicate logs are found by it). */
  sha256: string;
}

/** What the folder's JSON claims. Any field may be missing. */
export interface Claims {
  /** The JSON file the claims come from (submission.json or a variant), relative to the folder. */
  file: string | null;
  val_bpb: LoggedValue<number> | null;
  val_loss: LoggedValue<number> | null;
  bytes_total: LoggedValue<number> | null;
  bytes_code: LoggedValue<number> | null;
  /** Per-seed claims where the JSON lists them (a list or an object keyed by seed). */
  seeds: { seed: number; val_bpb: number | null; val_loss: number | null; bytes_total: number | null; evidence: Evidence }[];
  /** The number of seeds the JSON says the result is over, where it says so. */
  seedCount: LoggedValue<number> | null;
}

export interface NormalizedRecord {
  /** Absolute path of the folder. */
  dir: string;
  /** The folder's name, e.g. "2026-03-17_NaiveBaseline". */
  id: string;
  format: "original" | "pgolf";
  /** Canonical track name ("10min-16mb", "non-record-16mb", "cpu-10min-2mb", ...), or null when unknown. */
  track: string | null;
  name: string | null;
  author: string | null;
  github_id: string | null;
  summary: string | null;
  /** Submission time, ISO 8601 (a date alone becomes T00:00:00Z), or null. */
  date: string | null;
  claims: Claims;
  /** One entry per log file that holds a training run. */
  logs: SeedLog[];
  /** Code files present in the folder (train_gpt.py, entry.ts, ...), relative paths. */
  codeFiles: string[];
  /** Provenance where the record gives it (pgolf-native: submission.json's block; original: PR numbers found in the JSON). */
  parents: string[];
  techniques: string[];
  /** Problems met while reading (unparseable JSON, unreadable log...), each becomes a finding. */
  readProblems: { kind: "schema" | "missing-file" | "unsafe-file"; message: string; evidence: Evidence }[];
}
