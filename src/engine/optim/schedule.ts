// Learning-rate and momentum schedules of the reference baseline (train_gpt.py), as pure functions.

/**
 * lr multiplier at `step` after `elapsedMs` of training. With a wallclock cap the warmdown is by
 * remaining time: it starts when the time left is less than `warmdownIters` steps at the average
 * step time so far, and falls linearly to 0 at the cap. Without a cap, by iterations.
 */
export function lrMultiplier(step: number, elapsedMs: number, o: { warmdownIters: number; iterations: number; maxWallclockMs: number | null }): number {
  if (o.warmdownIters <= 0) return 1;
  if (o.maxWallclockMs === null) {
    const warmdownStart = Math.max(o.iterations - o.warmdownIters, 0);
    return warmdownStart <= step && step < o.iterations ? Math.max((o.iterations - step) / Math.max(o.warmdownIters, 1), 0) : 1;
  }
  const stepMs = elapsedMs / Math.max(step, 1);
  const warmdownMs = o.warmdownIters * stepMs;
  const remainingMs = Math.max(o.maxWallclockMs - elapsedMs, 0);
  return remainingMs <= warmdownMs ? remainingMs / Math.max(warmdownMs, 1e-9) : 1;
}

/** Muon momentum warmed linearly from `start` to `end` over `warmupSteps` steps. */
export function muonMomentum(step: number, o: { start: number; end: number; warmupSteps: number }): number {
  const frac = o.warmupSteps > 0 ? Math.min(step / o.warmupSteps, 1) : 1;
  return (1 - frac) * o.start + frac * o.end;
}
