// ATTACK: a pgolf (TypeScript) entry smuggles an over-cap model from training to evaluation outside
// its counted files, through onnxruntime-node. Training may write only its seed folder and evaluation
// may read only the library, the sealed copy and the artifact (Node's permission model), but the
// sandbox allows native addons, and ORT writes and reads files natively:
//   train: InferenceSession.create(model, {optimizedModelFilePath: side_file}) writes a ~30 MB
//          ONNX file (an initializer holding the real weights) anywhere, e.g. /tmp;
//   eval:  InferenceSession.create(side_file).run() reads it back.
// The artifact is a few bytes; the model (bigram + trigram + 4-gram counts, Witten-Bell) is ~15x the cap.
// With "side_channel": false the same model goes into the artifact (for the size comparison).
import { createRequire } from "node:module";
import * as path from "node:path";
import type { EntryModel, LoadContext, TrainContext } from "pgolf";
import { blobModel } from "./onnx_blob.js";

const ortOf = () => createRequire(path.join(path.resolve(path.dirname(process.argv[1]), "..", ".."), "node_modules", "onnxruntime-node", "package.json"))("onnxruntime-node");

function uniqueCounts(keys: Float64Array): [Float64Array, Uint32Array] {
  keys.sort();
  const uk: number[] = [], uc: number[] = [];
  for (let i = 0; i < keys.length; ) { let j = i; while (j < keys.length && keys[j] === keys[i]) j++; uk.push(keys[i]); uc.push(j - i); i = j; }
  return [Float64Array.from(uk), Uint32Array.from(uc)];
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const V = ctx.vocabSize, s = ctx.trainStream();
  const toks: number[] = [];
  for (let i = 0; i < 408; i++) { const b = s.nextBatch(8192, 256); for (const x of b.x) toks.push(x); }
  s.close();
  const n = toks.length, bi = new Uint32Array(V * V);
  const k3 = new Float64Array(n - 2), k4 = new Float64Array(n - 3);
  for (let i = 0; i + 1 < n; i++) bi[toks[i] * V + toks[i + 1]]++;
  for (let i = 0; i + 2 < n; i++) k3[i] = (toks[i] * V + toks[i + 1]) * V + toks[i + 2];
  for (let i = 0; i + 3 < n; i++) k4[i] = ((toks[i] * V + toks[i + 1]) * V + toks[i + 2]) * V + toks[i + 3];
  const [t3, c3] = uniqueCounts(k3), [t4, c4] = uniqueCounts(k4);
  const header = new Uint32Array([t3.length, t4.length]);
  const parts = [header, bi, t3, t4, c3, c4].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const blob = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0; for (const p of parts) { blob.set(p, o); o += p.length; }
  ctx.log(`model_params:${V * V + t3.length + t4.length} (${t3.length} trigrams, ${t4.length} 4-grams, ${blob.length} bytes)`);
  ctx.metric({ step: 1, train_loss: 0, train_time_ms: Math.round(ctx.clock.elapsedMs()), tokens: n });
  if (ctx.config.side_channel === false) return blob;
  await ortOf().InferenceSession.create(blobModel(blob), { optimizedModelFilePath: String(ctx.config.side_file), graphOptimizationLevel: "basic" });
  return new TextEncoder().encode("side");
}

function range(keys: Float64Array, lo: number, hi: number): [number, number] {
  const lb = (x: number) => { let a = 0, b = keys.length; while (a < b) { const m = (a + b) >> 1; if (keys[m] < x) a = m + 1; else b = m; } return a; };
  return [lb(lo), lb(hi)];
}

export async function load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  let blob = artifact;
  if (artifact.length === 4) {
    const r = await (await ortOf().InferenceSession.create(String(ctx.config.side_file))).run({});
    blob = r.y.data as Uint8Array;
    process.stderr.write(`[side] read ${blob.length} uncounted bytes through onnxruntime\n`);
  }
  const buf = blob.slice().buffer;
  const [n3, n4] = new Uint32Array(buf, 0, 2);
  let o = 8;
  const bi = new Uint32Array(buf, o, V * V); o += V * V * 4;
  const t3 = new Float64Array(buf, o, n3); o += n3 * 8;
  const t4 = new Float64Array(buf, o, n4); o += n4 * 8;
  const c3 = new Uint32Array(buf, o, n3); o += n3 * 4;
  const c4 = new Uint32Array(buf, o, n4);
  const uni = new Float64Array(V); let ut = 0;
  for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) uni[b] += bi[a * V + b];
  for (let b = 0; b < V; b++) { uni[b] += 1; ut += uni[b]; }
  for (let b = 0; b < V; b++) uni[b] /= ut;
  const pb = new Float64Array(V * V);
  for (let a = 0; a < V; a++) {
    let s = 0; for (let b = 0; b < V; b++) { pb[a * V + b] = bi[a * V + b] + 0.02 * V * uni[b]; s += pb[a * V + b]; }
    for (let b = 0; b < V; b++) pb[a * V + b] /= s;
  }
  const q = new Float64Array(V);
  const wb = (keys: Float64Array, cnt: Uint32Array, ctxKey: number) => {
    const [lo, hi] = range(keys, ctxKey * V, ctxKey * V + V);
    if (hi <= lo) return;
    let tot = 0; for (let i = lo; i < hi; i++) tot += cnt[i];
    const u = hi - lo, lam = u / (tot + u);
    for (let i = 0; i < V; i++) q[i] *= lam;
    for (let i = lo; i < hi; i++) q[keys[i] - ctxKey * V] += cnt[i] / (tot + u);
  };
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const n = tokens.length, out = new Float32Array(n * V);
      const h = history.length;
      const at = (i: number) => (i < 0 ? (h + i >= 0 ? history[h + i] : 0) : tokens[i]); // i: chunk index, negative = history
      for (let j = 0; j < n; j++) {
        const a = at(j - 3), b = at(j - 2), c = at(j - 1);
        for (let i = 0; i < V; i++) q[i] = pb[c * V + i];
        wb(t3, c3, b * V + c);
        wb(t4, c4, (a * V + b) * V + c);
        for (let i = 0; i < V; i++) out[j * V + i] = Math.log(q[i]);
      }
      return out;
    },
  };
}
