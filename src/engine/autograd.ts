// Reverse-mode autodiff on the lazy graph: walks the nodes from the loss back to the leaves in
// reverse topological order, calling each op's backward (which builds more lazy ops) and summing
// gradients that meet. Nothing is computed here; realize the gradients (with the loss and the
// optimizer's updates) to run them, on the ort backend as one session.
import { PgolfError } from "../core/error.js";
import { collect } from "./graph.js";
import { add } from "./ops/add.js";
import { expand } from "./ops/expand.js";
import { Tensor } from "./tensor.js";

/**
 * Gradients of `loss` (a scalar, or any tensor with `seed` as its upstream gradient) with respect to
 * each of `wrt`. A tensor the loss does not depend on gets a zero gradient.
 */
export function grad(loss: Tensor, wrt: Tensor[], seed?: Tensor): Tensor[] {
  if (!seed && loss.size !== 1) {
    throw new PgolfError("ENGINE_GRAD", `grad: the loss has shape [${loss.shape.join(", ")}]; pass a scalar or a seed gradient`, { fix: "reduce the loss to a scalar first (mean or sum), or pass a seed gradient of its shape" });
  }
  const g0 = seed ?? expand(Tensor.scalar(1, loss.dtype), loss.shape);
  const { nodes } = collect([loss]);
  const grads = new Map<number, Tensor>([[loss.id, g0]]);
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? add(prev, g) : g);
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const t = nodes[i];
    const g = grads.get(t.id);
    if (!g || !t.requiresGrad) continue;
    const { op, inputs, attrs } = t.node!;
    if (!op.backward) continue;
    const gi = op.backward(inputs, t, g, attrs);
    inputs.forEach((inp, k) => {
      if (gi[k] && inp.requiresGrad) accumulate(inp, gi[k]!);
    });
  }
  return wrt.map((w) => grads.get(w.id) ?? Tensor.zeros(w.shape, w.dtype));
}
