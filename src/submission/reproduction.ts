// What a contest's verification fleet reproduced of a record: the runs its workers trained and the
// trusted evaluator scored, one per (artifact, seed). On a hosted contest these numbers replace the
// logs' as the record's score (check.ts), so every number on the leaderboard was reproduced by the
// organizers' machines; the logs' mean stays beside them as the claim.
import type { Evidence } from "./normalized_record.js";
import { mean, sampleStd } from "./record.js";

/** One reproduced run of one seed. */
export interface ReproducedRun {
  seed: number;
  /** Bits per byte and nats per token on the course's validation split. */
  val_bpb: number;
  val_loss: number;
  /** Model + code bytes of the reproduced artifact. */
  bytes_total: number;
  /** The worker account that ran it. */
  worker: string;
  /** ISO time it was recorded. */
  at: string;
}

export interface Reproduction {
  runs: ReproducedRun[];
}

/** A reproduced seed: its runs averaged (a seed rerun on another machine is one more independent reproduction). */
export interface ReproducedSeed {
  seed: number;
  val_bpb: number;
  val_loss: number;
  bytes_total: number;
  runs: number;
  workers: string[];
}

export interface ReproductionSummary {
  seeds: ReproducedSeed[];
  /** Mean and sample std over the reproduced seeds, bits per byte. */
  val_bpb: number;
  val_bpb_std: number;
  val_loss: number;
  /** Independent reproductions: recorded runs over every seed. */
  runs: number;
  workers: string[];
  /** The largest reproduced total, bytes. */
  bytes_total: number;
}

/** Where a reproduced number comes from, as a finding's evidence. */
export function reproductionEvidence(s: ReproducedSeed): Evidence {
  return { file: "(contest results)", text: `seed ${s.seed}: val_bpb ${s.val_bpb.toFixed(8)} over ${s.runs} run${s.runs === 1 ? "" : "s"} by ${s.workers.join(", ")}` };
}

/** Seeds in ascending order, each the mean of its runs; null when nothing was reproduced. */
export function summarizeReproduction(r: Reproduction | undefined): ReproductionSummary | null {
  if (!r || r.runs.length === 0) return null;
  const bySeed = new Map<number, ReproducedRun[]>();
  for (const run of r.runs) bySeed.set(run.seed, [...(bySeed.get(run.seed) ?? []), run]);
  const seeds = [...bySeed.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([seed, runs]) => ({
      seed,
      val_bpb: mean(runs.map((x) => x.val_bpb)),
      val_loss: mean(runs.map((x) => x.val_loss)),
      bytes_total: Math.max(...runs.map((x) => x.bytes_total)),
      runs: runs.length,
      workers: [...new Set(runs.map((x) => x.worker))].sort(),
    }));
  const bpb = seeds.map((s) => s.val_bpb);
  return {
    seeds,
    val_bpb: mean(bpb),
    val_bpb_std: sampleStd(bpb),
    val_loss: mean(seeds.map((s) => s.val_loss)),
    runs: r.runs.length,
    workers: [...new Set(r.runs.map((x) => x.worker))].sort(),
    bytes_total: Math.max(...seeds.map((s) => s.bytes_total)),
  };
}
