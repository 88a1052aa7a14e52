// A curve in one line of text, for terminals: each value becomes one of eight block characters by
// its place between the series' minimum and maximum. `pgolf run` ends with the loss curve this way.

const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * `values` resampled to at most `width` characters (each the mean of its bucket, so a long curve
 * keeps its shape) and drawn low-to-high as ▁..█; "" for no values, all ▄ for a flat series.
 */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const n = Math.min(width, finite.length);
  const buckets: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * finite.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * finite.length) / n));
    let sum = 0;
    for (let j = from; j < to; j++) sum += finite[j];
    buckets.push(sum / (to - from));
  }
  const lo = Math.min(...buckets);
  const hi = Math.max(...buckets);
  if (hi - lo < 1e-12) return BLOCKS[3].repeat(n);
  return buckets.map((v) => BLOCKS[Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join("");
}
