// Progress for long work: on a terminal, one redrawn line with a bar, the rate and the ETA; elsewhere
// (CI, pipes, --json) silent, so machine output stays clean.

export interface ProgressOptions {
  /** What is being counted, e.g. "MB" or "docs". */
  unit?: string;
  /** Divide raw counts by this for display (1e6 shows bytes as MB). */
  scale?: number;
  /** Force on or off; by default on only when stderr is a TTY. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private readonly label: string;
  private readonly total: number;
  private readonly unit: string;
  private readonly scale: number;
  private readonly enabled: boolean;
  private readonly stream: NodeJS.WriteStream;
  private readonly start = performance.now();
  private lastDraw = 0;
  done = 0;

  constructor(label: string, total: number, opts: ProgressOptions = {}) {
    this.label = label;
    this.total = total;
    this.unit = opts.unit ?? "";
    this.scale = opts.scale ?? 1;
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? (this.stream.isTTY === true && !process.env.CI);
  }

  /** Adds `n` to the count and redraws at most 10 times a second. */
  tick(n = 1): void {
    this.done += n;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    this.stream.write("\r" + this.line(now) + "\x1b[K");
  }

  /** The text of the progress line (exported for tests and non-TTY summaries). */
  line(now = performance.now()): string {
    const secs = Math.max((now - this.start) / 1000, 1e-9);
    const frac = this.total > 0 ? Math.min(this.done / this.total, 1) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const rate = this.done / this.scale / secs;
    const eta = frac > 0 && frac < 1 ? (secs * (1 - frac)) / frac : 0;
    const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
    return `${this.label} ${bar} ${(frac * 100).toFixed(1)}% ${fmt(this.done / this.scale)}/${fmt(this.total / this.scale)}${this.unit} ${fmt(rate)}${this.unit}/s ETA ${formatSeconds(eta)}`;
  }

  finish(): void {
    if (!this.enabled) return;
    this.stream.write("\r" + this.line() + "\x1b[K\n");
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  const sec = Math.round(s - m * 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}
