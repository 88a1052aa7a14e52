// Computing lazy tensors: the subgraph they need goes to the current backend in one call.
import { getBackend, getThreads } from "./backend.js";
import type { HostArray } from "./dtype.js";
import { collect } from "./graph.js";
import type { Tensor } from "./tensor.js";

/** Computes every given tensor (one backend call for all of them) and stores its data. */
export async function realize(...tensors: Tensor[]): Promise<void> {
  const todo = tensors.filter((t) => !t.realized);
  if (todo.length === 0) return;
  const graph = collect(todo);
  const backend = await getBackend();
  const out = await backend.run(graph, { threads: getThreads() });
  todo.forEach((t, i) => {
    t.data = out[i];
    t.node = undefined; // realized: the graph behind it can be freed
  });
}

/** The data of a tensor, computing it first when lazy. */
export async function read(t: Tensor): Promise<HostArray> {
  await realize(t);
  return t.data!;
}
