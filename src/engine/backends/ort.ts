// The ort backend: compiles each subgraph handed to it into ONE onnxruntime session and runs it. A
// training step (forward, backward, optimizer update) realized in one call is one session run. The
// compiled sessions are cached by the subgraph's structural key (plus the thread count), so the
// next step, built the same way with new parameter and batch values, compiles nothing: its leaves
// are fed, its constants were baked in. The cache is a bounded LRU: each session holds its baked
// constants and a memory arena sized for its largest run.
import { PgolfError } from "../../core/error.js";
import type { Backend } from "../backend.js";
import { dtypeOf, type HostArray } from "../dtype.js";
import type { Subgraph } from "../graph.js";
import { buildModel, graphKey, isFedLeaf } from "../onnx/graph_builder.js";
import { createSession, type Feed, type OrtSession } from "../ort/runtime.js";
import { showShape } from "../shape.js";

interface Compiled {
  session: OrtSession;
  inputNames: string[];
  outputNames: string[];
}

interface Entry {
  compiled: Promise<Compiled>;
  /** Runs in flight: an evicted session is released only once they finish. */
  busy: number;
  evicted: boolean;
}

/** Counters since the process started (tests assert on their differences). */
export interface OrtStats {
  /** Sessions compiled (cache misses that built a model). */
  compiled: number;
  /** Session runs (one per backend call). */
  runs: number;
  cacheHits: number;
  evictions: number;
  /** Sessions in the cache now. */
  cached: number;
  /** Total wall time spent building and compiling models, in milliseconds. */
  compileMs: number;
}

const counters = { compiled: 0, runs: 0, cacheHits: 0, evictions: 0, compileMs: 0 };
const cache = new Map<string, Entry>(); // insertion order = least recently used first
let capacity = 8;

export function ortStats(): OrtStats {
  return { ...counters, cached: cache.size };
}

/** How many compiled sessions to keep (least recently used ones beyond that are released). */
export function setOrtCacheSize(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new PgolfError("CONFIG_INVALID", `the ort session cache size must be a positive integer, got ${n}`, { fix: "pass a whole number of sessions, at least 1" });
  capacity = n;
  evictOverflow();
}

/** Releases every cached session (sessions still running are released when they finish). */
export function clearOrtSessions(): void {
  for (const key of [...cache.keys()]) evict(key);
}

function evict(key: string): void {
  const entry = cache.get(key);
  if (!entry) return;
  cache.delete(key);
  counters.evictions++;
  entry.evicted = true;
  if (entry.busy === 0) void dispose(entry);
}

async function dispose(entry: Entry): Promise<void> {
  try {
    await (await entry.compiled).session.release();
  } catch {
    // A session that failed to compile has nothing to release.
  }
}

function evictOverflow(): void {
  while (cache.size > capacity) evict(cache.keys().next().value!);
}

function describe(graph: Subgraph): string {
  const ops = [...new Set(graph.nodes.map((t) => t.node!.op.name))];
  return `graph of ${graph.nodes.length} nodes (${ops.slice(0, 8).join(", ")}${ops.length > 8 ? ", ..." : ""}), ${graph.leaves.length} leaves`;
}

/** Prefix of profile files for sessions compiled while profiling is on (see setOrtProfiling). */
let profilePrefix: string | undefined;
const profiled: Compiled[] = [];

/**
 * Turns onnxruntime's per-node profiler on (a file prefix) or off (undefined) for sessions compiled
 * from now on; the same graph compiles separately with and without it.
 */
export function setOrtProfiling(prefix: string | undefined): void {
  profilePrefix = prefix;
}

/** Ends profiling of every profiled session; their profile files are then written. */
export async function endOrtProfiling(): Promise<void> {
  for (const c of profiled.splice(0)) await c.session.endProfiling();
}

async function compile(graph: Subgraph, threads: number): Promise<Compiled> {
  const t0 = performance.now();
  const model = buildModel(graph);
  const session = await createSession(model.bytes, { threads, label: describe(graph), profilePrefix });
  counters.compiled++;
  counters.compileMs += performance.now() - t0;
  const compiled = { session, inputNames: model.inputNames, outputNames: model.outputNames };
  if (profilePrefix) profiled.push(compiled);
  return compiled;
}

/** The cached session for `key`, compiling it on a miss; marks it most recently used and busy. */
function acquire(key: string, graph: Subgraph, threads: number): Entry {
  let entry = cache.get(key);
  if (entry) {
    counters.cacheHits++;
    cache.delete(key);
  } else {
    entry = { compiled: compile(graph, threads), busy: 0, evicted: false };
    const failed = entry;
    // A failed compile must not stay cached: the next call retries (and reports the error again).
    entry.compiled.catch(() => {
      if (cache.get(key) === failed) cache.delete(key);
    });
  }
  cache.set(key, entry);
  entry.busy++;
  evictOverflow();
  return entry;
}

function releaseEntry(entry: Entry): void {
  entry.busy--;
  if (entry.evicted && entry.busy === 0) void dispose(entry);
}

export const ortBackend: Backend = {
  name: "ort",
  async run(graph: Subgraph, opts: { threads: number }): Promise<HostArray[]> {
    const key = `${graphKey(graph)}@${opts.threads}${profilePrefix ? "@profiled" : ""}`;
    const entry = acquire(key, graph, opts.threads);
    try {
      const { session, inputNames, outputNames } = await entry.compiled;
      const feeds: Record<string, Feed> = {};
      let k = 0;
      for (const leaf of graph.leaves) {
        if (!isFedLeaf(leaf)) continue;
        if (!leaf.data) {
          throw new PgolfError("ENGINE_BACKEND", `${leaf} is neither realized nor computed by an op`, { fix: "create tensors with Tensor.from/zeros/constant or with ops" });
        }
        feeds[inputNames[k++]] = { dtype: leaf.dtype, shape: leaf.shape, data: leaf.data };
      }
      const out = await session.run(feeds, outputNames);
      counters.runs++;
      graph.outputs.forEach((t, i) => {
        if (out[i].length !== t.size || dtypeOf(out[i]) !== t.dtype) {
          throw new PgolfError(
            "ENGINE_BACKEND",
            `onnxruntime returned ${dtypeOf(out[i])}[${out[i].length}] for ${t} (${t.node ? t.node.op.name : "leaf"}), expected ${t.dtype}${showShape(t.shape)}`,
            { fix: "the ONNX lowering of that op produces the wrong shape or dtype; run on the reference backend (setBackend(\"reference\")) meanwhile and report it" },
          );
        }
      });
      return out;
    } finally {
      releaseEntry(entry);
    }
  },
};
