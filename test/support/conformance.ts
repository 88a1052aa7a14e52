// Backend conformance: runs the same computation on the ort backend and on the reference backend
// (the definition) from the same input values, and checks that every output agrees within a stated
// tolerance. Prints one line per comparison in the style of llm.c's test_gpt2
// (`name: TENSOR OK, maxdiff = 1.19e-07`), so a run shows how close each op is, not only that it passed.
import assert from "node:assert/strict";
import { realize } from "../../src/engine/realize.js";
import { Tensor } from "../../src/engine/tensor.js";
import { withBackend } from "./engine.js";

/** An element passes when |ort - ref| <= abs + rel * |ref| (numpy's allclose rule). */
export interface Tolerance {
  abs: number;
  rel: number;
}

export interface Comparison {
  /** Largest |ort - ref| over every element of every output. */
  maxAbs: number;
  /** Largest |ort - ref| / |ref| over elements with ref != 0. */
  maxRel: number;
  /** The printed line. */
  message: string;
}

/** A fresh leaf with the same value and role (constant, parameter) as `x`, owned by one backend's run. */
function copyLeaf(x: Tensor): Tensor {
  if (!x.data) throw new Error(`compareWithReference: input ${x} is lazy; pass realized tensors`);
  if (x.constant) return Tensor.constant(x.data, x.shape, x.dtype);
  return Tensor.from(x.data, x.shape, { dtype: x.dtype, requiresGrad: x.requiresGrad, name: x.name });
}

async function runOn(backend: string, f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): Promise<Tensor[]> {
  return withBackend(backend, async () => {
    const out = f(...inputs.map(copyLeaf));
    const outs = Array.isArray(out) ? out : [out];
    await realize(...outs); // one backend call for all outputs (one ort session)
    return outs;
  });
}

function fmt(x: number): string {
  return x === 0 ? "0" : x.toExponential(2);
}

/**
 * Runs `f` (building lazy ops from its tensor arguments; may return several tensors) on the ort and
 * reference backends, each from its own copy of `inputs`, and asserts that the outputs match within
 * `tol` (a number means that abs and rel tolerance). Returns the largest differences.
 */
export async function compareWithReference(
  name: string,
  f: (...xs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor[],
  opts: { tol: number | Tolerance; quiet?: boolean },
): Promise<Comparison> {
  const tol = typeof opts.tol === "number" ? { abs: opts.tol, rel: opts.tol } : opts.tol;
  const got = await runOn("ort", f, inputs);
  const want = await runOn("reference", f, inputs);
  let maxAbs = 0;
  let maxRel = 0;
  let worst: { excess: number; where: string } | undefined;
  got.forEach((g, k) => {
    const w = want[k];
    assert.equal(g.dtype, w.dtype, `${name}: output ${k} is ${g.dtype} on ort, ${w.dtype} on reference`);
    assert.deepEqual(g.shape, w.shape, `${name}: output ${k} shape differs between ort and reference`);
    const a = g.data!;
    const b = w.data!;
    assert.equal(a.length, b.length, `${name}: output ${k} has ${a.length} elements on ort, ${b.length} on reference`);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      // NaN on one side only is an infinite difference; equal infinities are none.
      const d = x === y ? 0 : Number.isNaN(x) || Number.isNaN(y) ? Infinity : Math.abs(x - y);
      maxAbs = Math.max(maxAbs, d);
      if (y !== 0 && !Number.isNaN(y)) maxRel = Math.max(maxRel, d / Math.abs(y));
      const excess = d - (tol.abs + tol.rel * (Number.isFinite(y) ? Math.abs(y) : 0));
      if (excess > 0 && (!worst || excess > worst.excess)) {
        worst = { excess, where: `output ${k}${g.shape.length ? ` [${g.shape.join(", ")}]` : ""} element ${i}: ort ${x}, reference ${y}` };
      }
    }
  });
  const ok = worst === undefined;
  const message = `${name}: TENSOR ${ok ? "OK" : "NOT OK"}, maxdiff = ${fmt(maxAbs)} (max rel ${fmt(maxRel)}; tol abs ${fmt(tol.abs)} + rel ${fmt(tol.rel)})`;
  if (!opts.quiet) console.log(message);
  assert.ok(ok, `${message}; worst at ${worst?.where}`);
  return { maxAbs, maxRel, message };
}
