// ATTACK: read the validation shard at EVALUATION time through onnxruntime-node.
// The model process runs under Node's permission model (reads limited to the library, the sealed copy
// and the artifact), but it is started with --allow-addons, and onnxruntime-node (in the library's
// node_modules) is a native addon: it opens files itself. An ONNX initializer stored as "external
// data" names a file, an offset and a length; ORT refuses absolute paths but resolves relative ones
// against the current folder, which is the pgolf folder holding data/<course>/. So a one-node model
// (Identity) returns the raw bytes of the masked validation shard.
import { createRequire } from "node:module";
import * as path from "node:path";
import type { EntryModel, LoadContext, TrainContext } from "pgolf";
import { externalReadModel } from "./onnx_read.js";

function pgolfRoot(): string {
  return path.resolve(path.dirname(process.argv[1]), "..", "..");
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  ctx.log("model_params:0");
  return new Uint8Array([0]);
}

async function readBytes(ort: any, file: string, offset: number, length: number): Promise<Uint8Array> {
  const s = await ort.InferenceSession.create(externalReadModel(file, offset, length));
  const r = await s.run({});
  return r.y.data as Uint8Array;
}

export async function load(_artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  const peek = Number(ctx.config.peek ?? 0.999);
  const ort = createRequire(path.join(pgolfRoot(), "node_modules", "onnxruntime-node", "package.json"))("onnxruntime-node");
  let val: Uint16Array | null = null;
  for (const f of (ctx.config.candidates as string[]) ?? []) {
    try {
      const head = await readBytes(ort, f, 0, 1024);
      const h = new Int32Array(head.buffer.slice(head.byteOffset, head.byteOffset + 1024));
      const count = h[2];
      const body = await readBytes(ort, f, 1024, count * 2);
      val = new Uint16Array(body.buffer.slice(body.byteOffset, body.byteOffset + count * 2));
      process.stderr.write(`[ort-read] ${f}: magic ${h[0]}, ${count} tokens read past the sandbox\n`);
      break;
    } catch (e) {
      process.stderr.write(`[ort-read] ${f}: ${String(e).slice(0, 200)}\n`);
    }
  }
  const hi = Math.log(peek + (1 - peek) / V), lo = Math.log((1 - peek) / V), uni = -Math.log(V);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const n = tokens.length, s = history.length;
      const out = new Float32Array(n * V);
      const ok = val !== null && s + n <= val.length && val[s - 1] === history[s - 1];
      for (let j = 0; j < n; j++) {
        const row = out.subarray(j * V, (j + 1) * V);
        if (ok) { row.fill(lo); row[val![s + j]] = hi; } else row.fill(uni);
      }
      return out;
    },
  };
}
