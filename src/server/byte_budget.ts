// A rate for bytes read, shared by everyone who reads under it: a token bucket that makes readers
// wait their turn (first come, first served) once it is spent. A reader that waits does not read,
// so its sender is slowed by TCP's own flow control, at no cost to the server.
//
// Why: reading a socket is the event loop's work, whatever happens to the bytes after. Reading a
// 64 MiB body costs the event loop 84 ms on AMD EPYC (Zen 5) with a bare node:http server, 126 ms
// through Hono with the body hashed as it arrives; under a flood of 64 MiB uploads the intake read
// ~200 MB/s and the leaderboard's p99 rose from 3 ms to 510 ms (bench/serve_load.ts). Uploads are
// read under one budget (intake.ts), so their share of the event loop is bounded.
import { setTimeout as sleep } from "node:timers/promises";

export class ByteBudget {
  private tokens: number;
  private at = performance.now();
  private line: Promise<void> = Promise.resolve();

  /** `perSecond` bytes a second, up to `burst` bytes saved up. */
  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }

  /** Takes `n` bytes from the budget; resolves once it holds them (after the readers ahead of this one). */
  spend(n: number): Promise<void> {
    const turn = this.line.then(async () => {
      this.refill();
      if (this.tokens < n) await sleep(Math.ceil(((n - this.tokens) / this.perSecond) * 1000));
      this.refill();
      this.tokens -= n;
    });
    this.line = turn;
    return turn;
  }
}
