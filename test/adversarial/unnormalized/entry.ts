// Attack class 3, unnormalized rows: every row is scaled to sum to `sum` (config; 1.00099, just under
// the old tolerance of 1e-3). When the raw log-probability of the target is scored, every target gains
// log(1.00099) nats for free: about 20% of a record margin.
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  return trainBigram(ctx);
}

export async function load(artifact: Uint8Array, ctx: { config: Record<string, unknown> }) {
  const model = loadBigram(artifact);
  const lift = Math.log(Number(ctx.config.sum ?? 1.00099));
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const rows = bigramRows(model, tokens, history);
      for (let i = 0; i < rows.length; i++) rows[i] += lift;
      return rows;
    },
  };
}
