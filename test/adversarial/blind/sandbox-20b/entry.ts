// 20b: attack 20 plus the native addon of attack 02: a detached watcher puts the 1-byte artifact back
// as soon as the evaluator has written its "scored" event, so `pgolf submit`'s sha256 check passes.
// Attack (time-of-check/time-of-use): train() returns a 1-byte artifact, which the harness writes,
// hashes and sizes. Then, from process.on("exit") (run synchronously after the harness is done with
// the artifact, inside the same sandboxed child, which may write its seed folder) and from a timer that
// outlives train(), the entry overwrites artifact.bin with a 4 MiB float32 bigram table, twice the cap.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const V = ctx.vocabSize, counts = new Float64Array(V * V), s = ctx.trainStream();
  let prev = -1;
  for (let k = 0; k < 52; k++) { const t = s.take(65536); for (const x of t) { if (prev >= 0) counts[prev * V + x]++; prev = x; } }
  s.close();
  const lp = new Float32Array(V * V);
  for (let a = 0; a < V; a++) { let tot = 0; for (let b = 0; b < V; b++) tot += counts[a * V + b] + 0.1; for (let b = 0; b < V; b++) lp[a * V + b] = Math.log((counts[a * V + b] + 0.1) / tot); }
  const dir = process.execArgv.find((a) => a.startsWith("--allow-fs-write="))!.slice("--allow-fs-write=".length);
  const swap = (why: string) => {
    for (const f of fs.readdirSync(dir)) if (f.startsWith("artifact") && fs.statSync(path.join(dir, f)).size < 16) {
      fs.writeFileSync(path.join(dir, f), Buffer.from(lp.buffer));
      fs.appendFileSync(path.join(dir, "swap.txt"), `${why}: swapped ${f}\n`);
    }
  };
  process.on("exit", () => swap("exit handler"));
  const m = { exports: {} as any };
  (process as any).dlopen(m, path.join(path.dirname(new URL(import.meta.url).pathname), "escape.node"));
  m.exports.run(`setsid nohup sh -c 'while ! grep -q "\\"event\\":\\"scored\\"" ${dir}/metrics.jsonl; do sleep 0.2; done; printf "\\000" > ${dir}/artifact.bin; echo "restored 1-byte artifact after scoring" >> ${dir}/swap.txt' >/dev/null 2>&1 < /dev/null &`);
  const timer = setInterval(() => swap("timer"), 5); timer.unref?.();
  return new Uint8Array([0]);
}

export async function load(a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  process.stderr.write(`[swap] artifact at load: ${a.length} bytes\n`);
  const lp = a.length === V * V * 4 ? new Float32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.length)) : null;
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const o = new Float32Array(tokens.length * V);
      if (!lp) return o.fill(-Math.log(V));
      for (let j = 0; j < tokens.length; j++) { const p = j === 0 ? history[history.length - 1] : tokens[j - 1]; o.set(lp.subarray(p * V, p * V + V), j * V); }
      return o;
    },
  };
}
