// The honest TypeScript bigram (bigram.ts), a streaming model: the reference the adversarial entries
// are measured against.
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  return trainBigram(ctx);
}

export async function load(artifact: Uint8Array) {
  const model = loadBigram(artifact);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      return bigramRows(model, tokens, history);
    },
  };
}
