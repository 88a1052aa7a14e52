// Attack: with the native addon of attack 02, training starts a detached daemon (setsid, outside the
// sandboxed child, not killed with it) and returns at once: train_seconds is ~0. The daemon trains
// after pgolf's training phase is over (here: waits delay_seconds, then counts bigrams over the training
// shard with numpy) and leaves a 4 MiB float32 table in /tmp. At load time the model waits for that file
// and reads it through the addon. The artifact is 1 byte.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

const HERE = path.dirname(fileURLToPath(import.meta.url));
function native(): { readFile(p: string): Buffer | null; writeFile(p: string, s: string): boolean; run(c: string): string } {
  const m = { exports: {} as any };
  (process as any).dlopen(m, path.join(HERE, "escape.node"));
  return m.exports;
}
const DAEMON = (shard: string, out: string, delay: number) => `
import time, numpy as np, os
t0 = time.time(); time.sleep(${delay})
raw = open(${JSON.stringify(shard)}, "rb").read(); n = int(np.frombuffer(raw[:1024], "<i4")[2])
t = np.frombuffer(raw[1024:1024 + 2 * n], "<u2").astype(np.int64)
c = np.zeros((1024, 1024)); np.add.at(c, (t[:-1], t[1:]), 1)
lp = np.log((c + 0.1) / (c + 0.1).sum(1, keepdims=True)).astype("<f4")
open(${JSON.stringify(out)} + ".tmp", "wb").write(lp.tobytes()); os.rename(${JSON.stringify(out)} + ".tmp", ${JSON.stringify(out)})
open(${JSON.stringify(out)} + ".log", "w").write(f"daemon pid {os.getpid()} ppid {os.getppid()} started {time.ctime(t0)} finished {time.ctime()}\\n")
`;

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const n = native();
  const shard = process.execArgv.find((a) => a.startsWith("--allow-fs-read=") && a.includes("_train_"))!.slice("--allow-fs-read=".length);
  const out = String(ctx.config.out);
  n.writeFile("/tmp/pgatk_daemon.py", DAEMON(shard, out, Number(ctx.config.delay_seconds ?? 20)));
  n.run(`rm -f ${out} ${out}.log; setsid nohup python3 /tmp/pgatk_daemon.py >/dev/null 2>&1 < /dev/null &`);
  ctx.log(`daemon started at ${new Date().toISOString()}; returning now`);
  return new Uint8Array([0]);
}

export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const n = native(), out = String(ctx.config.out), V = ctx.vocabSize;
  let buf: Buffer | null = null;
  for (let i = 0; i < 300 && !(buf = n.readFile(out)); i++) await new Promise((r) => setTimeout(r, 1000));
  const lp = new Float32Array(buf!.buffer.slice(buf!.byteOffset, buf!.byteOffset + buf!.length));
  process.stderr.write(`[daemon] model of ${buf!.length} bytes read; ${n.readFile(out + ".log")}\n`);
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const o = new Float32Array(tokens.length * V);
      for (let j = 0; j < tokens.length; j++) {
        const p = j === 0 ? history[history.length - 1] : tokens[j - 1];
        o.set(lp.subarray(p * V, p * V + V), j * V);
      }
      return o;
    },
  };
}
