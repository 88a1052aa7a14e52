// The reference backend: runs the graph node by node with each op's plain-TypeScript kernel. Slow and
// obviously correct; the definition every other backend is tested against.
import type { Backend } from "../backend.js";
import type { HostArray } from "../dtype.js";
import type { Subgraph } from "../graph.js";
import type { HostTensor } from "../op.js";

export const referenceBackend: Backend = {
  name: "reference",
  async run(graph: Subgraph): Promise<HostArray[]> {
    const values = new Map<number, HostTensor>();
    for (const leaf of graph.leaves) values.set(leaf.id, { shape: leaf.shape, dtype: leaf.dtype, data: leaf.data! });
    for (const t of graph.nodes) {
      const { op, inputs, attrs } = t.node!;
      const data = op.reference(
        inputs.map((i) => values.get(i.id)!),
        attrs,
        { shape: t.shape, dtype: t.dtype },
      );
      values.set(t.id, { shape: t.shape, dtype: t.dtype, data });
    }
    return graph.outputs.map((o) => values.get(o.id)!.data);
  },
};
