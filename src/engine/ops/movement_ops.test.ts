// Movement ops: slice (Python semantics, steps), pad (and crop), concat, stack, embedding and its
// adjoint scatterAddRows. Forward values on small known inputs, errors, and finite-difference
// gradient checks (float64, reference backend).
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../../test/support/engine.js";
import { rejectsWith } from "../../../test/support/errors.js";
import { isPgolfError } from "../../core/error.js";
import { read } from "../realize.js";
import { Tensor } from "../tensor.js";
import { concat, embedding, pad, scatterAddRows, slice, sliceAxis, stack } from "./index.js";

const iota = (shape: number[]) => Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape, { dtype: "float64" });
const ids = (values: number[], shape = [values.length]) => Tensor.from(values, shape, { dtype: "int32" });

test("slice follows Python's x[start:end:step]", async () => {
  const x = iota([10]);
  const py = async (start: number, end: number, step = 1) => [...(await read(sliceAxis(x, 0, start, end, step)))];
  assert.deepEqual(await py(2, 5), [2, 3, 4]);
  assert.deepEqual(await py(-3, Infinity), [7, 8, 9]);
  assert.deepEqual(await py(1, -1, 3), [1, 4, 7]);
  assert.deepEqual(await py(0, 100, 4), [0, 4, 8]);
  assert.deepEqual(await py(-100, 2), [0, 1]);
  assert.deepEqual(await py(6, 3), []);
  assert.deepEqual(sliceAxis(x, 0, 6, 3).shape, [0]);
  assert.equal(sliceAxis(x, 0, 0, 10), x, "a full slice is x itself");
  // Several axes at once: [3, 4] -> rows 1.., every other column.
  const m = iota([3, 4]);
  const s = slice(m, [1, 0], [3, 4], [0, 1], [1, 2]);
  assert.deepEqual(s.shape, [2, 2]);
  assert.deepEqual([...(await read(s))], [4, 6, 8, 10]);
  assert.deepEqual([...(await read(slice(m, [1], [2])))], [4, 5, 6, 7], "axes default to the leading ones");
  assert.throws(() => sliceAxis(x, 0, 5, 0, -1), (e) => isPgolfError(e, "ENGINE_SHAPE") && /steps must be positive/.test(e.message));
  assert.throws(() => sliceAxis(x, 1, 0, 1), (e) => isPgolfError(e, "ENGINE_SHAPE") && /axis 1 is out of range/.test(e.message));
});

test("pad adds constant borders and crops with negative amounts", async () => {
  const x = iota([2, 2]);
  const p = pad(x, [1, 0], [0, 2], -1);
  assert.deepEqual(p.shape, [3, 4]);
  assert.deepEqual([...(await read(p))], [-1, -1, -1, -1, 0, 1, -1, -1, 2, 3, -1, -1]);
  const c = pad(iota([3, 3]), [0, -1], [-1, 1]);
  assert.deepEqual(c.shape, [2, 3]);
  assert.deepEqual([...(await read(c))], [1, 2, 0, 4, 5, 0]);
  assert.deepEqual([...(await read(pad(iota([3]), [2], [0])))], [0, 0, 0, 1, 2], "shorter lists pad the last dims");
  assert.throws(() => pad(x, [0, -3], [0, 0]), (e) => isPgolfError(e, "ENGINE_SHAPE") && /cannot pad \[2, 2\]/.test(e.message));
});

test("concat and stack", async () => {
  const a = iota([2, 2]);
  const b = Tensor.from([10, 11, 12, 13, 14, 15], [2, 3], { dtype: "float64" });
  const c = concat([a, b], -1);
  assert.deepEqual(c.shape, [2, 5]);
  assert.deepEqual([...(await read(c))], [0, 1, 10, 11, 12, 2, 3, 13, 14, 15]);
  assert.deepEqual([...(await read(concat([a, a], 0)))], [0, 1, 2, 3, 0, 1, 2, 3]);
  const s = stack([a, a], 1);
  assert.deepEqual(s.shape, [2, 2, 2]);
  assert.deepEqual([...(await read(s))], [0, 1, 0, 1, 2, 3, 2, 3]);
  assert.deepEqual(stack([a, a, a], -1).shape, [2, 2, 3]);
  assert.throws(() => concat([a, b], 0), (e) => isPgolfError(e, "ENGINE_SHAPE") && /\[2, 2\] and \[2, 3\] differ outside axis 0/.test(e.message));
  assert.throws(() => stack([a, b]), (e) => isPgolfError(e, "ENGINE_SHAPE"));
});

test("embedding gathers rows; scatterAddRows sums them back, repeated ids adding up", async () => {
  const w = iota([4, 3]);
  const e = embedding(w, ids([2, 0, 2, 3], [2, 2]));
  assert.deepEqual(e.shape, [2, 2, 3]);
  assert.deepEqual([...(await read(e))], [6, 7, 8, 0, 1, 2, 6, 7, 8, 9, 10, 11]);
  const u = Tensor.from([1, 1, 2, 2, 3, 3], [3, 2], { dtype: "float64" });
  const r = scatterAddRows(u, ids([1, 3, 1]), 4);
  assert.deepEqual(r.shape, [4, 2]);
  assert.deepEqual([...(await read(r))], [0, 0, 4, 4, 0, 0, 2, 2]);
  assert.throws(() => embedding(w, Tensor.zeros([2])), (err) => isPgolfError(err, "ENGINE_DTYPE") && /ids are float32/.test(err.message));
  assert.throws(() => embedding(iota([4]), ids([0])), (err) => isPgolfError(err, "ENGINE_SHAPE"));
  assert.throws(() => scatterAddRows(u, ids([1, 3]), 4), (err) => isPgolfError(err, "ENGINE_SHAPE") && /updates \[3, 2\] must be ids \[2\]/.test(err.message));
  await rejectsWith(read(embedding(w, ids([1, 4]))), "ENGINE_SHAPE", (err) => assert.match(err.message, /id 4 .* outside \[0, 4\)/));
  await rejectsWith(read(embedding(w, ids([-1]))), "ENGINE_SHAPE");
});

test("gradients of movement ops match finite differences", async () => {
  const x = rand([3, 5, 4], 80);
  await gradcheck("slice step 1", (t) => slice(t, [1, 0], [3, 3], [0, 1]), [x]);
  await gradcheck("slice steps", (t) => slice(t, [0, 1, 1], [3, 5, 4], [0, 1, 2], [2, 3, 2]), [x]);
  await gradcheck("slice negative bounds", (t) => sliceAxis(t, -1, -3, -1), [x]);
  await gradcheck("slice last half", (t) => sliceAxis(t, -1, 2, 4), [x]);
  await gradcheck("pad", (t) => pad(t, [1, 0, 2], [0, 1, 1], 3), [x]);
  await gradcheck("pad with crop", (t) => pad(t, [-1, 2, 0], [1, -2, -3]), [x]);
  await gradcheck("concat", (a, b, c) => concat([a, b, c], 1), [rand([2, 1, 3], 81), rand([2, 3, 3], 82), rand([2, 2, 3], 83)]);
  await gradcheck("concat last", (a, b) => concat([a, b], -1), [rand([2, 3], 84), rand([2, 2], 85)]);
  await gradcheck("stack", (a, b) => stack([a, b], 1), [rand([2, 3], 86), rand([2, 3], 87)]);
  // Repeated ids: the weight gradient sums their rows' gradients.
  await gradcheck("embedding", (w, i) => embedding(w, i), [rand([5, 3], 88), ids([4, 0, 4, 2, 4, 1], [2, 3])]);
  await gradcheck("scatter_add_rows", (u, i) => scatterAddRows(u, i, 4), [rand([2, 3, 2], 89), ids([3, 0, 3, 1, 3, 3], [2, 3])]);
});
