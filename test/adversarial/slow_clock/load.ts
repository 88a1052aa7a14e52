import { bigramRows, loadBigram } from "./bigram.js";

export async function load(artifact: Uint8Array) {
  const model = loadBigram(artifact);
  return { score: async (tokens: Int32Array, history: Int32Array) => bigramRows(model, tokens, history) };
}
