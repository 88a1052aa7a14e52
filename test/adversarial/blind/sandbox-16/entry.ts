// Attack: read the answer from the question. SCORE carries the chunk's target tokens, and row j is
// supposed to use only tokens[0..j-1]. This model puts p = 1 - eps on tokens[j] itself: it peeks at the
// very token it predicts. The causality probes (the same chunk with the tokens from some p on replaced,
// sent before or after the real SCORE) only compare rows 0..p of two answers, so the model memoizes:
// every SCORE of a chunk is remembered, and row j of a later SCORE copies row j of the first earlier
// SCORE that shares tokens[0..j-1]. Any two answers then agree on every row whose prefix they share,
// which is exactly what the probes compare. The only rows lost are the few where a probe came first.
// No data, no training, no network: the "model" is a lookup of its own input, and a reproduction
// on another machine reproduces the same score.
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

export async function train(_ctx: TrainContext): Promise<Uint8Array> { return new Uint8Array([0]); }

export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize, eps = Number(ctx.config.eps ?? 1e-6);
  const hit = Math.log(1 - eps), miss = Math.log(eps / (V - 1));
  const seen = new Map<number, Int32Array[]>(); // stream position of the chunk -> earlier SCOREs of it
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const n = tokens.length, out = new Float32Array(n * V).fill(miss);
      const earlier = seen.get(history.length) ?? [];
      const lcp = earlier.map((s) => { let k = 0; while (k < n && k < s.length && s[k] === tokens[k]) k++; return k; });
      for (let j = 0; j < n; j++) {
        let ans = tokens[j];                            // the peek
        for (let i = 0; i < earlier.length; i++) if (lcp[i] >= j && j < earlier[i].length) { ans = earlier[i][j]; break; } // replay
        out[j * V + ans] = hit;
      }
      earlier.push(tokens.slice());
      seen.set(history.length, earlier);
      return out;
    },
  };
}
