// Attack: the seed folder is writable by the training child, and the checkpoint there (checkpoint.bin:
// "PGCK", u32 1, u32 n, {"elapsedMs":...}, state) carries the time already used. The entry saves a
// checkpoint, rewrites its elapsedMs to 0, and crashes on purpose. Running `pgolf train` again resumes
// with a fresh clock. Repeat: unlimited training, and the reported train_seconds is one cap's worth.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

function seedDir(): string {
  const w = process.execArgv.find((a) => a.startsWith("--allow-fs-write="));
  return w ? w.slice("--allow-fs-write=".length) : path.dirname(process.argv[2]);
}
function forge(file: string, elapsedMs: number) {
  const b = fs.readFileSync(file);
  const jlen = b.readUInt32LE(8);
  const j = Buffer.from(JSON.stringify({ elapsedMs }));
  const head = Buffer.alloc(12); b.copy(head, 0, 0, 8); head.writeUInt32LE(j.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, j, b.subarray(12 + jlen)]));
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const V = ctx.vocabSize;
  const gens = Number(ctx.config.generations ?? 3);
  const saved = ctx.loadCheckpoint();
  let gen = 0, tokens = 0, wallMs = 0;
  let counts = new Uint32Array(V * V);
  if (saved) {
    const b = Buffer.from(saved);
    const meta = JSON.parse(b.subarray(4, 4 + b.readUInt32LE(0)).toString());
    ({ gen, tokens, wallMs } = meta);
    counts = new Uint32Array(b.buffer.slice(b.byteOffset + 4 + b.readUInt32LE(0)));
    ctx.log(`resumed: generation ${gen}, ${tokens} tokens already trained over ${(wallMs / 1000).toFixed(1)} s of real wallclock; clock says elapsed ${ctx.clock.elapsedMs().toFixed(0)} ms`);
  }
  const t0 = Date.now();
  const s = ctx.trainStream();
  for (let i = 0; i < Math.floor(tokens / 8192) % 400; i++) s.take(8192); // continue where we were, roughly
  let prev = -1;
  while (!ctx.clock.expired()) {
    const t = s.take(8192);
    for (const x of t) { if (prev >= 0) counts[prev * V + x]++; prev = x; }
    tokens += t.length;
    const until = Date.now() + Number(ctx.config.ms_per_chunk ?? 20); while (Date.now() < until) {} // a "model" that is slow to train
  }
  s.close();
  gen++; wallMs += Date.now() - t0;
  ctx.log(`generation ${gen}/${gens}: ${tokens} tokens in total, ${(wallMs / 1000).toFixed(1)} s of real training wallclock in total`);
  if (gen < gens) {
    const meta = Buffer.from(JSON.stringify({ gen, tokens, wallMs }));
    const len = Buffer.alloc(4); len.writeUInt32LE(meta.length);
    await ctx.saveCheckpoint(new Uint8Array(Buffer.concat([len, meta, Buffer.from(counts.buffer)])));
    const file = path.join(seedDir(), "checkpoint.bin");
    forge(file, Number(ctx.config.forged_elapsed_ms ?? 0));
    ctx.log(`forged ${file}: elapsedMs -> ${ctx.config.forged_elapsed_ms}`);
    throw new Error(`planned crash after generation ${gen}; run pgolf train again to resume with a fresh clock`);
  }
  const q = new Uint8Array(V * V);
  for (let a = 0; a < V; a++) {
    let tot = 0; for (let b = 0; b < V; b++) tot += counts[a * V + b] + 0.1;
    for (let b = 0; b < V; b++) q[a * V + b] = Math.min(255, Math.round(-Math.log((counts[a * V + b] + 0.1) / tot) * 12));
  }
  return new Uint8Array(zlib.deflateSync(q, { level: 9 }));
}

export async function load(a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize, q = zlib.inflateSync(a), lp = new Float32Array(V * V);
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
