// Attack class 2, small-mass peek within the old probe tolerance: stateless, it moves 5e-4 of the
// probability onto the token it is asked to predict. Under an L1 tolerance of 1e-3 between a probe
// and the real answer it was never caught, and it gains about 0.05 bpb on a weak model.
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  return trainBigram(ctx);
}

export async function load(artifact: Uint8Array, ctx: { config: Record<string, unknown> }) {
  const model = loadBigram(artifact);
  const V = model.V;
  const eps = Number(ctx.config.eps ?? 5e-4);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const rows = bigramRows(model, tokens, history);
      for (let j = 0; j < tokens.length; j++) {
        for (let v = 0; v < V; v++) rows[j * V + v] = Math.log((1 - eps) * Math.exp(rows[j * V + v]) + (v === tokens[j] ? eps : 0));
      }
      return rows;
    },
  };
}
