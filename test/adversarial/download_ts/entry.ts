// Attack class 4, weights downloaded at run time (a pgolf entry): training and the model fetch their
// weights from a server (config "url"), so they are never counted.
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

async function fetchWeights(url: string, side: string): Promise<Uint8Array> {
  const r = await fetch(`${url}?side=${side}`);
  return new Uint8Array(await r.arrayBuffer());
}

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  const extra = await fetchWeights(String(ctx.config.url), "train");
  ctx.log(`downloaded:${extra.length}`);
  return trainBigram({ ...ctx, config: { ...ctx.config, max_tokens: 100000 } });
}

export async function load(artifact: Uint8Array, ctx: { config: Record<string, unknown> }) {
  await fetchWeights(String(ctx.config.url), "eval");
  const model = loadBigram(artifact);
  return { score: async (tokens: Int32Array, history: Int32Array) => bigramRows(model, tokens, history) };
}
