// Compute backends behind one interface: `reference` (plain TypeScript, the definition) and `ort`
// (onnxruntime); others can be registered. Settings (backend, threads)
// are process-wide so a training harness can pin them.
import { PgolfError } from "../core/error.js";
import type { HostArray } from "./dtype.js";
import type { Subgraph } from "./graph.js";

export interface Backend {
  readonly name: string;
  /** Computes the subgraph's outputs; returns their data in order. */
  run(graph: Subgraph, opts: { threads: number }): Promise<HostArray[]>;
}

// The backends pgolf ships, loaded on first use (so code that only needs the reference backend never
// loads onnxruntime). Dynamic imports keep this module free of import cycles.
const backends = new Map<string, () => Promise<Backend>>([
  ["reference", async () => (await import("./backends/reference.js")).referenceBackend],
  ["ort", async () => (await import("./backends/ort.js")).ortBackend],
]);
const loaded = new Map<string, Backend>();
let current = "reference";
let threads = 1;

export function registerBackend(name: string, load: () => Promise<Backend>): void {
  backends.set(name, load);
}

export function setBackend(name: string): void {
  if (!backends.has(name)) {
    throw new PgolfError("ENGINE_BACKEND", `no backend named "${name}"`, { fix: `use one of: ${[...backends.keys()].join(", ")}` });
  }
  current = name;
}

export function backendName(): string {
  return current;
}

/** Threads the backend may use (a track pins this; results are deterministic for a given count). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new PgolfError("CONFIG_INVALID", `threads must be a positive integer, got ${n}`, { fix: "pass a whole number of threads, at least 1 (the track's is 2)" });
  threads = n;
}

export function getThreads(): number {
  return threads;
}

export async function getBackend(name = current): Promise<Backend> {
  let b = loaded.get(name);
  if (b) return b;
  const load = backends.get(name);
  if (!load) throw new PgolfError("ENGINE_BACKEND", `no backend named "${name}"`, { fix: `use one of: ${[...backends.keys()].join(", ")}` });
  b = await load();
  loaded.set(name, b);
  return b;
}
