// The harness's wallclock for a training run: counts time while training runs, can start from the
// time a resumed run had already used, and says when the cap is reached.
import type { Clock } from "../entry/contract.js";

export class WallClock implements Clock {
  readonly capMs: number;
  private readonly startedAt: number;
  private readonly priorMs: number;

  constructor(capMs: number, priorMs = 0) {
    this.capMs = capMs;
    this.priorMs = priorMs;
    this.startedAt = performance.now();
  }

  elapsedMs(): number {
    return this.priorMs + (performance.now() - this.startedAt);
  }

  remainingMs(): number {
    return Math.max(this.capMs - this.elapsedMs(), 0);
  }

  expired(): boolean {
    return this.elapsedMs() >= this.capMs;
  }
}
