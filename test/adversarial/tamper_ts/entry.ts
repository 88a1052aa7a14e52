// Attack class 9, tampering with the install (a pgolf entry): during training it appends to pgolf's
// built evaluator (config "target", the install's dist/eval/stream_eval.js), so every later evaluation
// on the machine would be wrong.
import * as fs from "node:fs";
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  fs.appendFileSync(String(ctx.config.target), "\n// tampered by an entry\n");
  return trainBigram({ ...ctx, config: { ...ctx.config, max_tokens: 100000 } });
}

export async function load(artifact: Uint8Array) {
  const model = loadBigram(artifact);
  return { score: async (tokens: Int32Array, history: Int32Array) => bigramRows(model, tokens, history) };
}
