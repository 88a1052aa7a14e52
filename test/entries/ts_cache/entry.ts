// A windowed entry whose distributions depend on its whole window, for the sliding-window tests: a
// unigram trained on the course (add-alpha counts of max_tokens training tokens; the artifact is its
// float32 log-probabilities) mixed with the bigram counts of the window so far: after c transitions
// from the previous token, weight cache_weight * c / (c + 2) on where they went. Text repeats itself,
// so a target with more context in its window is predicted better: what eval_stride is for. Each row
// is computed on its own in float64, so it is the same whatever the batch.
type Config = { max_tokens?: number; alpha?: number; cache_weight?: number };

interface TrainContext {
  config: Config;
  vocabSize: number;
  trainStream(): { take(n: number): Int32Array; close(): void };
  clock: { expired(): boolean };
  trainingDone(): void;
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const V = ctx.vocabSize;
  const max = ctx.config.max_tokens ?? 1_000_000;
  const counts = new Float64Array(V).fill(ctx.config.alpha ?? 0.5);
  const stream = ctx.trainStream();
  for (let seen = 0; seen < max && !ctx.clock.expired(); ) {
    const ids = stream.take(Math.min(65536, max - seen));
    for (const t of ids) counts[t]++;
    seen += ids.length;
  }
  stream.close();
  ctx.trainingDone();
  const total = counts.reduce((a, b) => a + b, 0);
  const lp = Float32Array.from(counts, (c) => Math.log(c / total));
  return new Uint8Array(lp.buffer);
}

export async function load(artifact: Uint8Array, ctx: { config: Config; vocabSize: number }) {
  const V = ctx.vocabSize;
  const unigram = Float64Array.from(new Float32Array(artifact.slice().buffer), (x) => Math.exp(x));
  const weight = ctx.config.cache_weight ?? 0.5;
  return {
    async logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array> {
      const out = new Float32Array(rows * seqLen * V);
      const seen = new Float64Array(V); // transitions from each token so far in the window
      const pairs = new Map<number, number>(); // a * V + b -> count
      for (let r = 0; r < rows; r++) {
        seen.fill(0);
        pairs.clear();
        for (let i = 0; i < seqLen; i++) {
          const prev = ids[r * seqLen + i];
          if (i > 0) {
            const a = ids[r * seqLen + i - 1];
            seen[a]++;
            pairs.set(a * V + prev, (pairs.get(a * V + prev) ?? 0) + 1);
          }
          const c = seen[prev];
          const lambda = (weight * c) / (c + 2);
          for (let v = 0; v < V; v++) {
            const cached = c > 0 ? (pairs.get(prev * V + v) ?? 0) / c : 0;
            out[(r * seqLen + i) * V + v] = Math.log((1 - lambda) * unigram[v] + lambda * cached);
          }
        }
      }
      return out;
    },
  };
}
