// Forward values and finite-difference gradient checks (float64, reference backend) of the core ops.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { read } from "../realize.js";
import { Tensor } from "../tensor.js";
import { add } from "./add.js";
import { div } from "./div.js";
import { expand } from "./expand.js";
import { matmul } from "./matmul.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { reshape } from "./reshape.js";
import { sub } from "./sub.js";
import { sum } from "./sum.js";
import { transpose } from "./transpose.js";

test("forward values on small known inputs", async () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([10, 20, 30], [3]);
  assert.deepEqual([...(await read(add(a, b)))], [11, 22, 33, 14, 25, 36]);
  assert.deepEqual([...(await read(sum(a, 1)))], [6, 15]);
  assert.deepEqual([...(await read(sum(a, 0, true)))], [5, 7, 9]);
  assert.deepEqual([...(await read(transpose(a)))], [1, 4, 2, 5, 3, 6]);
  assert.deepEqual([...(await read(matmul(a, reshape(Tensor.from([1, 0, 0, 1, 1, 1], [6]), [3, 2]))))], [4, 5, 10, 11]);
  assert.deepEqual([...(await read(expand(Tensor.from([1, 2], [2, 1]), [2, 3])))], [1, 1, 1, 2, 2, 2]);
});

test("shape errors name the shapes", () => {
  assert.throws(() => add(Tensor.zeros([2, 3]), Tensor.zeros([4])), (e) => isPgolfError(e, "ENGINE_SHAPE") && /\[2, 3\] and \[4\]/.test(e.message));
  assert.throws(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), (e) => isPgolfError(e, "ENGINE_SHAPE") && /3 vs 4/.test(e.message));
  assert.throws(() => reshape(Tensor.zeros([2, 3]), [4, 2]), (e) => isPgolfError(e, "ENGINE_SHAPE"));
});

test("gradients of elementwise ops with broadcasting match finite differences", async () => {
  const a = rand([2, 3, 4], 1);
  const b = rand([3, 1], 2);
  await gradcheck("add", add, [a, b]);
  await gradcheck("sub", sub, [a, b]);
  await gradcheck("mul", mul, [a, b]);
  await gradcheck("div", div, [a, rand([3, 1], 3, { lo: 0.5, hi: 2 })]);
  await gradcheck("neg", neg, [a]);
});

test("gradients of reductions and movement ops match finite differences", async () => {
  const x = rand([2, 3, 4], 4);
  await gradcheck("sum all", (t) => sum(t), [x]);
  await gradcheck("sum axes", (t) => sum(t, [0, 2]), [x]);
  await gradcheck("sum keepdims", (t) => sum(t, -1, true), [x]);
  await gradcheck("reshape", (t) => reshape(t, [4, -1]), [x]);
  await gradcheck("transpose", (t) => transpose(t, [2, 0, 1]), [x]);
  await gradcheck("expand", (t) => expand(t, [5, 3, 4]), [rand([3, 1], 5)]);
});

test("gradients of batched matmul with broadcast batch dims match finite differences", async () => {
  await gradcheck("matmul 2d", matmul, [rand([3, 4], 6), rand([4, 2], 7)]);
  await gradcheck("matmul batched", matmul, [rand([2, 3, 4], 8), rand([4, 5], 9)]);
  await gradcheck("matmul broadcast", matmul, [rand([2, 1, 3, 4], 10), rand([3, 4, 2], 11)]);
});
