// Attack: the model lives in the NAMES of ~800 empty files in s/ (a 150 KB zlib'd uint8 bigram table,
// base64url). The size rule counts only file contents, so these files count 0 bytes; the sealed copy
// keeps them, names and all. Artifact: 1 byte.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";
const HERE = path.dirname(fileURLToPath(import.meta.url));

export async function train(_ctx: TrainContext): Promise<Uint8Array> { return new Uint8Array([0]); }

export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const names = fs.readdirSync(path.join(HERE, "s")).sort();
  const b64 = names.map((n) => n.slice(7)).join("");
  const payload = Buffer.from(b64, "base64url");
  const q = zlib.inflateSync(payload);
  const V = ctx.vocabSize;
  const lp = new Float32Array(V * V);
  for (let a = 0; a < V; a++) {
    let m = 0; for (let b = 0; b < V; b++) m += Math.exp(-q[a * V + b] / 12);
    const z = Math.log(m);
    for (let b = 0; b < V; b++) lp[a * V + b] = -q[a * V + b] / 12 - z;
  }
  process.stderr.write(`[names] decoded ${payload.length} bytes from ${names.length} file names\n`);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const out = new Float32Array(tokens.length * V);
      for (let j = 0; j < tokens.length; j++) {
        const prev = j === 0 ? history[history.length - 1] : tokens[j - 1];
        out.set(lp.subarray(prev * V, prev * V + V), j * V);
      }
      return out;
    },
  };
}
