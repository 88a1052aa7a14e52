// Weight averaging over the training trajectory, the contest records' EMA and SWA. The average lives
// on the host beside the parameters (float64, so a decay of 0.999 over thousands of steps does not
// lose the small per-step increments to float32 rounding) and is folded in after each optimizer step;
// `apply` writes it into the parameters, for export. The model trains on its own weights throughout.
//   ema  a <- d * a + (1 - d) * w         after every step from `start` (the first fold sets a = w)
//   swa  a <- a + (w - a) / (n + 1)        every `every` steps from `start` (uniform mean of n snapshots)
// Cost: one pass over every parameter per fold, 2.1M multiply-adds for cpu-small (well under 1% of a
// training step).
import { PgolfError } from "../../core/error.js";
import type { Tensor } from "../tensor.js";

export type WeightAverageKind = "ema" | "swa";

export interface WeightAverageOptions {
  kind: WeightAverageKind;
  /** EMA decay per fold, 0 < d < 1 (ema only). */
  decay?: number;
  /** Fold every this many calls to `fold` (swa; ema folds every call unless set). */
  every?: number;
}

export class WeightAverage {
  readonly kind: WeightAverageKind;
  readonly decay: number;
  readonly every: number;
  /** Snapshots folded in so far. */
  count = 0;
  private calls = 0;
  private readonly avg: Float64Array[];

  constructor(
    readonly params: Tensor[],
    o: WeightAverageOptions,
  ) {
    this.kind = o.kind;
    this.decay = o.decay ?? 0.999;
    this.every = o.every ?? 1;
    if (o.kind !== "ema" && o.kind !== "swa") throw new PgolfError("CONFIG_INVALID", `weight average kind must be "ema" or "swa", got ${JSON.stringify(o.kind)}`, { fix: 'use "ema" (exponential moving average) or "swa" (uniform mean of snapshots)' });
    if (o.kind === "ema" && !(this.decay > 0 && this.decay < 1)) throw new PgolfError("CONFIG_INVALID", `EMA decay must be in (0, 1), got ${this.decay}`, { fix: "e.g. 0.999 (an average over about the last 1,000 steps)" });
    if (!Number.isInteger(this.every) || this.every < 1) throw new PgolfError("CONFIG_INVALID", `weight average "every" must be a positive integer, got ${this.every}`, { fix: "e.g. 1 for EMA, 10 for SWA" });
    this.avg = params.map((p) => new Float64Array(p.size));
  }

  /** Call after each optimizer step: folds the current weights in when this call is due. */
  fold(): void {
    this.calls++;
    if (this.calls % this.every !== 0) return;
    const first = this.count === 0;
    const w = this.kind === "ema" ? 1 - this.decay : 1 / (this.count + 1);
    this.params.forEach((p, i) => {
      const cur = p.data as Float32Array;
      const a = this.avg[i];
      if (first) for (let j = 0; j < a.length; j++) a[j] = cur[j];
      else for (let j = 0; j < a.length; j++) a[j] += w * (cur[j] - a[j]);
    });
    this.count++;
  }

  /** The averaged weights, float32, in the order of `params`. */
  averaged(): Float32Array[] {
    return this.avg.map((a) => Float32Array.from(a));
  }

  /** The average and its counters as named host arrays, for a checkpoint (TrainStep.saveState's extra). */
  stateEntries(): Array<{ name: string; dtype: "float64"; shape: number[]; data: Float64Array }> {
    return [
      { name: "weight_average.counters", dtype: "float64", shape: [2], data: Float64Array.of(this.count, this.calls) },
      ...this.avg.map((a, i) => ({ name: `weight_average.${i}`, dtype: "float64" as const, shape: [a.length], data: a })),
    ];
  }

  /** Restores what stateEntries gave (entries absent: a checkpoint from before averaging was on; starts fresh). */
  loadEntries(get: (name: string) => ArrayLike<number> | undefined): void {
    const counters = get("weight_average.counters");
    if (!counters) return;
    this.avg.forEach((a, i) => {
      const saved = get(`weight_average.${i}`);
      if (!saved || saved.length !== a.length) throw new PgolfError("FILE_READ", `the checkpoint's weight average ${i} does not fit parameter ${i}`, { fix: "it was made by another model or config; delete the checkpoint to start over" });
      a.set(saved);
    });
    this.count = counters[0];
    this.calls = counters[1];
  }

  /** Writes the average into the parameters (nothing when no snapshot was folded). */
  apply(): void {
    if (this.count === 0) return;
    const avg = this.averaged();
    this.params.forEach((p, i) => p.assign(avg[i]));
  }
}
