// A seed's log, written by the harness alone: the reference-format text log (one line per call,
// appended and flushed), a machine-readable metrics.jsonl, and on a terminal a live status line
// (step, loss, tokens/s, time left to the cap) that never goes into the files. The harness's own
// lines and events carry the run's id; an entry's lines and metrics come through entry_output.ts
// (filtered, tagged "source": "entry") and stop being written once they pass MAX_ENTRY_LOG_BYTES.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatSeconds } from "../core/progress.js";
import { entryLogLine, entryMetric, MAX_ENTRY_LOG_BYTES } from "./entry_output.js";

export class RunLog {
  readonly file: string;
  readonly metricsFile: string;
  private readonly echo: boolean;
  private readonly live: boolean;
  private lastLive = 0;
  private entryBytes = 0;
  private entryCut = false;

  constructor(
    file: string,
    metricsFile: string,
    /** The run's id: every harness event carries it (a "scored" event must follow the "trained" one of its run). */
    readonly run: string,
    opts: { echo?: boolean } = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.file = file;
    this.metricsFile = metricsFile;
    this.echo = opts.echo ?? false;
    this.live = process.stderr.isTTY === true && !process.env.CI && this.echo;
  }

  /** A harness line. */
  line(s: string): void {
    fs.appendFileSync(this.file, s + "\n");
    if (this.echo) {
      if (this.live) process.stderr.write("\r\x1b[K");
      process.stderr.write(s + "\n");
    }
  }

  /** A harness event (start, resume, trained, scored), with the run's id. */
  metric(m: Record<string, unknown>): void {
    fs.appendFileSync(this.metricsFile, JSON.stringify({ t: Date.now(), run: this.run, ...m }) + "\n");
  }

  /** Whether the entry may still write (false once its share of the log is used). */
  private entryBudget(bytes: number): boolean {
    if (this.entryCut) return false;
    this.entryBytes += bytes;
    if (this.entryBytes <= MAX_ENTRY_LOG_BYTES) return true;
    this.entryCut = true;
    this.line(`entry: (the entry's output passed ${MAX_ENTRY_LOG_BYTES} bytes; the rest is not kept)`);
    return false;
  }

  /** A line from the entry (filtered). */
  entryLine(raw: string): void {
    const s = entryLogLine(raw);
    if (this.entryBudget(s.length + 1)) this.line(s);
  }

  /** A metric from the entry (filtered; dropped when it is not a flat object of plain values). */
  entryMetric(raw: unknown): void {
    const m = entryMetric(raw);
    if (!m) return;
    const text = JSON.stringify({ t: Date.now(), source: "entry", ...m });
    if (this.entryBudget(text.length + 1)) fs.appendFileSync(this.metricsFile, text + "\n");
  }

  status(p: { step: number; loss: number; tokensPerSecond: number; remainingMs: number }): void {
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastLive < 250) return;
    this.lastLive = now;
    process.stderr.write(`\r\x1b[Kstep ${p.step}  loss ${Number(p.loss).toFixed(4)}  ${p.tokensPerSecond.toFixed(0)} tok/s  ${formatSeconds(p.remainingMs / 1000)} left`);
  }
}
