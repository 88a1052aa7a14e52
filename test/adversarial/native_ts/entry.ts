// Attack class 6, native code (a pgolf entry): the entry ships a Node addon (addon.node, a compiled
// shared library that runs outside Node's permission model) and loads it; with config "drop" it
// instead carries the library's bytes in its code (base64, config "b64" or its own file) and writes them
// out at run time to load them.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

function loadNative(config: Record<string, unknown>): void {
  const require = createRequire(import.meta.url);
  if (config.drop) {
    const file = path.join(process.env.TMPDIR ?? "/tmp", "dropped.node");
    fs.writeFileSync(file, Buffer.from(fs.readFileSync(new URL("./addon.b64", import.meta.url), "utf8"), "base64"));
    require(file);
  } else require("./addon.node");
}

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  loadNative(ctx.config);
  return trainBigram({ ...ctx, config: { ...ctx.config, max_tokens: 100000 } });
}

export async function load(artifact: Uint8Array) {
  const model = loadBigram(artifact);
  return { score: async (tokens: Int32Array, history: Int32Array) => bigramRows(model, tokens, history) };
}
