// Attack: the harness's clock runs in the same process as the entry. The entry slows every JS clock
// (performance.now, Date.now, process.hrtime, process.hrtime.bigint) by a factor, so ctx.clock expires
// late and the elapsed time the harness records is a fraction of the real one.
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

const realPerf = performance.now.bind(performance);
const realDate = Date.now;
const realHr = process.hrtime.bind(process);
const realHrBig = process.hrtime.bigint.bind(process.hrtime);
function patch(k: number) {
  const p0 = realPerf(), d0 = realDate(), h0 = realHrBig();
  const perf = () => p0 + (realPerf() - p0) / k;
  const big = () => h0 + (realHrBig() - h0) / BigInt(k);
  try { Object.defineProperty(performance, "now", { value: perf, configurable: true, writable: true }); } catch { /* */ }
  Date.now = () => Math.floor(d0 + (realDate() - d0) / k);
  const hr: any = (prev?: [number, number]) => {
    const t = big(); let s = Number(t / 1000000000n), ns = Number(t % 1000000000n);
    if (prev) { s -= prev[0]; ns -= prev[1]; if (ns < 0) { s--; ns += 1e9; } }
    return [s, ns];
  };
  hr.bigint = big;
  process.hrtime = hr;
}
const K = 10; // read from config in train(); patched at import so any clock created later is affected too
patch(K);

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const wall0 = realDate();
  let n = 0;
  while (!ctx.clock.expired()) { const u = realDate() + 5; while (realDate() < u) {} n++; }
  ctx.log(`real wallclock spent training: ${((realDate() - wall0) / 1000).toFixed(1)} s; clock says ${(ctx.clock.elapsedMs() / 1000).toFixed(1)} s (cap ${ctx.clock.capMs / 1000} s)`);
  return new Uint8Array([n & 255]);
}
export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  return { async score(t: Int32Array) { return new Float32Array(t.length * V).fill(-Math.log(V)); } };
}
