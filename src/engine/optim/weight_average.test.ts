// EMA and SWA of the weights against their definitions, computed directly over the snapshots.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isPgolfError } from "../../core/error.js";
import { Tensor } from "../tensor.js";
import { WeightAverage } from "./weight_average.js";

/** Snapshot s of a 3-element parameter: a deterministic trajectory. */
const snap = (s: number) => [Math.sin(s), s / 10, (-1) ** s * 0.5];

test("EMA: a = w_0, then a = d a + (1 - d) w_s after each step; apply writes it into the parameters", () => {
  const p = Tensor.from(snap(0), [3]);
  const avg = new WeightAverage([p], { kind: "ema", decay: 0.9 });
  let want = snap(0);
  for (let s = 0; s < 30; s++) {
    p.assign(Float32Array.from(snap(s)));
    avg.fold();
    want = s === 0 ? snap(0) : want.map((a, j) => 0.9 * a + 0.1 * Math.fround(snap(s)[j]));
  }
  assert.equal(avg.count, 30);
  avg.apply();
  p.data!.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-6, `ema[${j}] ${v} vs ${want[j]}`));
});

test("SWA: the uniform mean of every `every`-th snapshot; nothing folded leaves the weights as they are", () => {
  const p = Tensor.from(snap(0), [3]);
  const none = new WeightAverage([p], { kind: "swa", every: 5 });
  none.apply();
  assert.deepEqual(Array.from(p.data!), Array.from(Float32Array.from(snap(0))));
  const avg = new WeightAverage([p], { kind: "swa", every: 4 });
  const taken: number[][] = [];
  for (let s = 1; s <= 22; s++) {
    p.assign(Float32Array.from(snap(s)));
    avg.fold();
    if (s % 4 === 0) taken.push(snap(s).map(Math.fround));
  }
  assert.equal(avg.count, taken.length);
  const mean = [0, 1, 2].map((j) => taken.reduce((a, t) => a + t[j], 0) / taken.length);
  avg.averaged()[0].forEach((v, j) => assert.ok(Math.abs(v - mean[j]) < 1e-6, `swa[${j}] ${v} vs ${mean[j]}`));
});

test("weight average options are checked", () => {
  const p = Tensor.from([1], [1]);
  assert.throws(() => new WeightAverage([p], { kind: "ema", decay: 1 }), (e) => isPgolfError(e, "CONFIG_INVALID"));
  assert.throws(() => new WeightAverage([p], { kind: "swa", every: 0 }), (e) => isPgolfError(e, "CONFIG_INVALID"));
  assert.throws(() => new WeightAverage([p], { kind: "mean" as "ema" }), (e) => isPgolfError(e, "CONFIG_INVALID"));
});
