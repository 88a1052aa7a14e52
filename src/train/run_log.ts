// A run's log: the reference-format text log (one line per call, appended and flushed), a
// machine-readable metrics.jsonl, and on a terminal a live status line (step, loss, tokens/s, time
// left to the cap) that never goes into the files.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatSeconds } from "../core/progress.js";

export class RunLog {
  readonly file: string;
  readonly metricsFile: string;
  private readonly echo: boolean;
  private readonly live: boolean;
  private lastLive = 0;

  constructor(file: string, metricsFile: string, opts: { echo?: boolean } = {}) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.file = file;
    this.metricsFile = metricsFile;
    this.echo = opts.echo ?? false;
    this.live = process.stderr.isTTY === true && !process.env.CI && this.echo;
  }

  line(s: string): void {
    fs.appendFileSync(this.file, s + "\n");
    if (this.echo) {
      if (this.live) process.stderr.write("\r\x1b[K");
      process.stderr.write(s + "\n");
    }
  }

  metric(m: Record<string, unknown>): void {
    fs.appendFileSync(this.metricsFile, JSON.stringify({ t: Date.now(), ...m }) + "\n");
  }

  status(p: { step: number; loss: number; tokensPerSecond: number; remainingMs: number }): void {
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastLive < 250) return;
    this.lastLive = now;
    process.stderr.write(`\r\x1b[Kstep ${p.step}  loss ${p.loss.toFixed(4)}  ${p.tokensPerSecond.toFixed(0)} tok/s  ${formatSeconds(p.remainingMs / 1000)} left`);
  }
}
