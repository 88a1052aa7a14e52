// Test support for the engine: seeded random tensors, gradient checks against central finite
// differences in float64 on the reference backend, and backend-vs-reference comparison.
import assert from "node:assert/strict";
import { mulberry32 } from "../../src/core/random.js";
import { grad } from "../../src/engine/autograd.js";
import { backendName, setBackend } from "../../src/engine/backend.js";
import type { DType } from "../../src/engine/dtype.js";
import { mul } from "../../src/engine/ops/mul.js";
import { sum } from "../../src/engine/ops/sum.js";
import { read, realize } from "../../src/engine/realize.js";
import { numel, type Shape } from "../../src/engine/shape.js";
import { Tensor } from "../../src/engine/tensor.js";

/** Uniform in [lo, hi), seeded. */
export function rand(shape: Shape, seed: number, opts: { dtype?: DType; lo?: number; hi?: number; requiresGrad?: boolean } = {}): Tensor {
  const r = mulberry32(seed);
  const lo = opts.lo ?? -1;
  const hi = opts.hi ?? 1;
  const vals = Array.from({ length: numel(shape) }, () => lo + (hi - lo) * r());
  return Tensor.from(vals, shape, { dtype: opts.dtype ?? "float64", requiresGrad: opts.requiresGrad });
}

export async function withBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const prev = backendName();
  setBackend(name);
  try {
    return await fn();
  } finally {
    setBackend(prev);
  }
}

/**
 * Checks d(sum(f(inputs) * w))/d(inputs) from autograd against central differences (step h) in
 * float64 on the reference backend, for every element of every differentiable input.
 */
export async function gradcheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: { h?: number; tol?: number; wrt?: number[] } = {},
): Promise<void> {
  const h = opts.h ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const wrt = opts.wrt ?? inputs.map((_, i) => i).filter((i) => inputs[i].dtype === "float64");
  await withBackend("reference", async () => {
    const leaves = inputs.map((x, i) => Tensor.from(x.data!, x.shape, { dtype: x.dtype, requiresGrad: wrt.includes(i) }));
    const out = f(...leaves);
    const w = rand(out.shape, 987, { dtype: "float64" });
    const loss = sum(mul(out, w));
    const gs = grad(loss, wrt.map((i) => leaves[i]));
    await realize(loss, ...gs);
    const value = async (xs: Tensor[]) => (await read(sum(mul(f(...xs), w))))[0];
    for (const [k, i] of wrt.entries()) {
      const base = leaves[i].data!;
      for (let j = 0; j < base.length; j++) {
        const plus = Float64Array.from(base);
        const minus = Float64Array.from(base);
        plus[j] += h;
        minus[j] -= h;
        const at = (d: Float64Array) => leaves.map((l, m) => (m === i ? Tensor.from(d, l.shape, { dtype: "float64" }) : Tensor.from(l.data!, l.shape, { dtype: l.dtype })));
        const numeric = ((await value(at(plus))) - (await value(at(minus)))) / (2 * h);
        const analytic = gs[k].data![j];
        const err = Math.abs(numeric - analytic) / Math.max(1, Math.abs(numeric));
        assert.ok(err <= tol, `${name}: d/d(input ${i})[${j}]: autograd ${analytic}, finite difference ${numeric} (rel err ${err.toExponential(2)} > ${tol})`);
      }
    }
  });
}
