// Attack: the module's top level runs when the harness imports the entry, before ctx.clock starts.
// Here the whole training happens at import: the training shard is read straight from the path the
// sandbox allows (it is in process.execArgv), a bigram table is counted, and a deliberately slow
// "model" keeps busy for import_seconds. train() then only exports. None of it is in train_seconds.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const V = 1024;
let trained: { counts: Uint32Array; tokens: number; seconds: number } | null = null;
const shard = process.execArgv.find((a) => a.startsWith("--allow-fs-read=") && a.endsWith(".bin") && a.includes("_train_"));
if (shard) {
  const cfg = JSON.parse(fs.readFileSync(path.join(HERE, "config.json"), "utf8"));
  const t0 = Date.now();
  const buf = fs.readFileSync(shard.slice("--allow-fs-read=".length));
  const n = buf.readInt32LE(8);
  const toks = new Uint16Array(buf.buffer.slice(buf.byteOffset + 1024, buf.byteOffset + 1024 + 2 * n));
  const counts = new Uint32Array(V * V);
  let seen = 0;
  while (Date.now() - t0 < cfg.import_seconds * 1000) {
    for (let i = 1; i < toks.length && Date.now() - t0 < cfg.import_seconds * 1000; i += 1) { counts[toks[i - 1] * V + toks[i]]++; seen++; if ((i & 1023) === 0) { const u = Date.now() + 1; while (Date.now() < u) {} } }
  }
  trained = { counts, tokens: seen, seconds: (Date.now() - t0) / 1000 };
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  if (!trained) throw new Error("no import-time training");
  ctx.log(`import-time training: ${trained.tokens} tokens in ${trained.seconds.toFixed(1)} s before the clock started; clock now ${ctx.clock.elapsedMs().toFixed(0)} ms`);
  const c = trained.counts, q = new Uint8Array(V * V);
  for (let a = 0; a < V; a++) {
    let tot = 0; for (let b = 0; b < V; b++) tot += c[a * V + b] + 0.1;
    for (let b = 0; b < V; b++) q[a * V + b] = Math.min(255, Math.round(-Math.log((c[a * V + b] + 0.1) / tot) * 12));
  }
  return new Uint8Array(zlib.deflateSync(q, { level: 9 }));
}

export async function load(a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const q = zlib.inflateSync(a), lp = new Float32Array(V * V);
  for (let r = 0; r < V; r++) {
    let m = 0; for (let b = 0; b < V; b++) m += Math.exp(-q[r * V + b] / 12);
    for (let b = 0; b < V; b++) lp[r * V + b] = -q[r * V + b] / 12 - Math.log(m);
  }
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const out = new Float32Array(tokens.length * V);
      for (let j = 0; j < tokens.length; j++) {
        const p = j === 0 ? history[history.length - 1] : tokens[j - 1];
        out.set(lp.subarray(p * V, p * V + V), j * V);
      }
      return out;
    },
  };
}
