// Tracks, declared once: what a run may use and what an artifact may weigh. The original contest's
// record track, and the local CPU track the embedded course is played on.
import { PgolfError } from "./error.js";

export interface Track {
  name: string;
  summary: string;
  /** Training wallclock cap, seconds (null: no cap, as on the original non-record track). It covers the training loop, as the original's did. */
  trainSeconds: number | null;
  /**
   * The export budget, seconds (null: none): quantization, compression and serialization after the
   * training loop (from the entry's ctx.trainingDone() to the artifact) are not training; they get
   * this much, measured by the harness. A run over either budget keeps its artifact and score but is
   * marked over the cap and cannot become a record.
   */
  exportSeconds: number | null;
  /** Evaluation wallclock cap, seconds (null: no cap). */
  evalSeconds: number | null;
  /** Code bytes + artifact bytes must be at most this (decimal bytes). */
  maxBytes: number;
  /** Threads the harness pins (null: the hardware decides, as on 8xH100). */
  threads: number | null;
  hardware: string;
  /** Record margin, in nats of val_loss (converted to bpb with the record's tokens per byte). */
  marginNats: number;
  /** Significance level of the record test. */
  alpha: number;
}

export const TRACKS: Record<string, Track> = {
  "10min-16mb": {
    name: "10min-16mb",
    summary: "the original record track: 10 minutes of training on 8xH100, 16,000,000 bytes",
    trainSeconds: 600,
    exportSeconds: 120,
    evalSeconds: 600,
    maxBytes: 16_000_000,
    threads: null,
    hardware: "8xH100",
    marginNats: 0.005,
    alpha: 0.01,
  },
  "non-record-16mb": {
    name: "non-record-16mb",
    summary: "the original non-record track: unlimited compute, 16,000,000 bytes; not ranked against the record track",
    trainSeconds: null,
    exportSeconds: null,
    evalSeconds: null,
    maxBytes: 16_000_000,
    threads: null,
    hardware: "any",
    marginNats: 0.005,
    alpha: 0.01,
  },
  "cpu-10min-2mb": {
    name: "cpu-10min-2mb",
    summary: "the local track: 10 minutes of training on this machine's CPU with 2 threads, 2,000,000 bytes",
    trainSeconds: 600,
    // an honest export of the local track's models takes 1.7 to 4.2 s (22 runs of the baseline and
    // golf templates, GPTQ included, AMD EPYC Zen 5): 15 s leaves room for a slower or busy machine and
    // bounds what an entry can do after ctx.trainingDone() to 2.5% of the cap
    exportSeconds: 15,
    evalSeconds: 600,
    maxBytes: 2_000_000,
    threads: 2,
    hardware: "CPU, 2 threads",
    marginNats: 0.005,
    alpha: 0.01,
  },
};

export const DEFAULT_TRACK = "cpu-10min-2mb";

export function track(name: string): Track {
  const t = TRACKS[name];
  if (!t) throw new PgolfError("CONFIG_INVALID", `no track named "${name}"`, { fix: `use one of: ${Object.keys(TRACKS).join(", ")}` });
  return t;
}
