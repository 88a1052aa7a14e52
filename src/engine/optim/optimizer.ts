// Optimizers build lazy updates: for each parameter and each piece of optimizer state, the tensor
// holding its next value. `applyUpdates` realizes them all in one backend call (with the loss and
// anything else the caller wants), then writes the new values in place. On the ort backend a whole
// training step (forward, backward, every optimizer) is one compiled session.
import { realize } from "../realize.js";
import type { Tensor } from "../tensor.js";

export interface Update {
  /** A realized tensor (parameter or optimizer state) to overwrite. */
  target: Tensor;
  /** Its next value, lazy. */
  value: Tensor;
}

export interface Optimizer {
  readonly params: Tensor[];
  /** Lazy updates for one step given the gradients of `params` (same order). */
  updates(grads: Tensor[]): Update[];
  /** Every state tensor by a stable name (for checkpoints). */
  state(): Map<string, Tensor>;
  /** Step counters and other host-side state (for checkpoints). */
  hostState(): Record<string, number>;
  loadHostState(s: Record<string, number>): void;
}

/** Realizes `also` and every update's value together, then writes the values into their targets. */
export async function applyUpdates(updates: Update[], also: Tensor[] = []): Promise<void> {
  await realize(...also, ...updates.map((u) => u.value));
  for (const u of updates) u.target.assign(u.value.data!);
}
