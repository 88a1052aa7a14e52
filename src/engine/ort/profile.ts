// Reading onnxruntime's profile files (Chrome trace JSON): time per op type, summed over node
// events, to say where a step's time goes (GEMMs vs everything else).
import * as fs from "node:fs";

export interface OpTime {
  op: string;
  /** Total milliseconds over the profiled runs. */
  ms: number;
  /** Node executions. */
  calls: number;
}

/** Op types that are matrix products. */
export const GEMM_OPS = new Set(["MatMul", "FusedMatMul", "Gemm", "MatMulInteger", "QLinearMatMul"]);

/** Time per op type, most first; the first `skipRuns` runs (warm-up) are left out. */
export function summarizeProfile(file: string, opts: { skipRuns?: number } = {}): { runs: number; ops: OpTime[] } {
  const events = JSON.parse(fs.readFileSync(file, "utf8")) as Array<{ cat?: string; name?: string; ts?: number; dur?: number; args?: { op_name?: string } }>;
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run").sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  const skip = Math.min(opts.skipRuns ?? 0, runs.length);
  const from = skip > 0 ? (runs[skip - 1].ts ?? 0) + (runs[skip - 1].dur ?? 0) : -Infinity;
  const byOp = new Map<string, OpTime>();
  for (const e of events) {
    if ((e.ts ?? 0) < from) continue;
    // Each node has a "_kernel_time" event with its op type in args.op_name.
    if (e.cat !== "Node" || !e.args?.op_name || !e.name?.endsWith("_kernel_time")) continue;
    const t = byOp.get(e.args.op_name) ?? { op: e.args.op_name, ms: 0, calls: 0 };
    t.ms += (e.dur ?? 0) / 1000;
    t.calls++;
    byOp.set(t.op, t);
  }
  return { runs: runs.length - skip, ops: [...byOp.values()].sort((a, b) => b.ms - a.ms) };
}
