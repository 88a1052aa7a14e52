// Reductions (mean, max) and softmax / log_softmax: forward values on small known inputs, the tie
// rule of max's gradient, and finite-difference gradient checks (float64, reference backend).
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { grad } from "../autograd.js";
import { read } from "../realize.js";
import { Tensor } from "../tensor.js";
import { exp, logSoftmax, max, mean, softmax, sum } from "./index.js";

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test("mean and max: values, axes and keepDims", async () => {
  const x = Tensor.from([1, 6, 3, 4, 2, 5], [2, 3], { dtype: "float64" });
  assert.deepEqual([...(await read(mean(x)))], [3.5]);
  assert.deepEqual([...(await read(mean(x, 1)))], [10 / 3, 11 / 3]);
  const m0 = mean(x, 0, true);
  assert.deepEqual(m0.shape, [1, 3]);
  assert.deepEqual([...(await read(m0))], [2.5, 4, 4]);
  assert.deepEqual([...(await read(max(x)))], [6]);
  assert.deepEqual([...(await read(max(x, -1)))], [6, 5]);
  assert.deepEqual([...(await read(max(x, 0, true)))], [4, 6, 5]);
  assert.deepEqual(max(x, [0, 1], true).shape, [1, 1]);
  assert.deepEqual([...(await read(max(Tensor.from([-7, -3, -5], [3], { dtype: "int32" }))))], [-3], "int32 max of negatives");
  assert.equal(mean(x, []), x, "no axes: nothing to reduce");
  assert.throws(() => mean(x, 2), (e) => isPgolfError(e, "ENGINE_SHAPE") && /axis 2 is out of range/.test(e.message));
  assert.throws(() => mean(Tensor.zeros([2], "int32")), (e) => isPgolfError(e, "ENGINE_DTYPE"));
});

test("max splits its gradient equally among tied maxima", async () => {
  const x = Tensor.from([3, 1, 3, 2, 5, 5, 5, 0], [2, 4], { dtype: "float64", requiresGrad: true });
  const [g] = grad(sum(max(x, 1)), [x]);
  assert.deepEqual([...(await read(g))], [0.5, 0, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0]);
  const [gAll] = grad(max(x), [x]);
  assert.deepEqual([...(await read(gAll))], [0, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0]);
});

test("softmax rows sum to 1; log_softmax is its log, stable for large logits", async () => {
  const x = rand([3, 5], 1, { lo: -3, hi: 3 });
  const s = await read(softmax(x));
  for (let r = 0; r < 3; r++) {
    let t = 0;
    for (let j = 0; j < 5; j++) t += s[r * 5 + j];
    assert.ok(Math.abs(t - 1) < 1e-15, `row ${r} sums to ${t}`);
  }
  assertClose(await read(exp(logSoftmax(x))), s, 1e-15, "exp(log_softmax) = softmax");
  // Along axis 0 of [2, 2]: columns normalize.
  const c = Tensor.from([0, 1, Math.log(3), 1], [2, 2], { dtype: "float64" });
  assertClose(await read(softmax(c, 0)), [0.25, 0.5, 0.75, 0.5], 1e-15, "softmax axis 0");
  // Huge logits: no overflow, exact uniform / one-hot answers.
  const big = Tensor.from([1000, 1000, 1000, 1000], [4], { dtype: "float64" });
  assert.deepEqual([...(await read(softmax(big)))], [0.25, 0.25, 0.25, 0.25]);
  assertClose(await read(logSoftmax(Tensor.from([1000, 0], [2], { dtype: "float64" }))), [0, -1000], 1e-15, "log_softmax big");
  // float32 in, float32 out.
  const f = softmax(Tensor.from([0, 0], [2]));
  assert.equal(f.dtype, "float32");
  assert.deepEqual([...(await read(f))], [0.5, 0.5]);
});

test("gradients of reductions and softmax match finite differences", async () => {
  const shapes = [[5], [2, 3], [2, 3, 4]];
  let seed = 60;
  for (const shape of shapes) {
    const x = rand(shape, seed++, { lo: -2, hi: 2 });
    const s = `[${shape}]`;
    await gradcheck(`mean all ${s}`, (t) => mean(t), [x]);
    await gradcheck(`mean last ${s}`, (t) => mean(t, -1), [x]);
    await gradcheck(`max all ${s}`, (t) => max(t), [x]);
    await gradcheck(`max last keepdims ${s}`, (t) => max(t, -1, true), [x]);
    await gradcheck(`softmax last ${s}`, (t) => softmax(t), [x]);
    await gradcheck(`log_softmax last ${s}`, (t) => logSoftmax(t), [x]);
    if (shape.length > 1) {
      await gradcheck(`mean axes 0 ${s}`, (t) => mean(t, [0], true), [x]);
      await gradcheck(`max first ${s}`, (t) => max(t, 0), [x]);
      await gradcheck(`softmax axis 0 ${s}`, (t) => softmax(t, 0), [x]);
      await gradcheck(`log_softmax axis 1 ${s}`, (t) => logSoftmax(t, 1), [x]);
    }
  }
});
