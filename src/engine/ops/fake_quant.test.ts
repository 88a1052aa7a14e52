// fake_quant: the reference kernel against hand-computed values and against the exporter's own
// quantize-then-dequantize, the ort lowering against the reference (bit for bit), and the
// straight-through backward. (That a GPT forward through fake_quant equals the exported-and-imported
// model's is src/artifact/qat_export.test.ts.)
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { compareWithReference } from "../../../test/support/conformance.js";
import { rand } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { grad } from "../autograd.js";
import { clearOrtSessions } from "../backends/ort.js";
import { fromFloat16, toFloat16 } from "../half.js";
import { read } from "../realize.js";
import { dequantizeMatrixRows, quantizeMatrixRows, quantileSorted, INT8_CLIP_Q } from "../row_quant.js";
import { Tensor } from "../tensor.js";
import { fakeQuant, mul, sum } from "./index.js";

after(() => clearOrtSessions());

const f32 = (rows: number[][]) => Tensor.from(rows.flat(), [rows.length, rows[0].length], { dtype: "float32" });

test("fake_quant by hand: the clip, the 1/qmax floor on the scale, the fp16 scale, half-to-even", async () => {
  // 6 bits (qmax 31). Row 0: the two largest |x| tie, so clip = 4; scale = fl32(4/31), stored as
  // fp16 1057/8192; q = [31, -31, round(7.75) = 8, round(2.325) = 2].
  // Row 1: every |x| < 1, so the scale is the floor fl32(1/31), stored 1057/32768; q = round(31 x).
  const y = await read(fakeQuant(f32([[4, -4, 1, 0.3], [0.01, -0.02, 0.05, 0.05]]), 6));
  assert.deepEqual([...y], [32767 / 8192, -32767 / 8192, 8456 / 8192, 2114 / 8192, 0, -1057 / 32768, 2114 / 32768, 2114 / 32768]);
  // 3 bits (qmax 3), clip 3, scale 1: ties round to even (0.5 -> 0, 1.5 -> 2, -2.5 -> -2), as torch.round.
  assert.deepEqual([...(await read(fakeQuant(f32([[3, 3, 0.5, 1.5, -2.5]]), 3)))], [3, 3, 0, 2, -2]);
  // An outlier above the 99.99984th percentile is clipped: clip = 10 - 20 * 2^-22 * 9 (a bit under 10).
  const row = [10, 1, 1, 1];
  const clip = quantileSorted(Float32Array.of(1, 1, 1, 10), INT8_CLIP_Q);
  assert.equal(clip, Math.fround(10 - 180 * 2 ** -22));
  const s = fromFloat16(toFloat16(Float32Array.of(Math.fround(clip / 127))))[0];
  const got = await read(fakeQuant(f32([row]), 8));
  assert.equal(got[0], Math.fround(127 * s));
  assert.equal(got[1], Math.fround(Math.round(1 / Math.fround(clip / 127)) * s));
  // A zero row stays zero.
  assert.deepEqual([...(await read(fakeQuant(f32([[0, 0, 0]]), 5)))], [0, 0, 0]);
});

test("fake_quant is the exporter's quantize-then-dequantize, bit for bit, at every bit width", async () => {
  for (let bits = 2; bits <= 8; bits++) {
    const x = rand([6, 40], 10 + bits, { dtype: "float32", lo: -0.3, hi: 0.3 });
    const xs = x.data as Float32Array;
    const r = quantizeMatrixRows(xs, 6, 40, bits);
    assert.deepEqual(await read(fakeQuant(x, bits)), dequantizeMatrixRows(r.q, r.scale, 6, 40), `bits ${bits}`);
  }
});

test("fake_quant checks its input: a float matrix and 2..8 bits", () => {
  assert.throws(() => fakeQuant(Tensor.from([1, 2, 3], [3]), 6), (e) => isPgolfError(e, "ENGINE_SHAPE"));
  assert.throws(() => fakeQuant(Tensor.from([1, 2], [1, 2], { dtype: "int32" }), 6), (e) => isPgolfError(e, "ENGINE_DTYPE"));
  for (const bits of [1, 9, 6.5]) assert.throws(() => fakeQuant(Tensor.from([1, 2], [1, 2]), bits), (e) => isPgolfError(e, "ENGINE_DTYPE"));
});

test("fake_quant's backward is the straight-through estimator: the gradient passes unchanged", async () => {
  for (const dtype of ["float32", "float64"] as const) {
    const x = rand([3, 9], 5, { dtype, lo: -2, hi: 2, requiresGrad: true });
    const w = rand([3, 9], 6, { dtype });
    const [g] = grad(sum(mul(fakeQuant(x, 5), w)), [x]);
    assert.deepEqual(await read(g), w.data, dtype);
  }
});

test("fake_quant on ort equals the reference bit for bit (float32 and float64, 2..8 bits, ties, zero rows, 1 and 2 columns)", async () => {
  const cases: Array<[string, Tensor]> = [
    ["[5, 256] weights", rand([5, 256], 1, { dtype: "float32", lo: -0.1, hi: 0.1 })],
    ["[4, 33] above 1", rand([4, 33], 2, { dtype: "float32", lo: -3, hi: 3 })],
    ["[3, 7] float64", rand([3, 7], 3, { dtype: "float64", lo: -2, hi: 2 })],
    ["[3, 4] ties and zeros", f32([[4, -4, 1, 0.3], [0, 0, 0, 0], [3, 3, 0.5, -2.5]])],
    ["[3, 1]", f32([[2], [-0.5], [0]])],
    ["[2, 2]", f32([[2, -1], [0.25, 0.125]])],
  ];
  for (const [name, x] of cases) {
    for (const bits of [2, 4, 5, 6, 8]) {
      x.requiresGrad = true;
      await compareWithReference(`fake_quant ${bits} bits ${name}`, (t) => [fakeQuant(t, bits), ...grad(sum(mul(fakeQuant(t, bits), t)), [t])], [x], { tol: 0, quiet: bits !== 6 });
    }
  }
});
