// ATTACK: causality-probe evasion for a WINDOWED model (the reference contract: logProbs over windows).
// Position t of a window is allowed to see ids[0..t]; this model also peeks at ids[t+1], the very
// token it is scored on. To survive the evaluator's probes (the same chunk again with the tail
// replaced), the peeked token is memoised by a hash of the window prefix ids[0..t]: whenever the same
// prefix comes again (a probe, or the real SCORE after a probe) the model answers with the token it
// peeked at the first time. The answer is then a deterministic function of the prefix "as first seen",
// so every probe comparison is bit-identical. "memo": false is the naive peeker (for comparison).
import type { EntryModel, LoadContext, TrainContext } from "pgolf";

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  // Honest part: unigram counts over (part of) the training stream.
  const counts = new Uint32Array(ctx.vocabSize);
  const s = ctx.trainStream();
  for (let i = 0; i < 64 && !ctx.clock.expired(); i++) {
    const b = s.nextBatch(8192, 256);
    for (const y of b.y) counts[y]++;
  }
  s.close();
  ctx.log("model_params:" + ctx.vocabSize);
  return new Uint8Array(counts.buffer);
}

export async function load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  const counts = new Uint32Array(artifact.buffer.slice(artifact.byteOffset, artifact.byteOffset + artifact.byteLength));
  let tot = 0; for (const c of counts) tot += c + 1;
  const peek = Number(ctx.config.peek ?? 0.999), useMemo = ctx.config.memo !== false;
  const base = new Float64Array(V).map((_, i) => (counts[i] + 1) / tot);
  const lpPlain = new Float32Array(V).map((_, i) => Math.log((1 - peek) * base[i]));
  const memo = new Map<string, number>();
  return {
    async logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array> {
      const out = new Float32Array(rows * seqLen * V);
      for (let r = 0; r < rows; r++) {
        let h1 = 0x811c9dc5, h2 = 0x12345678;
        for (let t = 0; t < seqLen; t++) {
          const x = ids[r * seqLen + t];
          h1 = Math.imul(h1 ^ x, 0x01000193) >>> 0;
          h2 = (Math.imul(h2 ^ (x + 0x9e3779b9), 0x85ebca6b) + t) >>> 0;
          const row = out.subarray((r * seqLen + t) * V, (r * seqLen + t + 1) * V);
          row.set(lpPlain);
          let target = t + 1 < seqLen ? ids[r * seqLen + t + 1] : -1; // the peek
          if (useMemo) {
            const key = h1 + ":" + h2 + ":" + t;
            const m = memo.get(key);
            if (m !== undefined) target = m; else memo.set(key, target);
          }
          if (target >= 0) row[target] = Math.log((1 - peek) * base[target] + peek);
          else for (let i = 0; i < V; i++) row[i] = Math.log(base[i]);
        }
      }
      return out;
    },
  };
}
