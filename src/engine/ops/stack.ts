// Stacks same-shape tensors along a new axis (torch.stack): each [..] becomes [.., 1, ..] at `axis`,
// then they are concatenated there. No op of its own: reshape + concat carry the gradient.
import { normAxis, sameShape, shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { concat } from "./concat.js";
import { reshape } from "./reshape.js";

/** [n] tensors of shape S -> shape S with n inserted at `axis` (in -(rank+1)..rank). */
export function stack(xs: Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw shapeError("stack", "needs at least one tensor");
  const shape = xs[0].shape;
  for (const t of xs) if (!sameShape(t.shape, shape)) throw shapeError("stack", `shapes ${showShape(shape)} and ${showShape(t.shape)} differ`);
  const ax = normAxis("stack", axis, shape.length + 1);
  const unit = [...shape.slice(0, ax), 1, ...shape.slice(ax)];
  return concat(
    xs.map((t) => reshape(t, unit)),
    ax,
  );
}
