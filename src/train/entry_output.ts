// What an entry may put into its run's files, filtered by the harness: the log and metrics.jsonl are
// written by the harness alone, and an entry's lines and metrics pass through here first.
//
// Log lines: control characters (carriage returns, ANSI escapes) become "?", lines are cut at
// MAX_LINE characters, and a line that could be read as one of the harness's own lines — a score, a
// size, a run header, a stop, a timing — is prefixed "entry: ", so no parser (pgolf check, the
// reference's tools) takes it for the harness's word. The test is deliberately broad: a false alarm
// costs a prefix, a miss would let an entry write its own score.
//
// Metrics: a flat JSON object of at most MAX_METRIC_KEYS numbers, strings, booleans or nulls (at most
// MAX_METRIC_BYTES as JSON), written with "source": "entry"; the keys the harness's own events use
// ("event", "run", "source", "t") are dropped, so an entry's metric can never be a "trained" or
// "scored" event.

/** A log line longer than this is cut, characters. */
export const MAX_LINE = 4096;
/** An entry's share of a seed's log (and of its metrics file), bytes; later lines are dropped. */
export const MAX_ENTRY_LOG_BYTES = 64 << 20;
const MAX_METRIC_KEYS = 64;
const MAX_METRIC_BYTES = 8192;
const RESERVED_KEYS = new Set(["event", "run", "source", "t"]);

/** Words of the harness's lines (and of the reference's scored and size lines). */
const HARNESS_WORDS =
  /val_bpb|val_loss|final|quantized|roundtrip|ttt|submission|serialized|code\s*size|code:|bytes|budget|artifact|stopping|over_cap|pgolf|hyperparameters|timing|export_time|eval_time|within_time|confinement|seed\s*[:=]/i;

/** The line as the log gets it from an entry. */
export function entryLogLine(raw: string): string {
  let s = String(raw).replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
  if (s.length > MAX_LINE) s = s.slice(0, MAX_LINE) + "…";
  return HARNESS_WORDS.test(s) || /^\s*entry:/.test(s) ? `entry: ${s}` : s;
}

/** The metric as metrics.jsonl gets it from an entry, or null when it is not a flat object of plain values. */
export function entryMetric(m: unknown): Record<string, unknown> | null {
  if (m === null || typeof m !== "object" || Array.isArray(m)) return null;
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (RESERVED_KEYS.has(k)) continue;
    if (!(v === null || typeof v === "boolean" || typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) continue;
    if (++n > MAX_METRIC_KEYS) break;
    out[k.slice(0, 64)] = typeof v === "string" ? v.slice(0, 256) : v;
  }
  if (JSON.stringify(out).length > MAX_METRIC_BYTES) return null;
  return out;
}
