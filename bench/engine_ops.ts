// Engine figures on the ort backend (a script, not a test): `node --import tsx bench/engine_ops.ts`.
//  - MatMul GFLOP/s at the GEMM shape of ../shared/peers/README.md (8192x512 @ 512x2048, fp32), through
//    the engine (lazy matmul -> realize -> collect, key, cached session, run, output copied to JS), on
//    2 threads (the peer figure: onnxruntime-node ~111 GFLOP/s, PyTorch+OpenBLAS ~137) and on 1;
//  - the same GEMM straight through the session, to show what the engine layer costs on top;
//  - the per-call overhead of a tiny graph (two 4-element adds): a full realize (build the lazy
//    graph, collect, key, cache lookup, feed, run) and the bare backend run of a prebuilt subgraph.
// Times are medians (and bests) of 9 runs after 2 warm-up runs; a shared host makes them noisy.
// Results print as a table and go to bench-output/engine_ops.json.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../src/core/random.js";
import { getBackend, setBackend, setThreads } from "../src/engine/backend.js";
import { ortStats } from "../src/engine/backends/ort.js";
import { collect } from "../src/engine/graph.js";
import { buildModel } from "../src/engine/onnx/graph_builder.js";
import { add } from "../src/engine/ops/add.js";
import { matmul } from "../src/engine/ops/matmul.js";
import { createSession, ortVersion } from "../src/engine/ort/runtime.js";
import { realize } from "../src/engine/realize.js";
import { Tensor } from "../src/engine/tensor.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "bench-output");
const line = (s: string) => process.stdout.write(s + "\n");
const results: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, onnxruntime: ortVersion() },
};

function randomF32(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/** Median and best of `reps` timed calls after `warm` untimed ones, in milliseconds. */
async function timeMs(fn: () => Promise<unknown>, reps: number, warm: number): Promise<{ median: number; best: number }> {
  for (let i = 0; i < warm; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((p, q) => p - q);
  return { median: ts[Math.floor(ts.length / 2)], best: ts[0] };
}

setBackend("ort");

// 1. GEMM throughput.
const [M, K, N] = [8192, 512, 2048];
const flop = 2 * M * K * N;
const a = Tensor.from(randomF32(M * K, 1), [M, K], { copy: false });
const b = Tensor.from(randomF32(K * N, 2), [K, N], { copy: false });
const gemm: Record<string, unknown> = { shape: `${M}x${K} @ ${K}x${N}`, gflop: flop / 1e9 };
for (const threads of [2, 1]) {
  setThreads(threads);
  const before = ortStats();
  const engine = await timeMs(() => realize(matmul(a, b)), 9, 2);
  const after = ortStats();
  // The bare session on the same model: no lazy graph, no key, no output validation.
  const graph = collect([matmul(a, b)]);
  const model = buildModel(graph);
  const session = await createSession(model.bytes, { threads });
  const feeds = { [model.inputNames[0]]: { dtype: a.dtype, shape: a.shape, data: a.data! }, [model.inputNames[1]]: { dtype: b.dtype, shape: b.shape, data: b.data! } };
  const bare = await timeMs(() => session.run(feeds), 9, 2);
  await session.release();
  const gflops = (ms: number) => flop / (ms / 1000) / 1e9;
  gemm[`threads_${threads}`] = {
    engine_ms_median: engine.median,
    engine_gflops_median: gflops(engine.median),
    engine_gflops_best: gflops(engine.best),
    session_ms_median: bare.median,
    session_gflops_median: gflops(bare.median),
    session_gflops_best: gflops(bare.best),
    sessions_compiled_for_11_engine_runs: after.compiled - before.compiled,
  };
  line(
    `matmul ${gemm.shape} fp32, ${threads} thread${threads > 1 ? "s" : ""}: engine ${engine.median.toFixed(1)} ms = ${gflops(engine.median).toFixed(1)} GFLOP/s ` +
      `(best ${gflops(engine.best).toFixed(1)}); bare session ${bare.median.toFixed(1)} ms = ${gflops(bare.median).toFixed(1)} GFLOP/s (best ${gflops(bare.best).toFixed(1)}); ` +
      `sessions compiled for 11 engine runs: ${after.compiled - before.compiled}`,
  );
}
line(`  peer figures (../shared/peers/README.md): onnxruntime-node 2 threads ~111 GFLOP/s, 1 thread ~61; PyTorch+OpenBLAS 2 threads ~137`);
results.matmul = gemm;

// 2. Per-call overhead of a tiny graph.
setThreads(1);
const x = Tensor.from([1, 2, 3, 4], [4]);
const y = Tensor.from([5, 6, 7, 8], [4]);
const calls = 5000;
const realizeUs = ((await timeMs(async () => {
  for (let i = 0; i < calls; i++) await realize(add(add(x, y), y));
}, 3, 1)).median * 1000) / calls;
const prebuilt = collect([add(add(x, y), y)]);
const ort = await getBackend("ort");
const runUs = ((await timeMs(async () => {
  for (let i = 0; i < calls; i++) await ort.run(prebuilt, { threads: 1 });
}, 3, 1)).median * 1000) / calls;
results.tiny_graph = { realize_us: realizeUs, backend_run_us: runUs, nodes: prebuilt.nodes.length };
line(`tiny graph (2 adds of [4]): realize ${realizeUs.toFixed(1)} us/call (build + collect + key + run), backend run ${runUs.toFixed(1)} us/call`);

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "engine_ops.json"), JSON.stringify(results, null, 2) + "\n");
line(`wrote ${path.relative(root, path.join(outDir, "engine_ops.json"))}`);
