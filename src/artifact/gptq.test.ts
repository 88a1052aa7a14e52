// GPTQ against its definitions: the factor U of H^-1, round-to-nearest when H = I (bit for bit the
// reference exporter's rows), a smaller output error than round-to-nearest on correlated inputs
// (measured directly as |X W^T - X Ŵ^T|^2, the slow obvious form of the objective), dead inputs, and
// the exporter's switch (same format: an artifact with GPTQ loads like any other).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/random.js";
import { dequantizeMatrixRows, quantizeMatrixRows } from "../engine/row_quant.js";
import { Tensor } from "../engine/tensor.js";
import { gptqQuantizeRows, hessianError, inverseHessianFactor } from "./gptq.js";
import { dequantizeStateDict, quantizeStateDict } from "./quantize_int8.js";

const rng = new Rng(5);
const randn = () => Math.sqrt(-2 * Math.log(1 - rng.uniform(0, 1))) * Math.cos(2 * Math.PI * rng.uniform(0, 1));

/** n calibration rows of dim d with strongly correlated features (a low-rank mix plus noise). */
function inputs(n: number, d: number): Float64Array {
  const k = 4;
  const mix = Array.from({ length: k * d }, randn);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, randn);
    for (let j = 0; j < d; j++) {
      let s = 0.1 * randn();
      for (let t = 0; t < k; t++) s += z[t] * mix[t * d + j];
      x[i * d + j] = s;
    }
  }
  return x;
}

function gram(x: Float64Array, n: number, d: number): Float64Array {
  const h = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) h[a * d + b] += x[i * d + a] * x[i * d + b];
  return h;
}

/** |X W^T - X Ŵ^T|^2 summed over the calibration rows: the objective, computed the slow way. */
function outputError(x: Float64Array, n: number, w: Float32Array, what: Float32Array, rows: number, cols: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += x[i * cols + j] * (w[r * cols + j] - what[r * cols + j]);
      e += s * s;
    }
  }
  return e;
}

const weights = (rows: number, cols: number) => Float32Array.from({ length: rows * cols }, () => 0.05 * randn() + (rng.uniform(0, 1) < 0.002 ? 0.6 : 0));

test("inverseHessianFactor: U is upper triangular and U^T U = (H + damp I)^-1", () => {
  const d = 12;
  const h = gram(inputs(50, d), 50, d);
  const { u, dead } = inverseHessianFactor(h, d, 0.01);
  assert.ok(dead.every((x) => !x));
  let mean = 0;
  for (let j = 0; j < d; j++) mean += h[j * d + j] / d;
  // (U^T U) (H + damp mean I) = I
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (j < i) assert.equal(u[i * d + j], 0);
      let s = 0;
      for (let k = 0; k < d; k++) {
        let inv = 0;
        for (let t = 0; t < d; t++) inv += u[t * d + i] * u[t * d + k];
        s += inv * (h[k * d + j] + (k === j ? 0.01 * mean : 0));
      }
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-8, `(${i}, ${j}): ${s}`);
    }
  }
});

test("with H = I, GPTQ is the reference's round-to-nearest, bit for bit (scale floor and outliers included)", () => {
  for (const bits of [8, 6, 5]) {
    const rows = 9;
    const cols = 40;
    const w = weights(rows, cols);
    for (let j = 0; j < cols; j++) w[3 * cols + j] *= 0.01; // a row under the scale floor (clip < 1)
    const eye = new Float64Array(cols * cols);
    for (let j = 0; j < cols; j++) eye[j * cols + j] = 1;
    const g = gptqQuantizeRows(w, rows, cols, bits, eye);
    const r = quantizeMatrixRows(w, rows, cols, bits);
    assert.deepEqual(g.scale, r.scale);
    assert.deepEqual(g.q, r.q, `${bits} bits`);
  }
});

test("on correlated inputs GPTQ's output error is well under round-to-nearest's, and hessianError is that error", () => {
  const n = 400;
  const rows = 24;
  const cols = 32;
  const x = inputs(n, cols);
  const h = gram(x, n, cols);
  const w = weights(rows, cols);
  for (const bits of [6, 5, 4]) {
    const rtn = quantizeMatrixRows(w, rows, cols, bits);
    const g = gptqQuantizeRows(w, rows, cols, bits, h);
    assert.deepEqual(g.scale, rtn.scale, "the same scales: only the integers differ");
    const wr = dequantizeMatrixRows(rtn.q, rtn.scale, rows, cols);
    const wg = dequantizeMatrixRows(g.q, g.scale, rows, cols);
    const er = outputError(x, n, w, wr, rows, cols);
    const eg = outputError(x, n, w, wg, rows, cols);
    assert.ok(Math.abs(hessianError(w, wg, rows, cols, h) / eg - 1) < 1e-9);
    console.log(`${bits} bits: output error GPTQ ${eg.toExponential(3)} vs round-to-nearest ${er.toExponential(3)} (${(eg / er).toFixed(3)}x)`);
    assert.ok(eg < 0.7 * er, `${bits} bits: ${eg} against ${er}`);
  }
});

test("dead inputs (no calibration token reaches a column) quantize to 0 there, and the rest still works", () => {
  const n = 100;
  const rows = 6;
  const cols = 10;
  const x = inputs(n, cols);
  for (let i = 0; i < n; i++) x[i * cols + 4] = 0;
  const h = gram(x, n, cols);
  const g = gptqQuantizeRows(weights(rows, cols), rows, cols, 6, h);
  for (let r = 0; r < rows; r++) assert.equal(g.q[r * cols + 4], 0);
  assert.ok(g.q.some((v) => v !== 0));
});

test("the exporter's switch: Hessians by weight name select GPTQ, the artifact tensors restore as before", () => {
  const rows = 300;
  const cols = 256; // over the float threshold: quantized per row
  const n = 600;
  const x = inputs(n, cols);
  const w = weights(rows, cols);
  const named: Array<[string, Tensor]> = [["blocks.0.mlp.fc.weight", Tensor.from(w, [rows, cols])], ["other.weight", Tensor.from(weights(rows, cols), [rows, cols])]];
  const h = gram(x, n, cols);
  const plain = quantizeStateDict(named, { bits: 6 });
  const withH = quantizeStateDict(named, { bits: 6, hessians: new Map([["blocks.0.mlp.fc.weight", h]]) });
  assert.equal(plain.stats.numGptq, 0);
  assert.equal(withH.stats.numGptq, 1);
  const back = (q: ReturnType<typeof quantizeStateDict>) => dequantizeStateDict(q.tensors, q.meta);
  const a = back(plain);
  const b = back(withH);
  assert.deepEqual(b.get("other.weight")!.data, a.get("other.weight")!.data, "a weight without a Hessian is untouched");
  const er = outputError(x, n, w, a.get("blocks.0.mlp.fc.weight")!.data as Float32Array, rows, cols);
  const eg = outputError(x, n, w, b.get("blocks.0.mlp.fc.weight")!.data as Float32Array, rows, cols);
  assert.ok(eg < 0.7 * er, `${eg} against ${er}`);
});
