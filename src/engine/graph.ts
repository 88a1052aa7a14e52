// The part of the lazy graph a realize call must compute: every unrealized tensor the requested
// outputs depend on, in topological order, and the realized tensors it reads (its leaves).
import type { Tensor } from "./tensor.js";

export interface Subgraph {
  /** Unrealized tensors in dependency order (inputs before users). */
  nodes: Tensor[];
  /** Realized tensors read by the nodes (parameters, data, constants), in first-use order. */
  leaves: Tensor[];
  outputs: Tensor[];
}

export function collect(outputs: Tensor[]): Subgraph {
  const nodes: Tensor[] = [];
  const leaves: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative post-order DFS (graphs of a training step are deep: no recursion).
  const stack: Array<{ t: Tensor; next: number }> = [];
  for (const out of outputs) {
    if (seen.has(out.id)) continue;
    stack.push({ t: out, next: 0 });
    seen.add(out.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const node = top.t.node;
      if (top.t.realized || !node) {
        leaves.push(top.t);
        stack.pop();
        continue;
      }
      if (top.next < node.inputs.length) {
        const child = node.inputs[top.next++];
        if (!seen.has(child.id)) {
          seen.add(child.id);
          stack.push({ t: child, next: 0 });
        }
        continue;
      }
      nodes.push(top.t);
      stack.pop();
    }
  }
  return { nodes, leaves, outputs };
}
