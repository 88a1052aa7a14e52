// A bigram language model in plain TypeScript: the honest reference the adversarial entries
// (test/adversarial/) are built on. Training counts bigrams of the training stream (add-alpha
// smoothing); the artifact is "TSBG", u32 vocab, then one uint8 per (previous, next) pair: the
// log-probability quantized over [-LOG_RANGE, 0]. Loading dequantizes and normalizes every row exactly
// (log p - logsumexp), so each row sums to 1 within float32 rounding.
import { deflateSync, inflateSync } from "node:zlib";

export const LOG_RANGE = 16;

export interface BigramContext {
  config: Record<string, unknown>;
  vocabSize: number;
  trainStream(): { take(n: number): Int32Array; close(): void };
  clock: { expired(): boolean };
  log(line: string): void;
  trainingDone(): void;
}

/** Counts bigrams over `max_tokens` training tokens (or until the clock runs out); returns the artifact. */
export function trainBigram(ctx: BigramContext): Uint8Array {
  const V = ctx.vocabSize;
  const max = Number(ctx.config.max_tokens ?? 2_000_000);
  const alpha = Number(ctx.config.alpha ?? 0.1);
  const counts = new Float64Array(V * V).fill(alpha);
  const stream = ctx.trainStream();
  let prev = -1;
  let seen = 0;
  while (seen < max && !ctx.clock.expired()) {
    const ids = stream.take(Math.min(65536, max - seen));
    for (const t of ids) {
      if (prev >= 0) counts[prev * V + t]++;
      prev = t;
    }
    seen += ids.length;
  }
  stream.close();
  ctx.log(`bigram_tokens:${seen}`);
  ctx.trainingDone();
  const q = new Uint8Array(V * V);
  for (let a = 0; a < V; a++) {
    let z = 0;
    for (let b = 0; b < V; b++) z += counts[a * V + b];
    for (let b = 0; b < V; b++) {
      const lp = Math.max(Math.log(counts[a * V + b] / z), -LOG_RANGE);
      q[a * V + b] = Math.round(((lp + LOG_RANGE) / LOG_RANGE) * 255);
    }
  }
  const head = new Uint8Array(8);
  head.set([0x54, 0x53, 0x42, 0x47]); // "TSBG"
  new DataView(head.buffer).setUint32(4, V, true);
  return deflateSync(Buffer.concat([head, q]), { level: 9 });
}

/** The artifact's table: float32 [V, V] normalized log-probabilities, row = previous token. */
export function loadBigram(artifact: Uint8Array): { V: number; table: Float32Array } {
  const b = inflateSync(artifact);
  if (b.toString("latin1", 0, 4) !== "TSBG") throw new Error("not a TSBG artifact");
  const V = b.readUInt32LE(4);
  const table = new Float32Array(V * V);
  for (let a = 0; a < V; a++) {
    let m = -Infinity;
    const row = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      row[v] = (b[8 + a * V + v] / 255) * LOG_RANGE - LOG_RANGE;
      m = Math.max(m, row[v]);
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(row[v] - m);
    const lse = m + Math.log(z);
    for (let v = 0; v < V; v++) table[a * V + v] = row[v] - lse;
  }
  return { V, table };
}

/** Rows for a chunk: row j predicts tokens[j] from the token before it (the history's last for j = 0). */
export function bigramRows(model: { V: number; table: Float32Array }, tokens: Int32Array, history: Int32Array): Float32Array {
  const { V, table } = model;
  const out = new Float32Array(tokens.length * V);
  for (let j = 0; j < tokens.length; j++) {
    const prev = j === 0 ? history[history.length - 1] : tokens[j - 1];
    out.set(table.subarray(prev * V, (prev + 1) * V), j * V);
  }
  return out;
}
