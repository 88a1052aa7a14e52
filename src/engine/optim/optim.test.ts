// Optimizers against plain-loop implementations of the reference formulas (float64), and the
// schedules against values worked out by hand from train_gpt.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rand } from "../../../test/support/engine.js";
import { Tensor } from "../tensor.js";
import { Adam } from "./adam.js";
import { clipGradNorm } from "./clip.js";
import { Muon } from "./muon.js";
import { applyUpdates } from "./optimizer.js";
import { lrMultiplier, muonMomentum } from "./schedule.js";
import { read } from "../realize.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("Adam and AdamW: three steps match the torch formulas", async () => {
  for (const wd of [0, 0.1]) {
    const p = rand([3, 4], 1);
    const expectP = Float64Array.from(p.data!);
    const m = new Float64Array(12);
    const v = new Float64Array(12);
    const opt = new Adam([{ params: [p], lr: 0.05, weightDecay: wd }], { betas: [0.9, 0.95], eps: 1e-8 });
    for (let t = 1; t <= 3; t++) {
      const g = rand([3, 4], 10 + t);
      await applyUpdates(opt.updates([g]));
      const bc1 = 1 - 0.9 ** t;
      const bc2 = 1 - 0.95 ** t;
      for (let i = 0; i < 12; i++) {
        const gi = g.data![i];
        m[i] = 0.9 * m[i] + 0.1 * gi;
        v[i] = 0.95 * v[i] + 0.05 * gi * gi;
        if (wd > 0) expectP[i] *= 1 - 0.05 * wd;
        expectP[i] -= (0.05 / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8));
      }
      close(p.data!, expectP, 1e-12, `adam wd=${wd} step ${t}`);
    }
  }
});

/** Plain-loop Newton-Schulz + Muon step, the reference formula. */
function muonReference(p: Float64Array, buf: Float64Array, g: Float64Array, rows: number, cols: number, lr: number, mom: number, wd = 0): void {
  for (let i = 0; i < g.length; i++) buf[i] = mom * buf[i] + g[i];
  const d = g.map((gi, i) => gi + mom * buf[i]);
  let norm = 0;
  for (const x of d) norm += x * x;
  norm = Math.sqrt(norm) + 1e-7;
  // X as r x c with r <= c
  const tr = rows > cols;
  const r = tr ? cols : rows;
  const c = tr ? rows : cols;
  let X = new Float64Array(r * c);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) X[tr ? j * c + i : i * c + j] = d[i * cols + j] / norm;
  const mm = (A: Float64Array, B: Float64Array, n: number, k: number, m: number) => {
    const o = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) { let s = 0; for (let q = 0; q < k; q++) s += A[i * k + q] * B[q * m + j]; o[i * m + j] = s; }
    return o;
  };
  const T = (A: Float64Array, n: number, m: number) => { const o = new Float64Array(n * m); for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) o[j * n + i] = A[i * m + j]; return o; };
  for (let s = 0; s < 5; s++) {
    const A = mm(X, T(X, r, c), r, c, r);
    const AA = mm(A, A, r, r, r);
    const B = A.map((a, i) => -4.775 * a + 2.0315 * AA[i]);
    const BX = mm(B, X, r, r, c);
    X = X.map((x, i) => 3.4445 * x + BX[i]);
  }
  const scale = Math.sqrt(Math.max(1, rows / cols));
  // decoupled weight decay first, with the same lr: p (1 - lr wd) - lr u
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) p[i * cols + j] = p[i * cols + j] * (1 - lr * wd) - lr * scale * X[tr ? j * c + i : i * c + j];
}

test("Muon: two Nesterov steps with Newton-Schulz match the reference formula, wide and tall", async () => {
  for (const [rows, cols] of [[4, 6], [6, 4]]) {
    const p = rand([rows, cols], 3);
    const expect = Float64Array.from(p.data!);
    const buf = new Float64Array(rows * cols);
    const opt = new Muon([p], { lr: 0.04, momentum: 0.9 });
    for (let t = 1; t <= 2; t++) {
      const g = rand([rows, cols], 20 + t);
      await applyUpdates(opt.updates([g]));
      muonReference(expect, buf, Float64Array.from(g.data!), rows, cols, 0.04, 0.9);
      close(p.data!, expect, 1e-10, `muon ${rows}x${cols} step ${t}`);
    }
  }
});

test("Muon with decoupled weight decay matches the reference formula; decay 0 is the reference step exactly", async () => {
  const [rows, cols] = [5, 7];
  const p = rand([rows, cols], 4);
  const q = rand([rows, cols], 4);
  const expect = Float64Array.from(p.data!);
  const buf = new Float64Array(rows * cols);
  const decayed = new Muon([p], { lr: 0.04, momentum: 0.9, weightDecay: 0.5 });
  const plain = new Muon([q], { lr: 0.04, momentum: 0.9, weightDecay: 0 });
  const reference = rand([rows, cols], 4);
  const refOpt = new Muon([reference], { lr: 0.04, momentum: 0.9 });
  for (let t = 1; t <= 3; t++) {
    const g = rand([rows, cols], 40 + t);
    await applyUpdates(decayed.updates([g]));
    await applyUpdates(plain.updates([g]));
    await applyUpdates(refOpt.updates([g]));
    muonReference(expect, buf, Float64Array.from(g.data!), rows, cols, 0.04, 0.9, 0.5);
    close(p.data!, expect, 1e-10, `muon wd step ${t}`);
  }
  assert.deepEqual([...q.data!], [...reference.data!], "weightDecay 0 builds the reference update");
  // the decay shrinks the weights relative to the same steps without it
  const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));
  assert.ok(norm(p.data!) < norm(q.data!));
  assert.throws(() => new Muon([rand([2, 2], 1)], { lr: 0.04, weightDecay: -1 }), /weight decay/);
});

test("gradient clipping by global norm", async () => {
  const a = Tensor.from([3, 0], [2], { dtype: "float64" });
  const b = Tensor.from([4], [1], { dtype: "float64" });
  const { grads, norm } = clipGradNorm([a, b], 1);
  assert.ok(Math.abs((await read(norm))[0] - 5) < 1e-12);
  close(await read(grads[0]), [3 / (5 + 1e-6), 0], 1e-12, "clipped a");
  const unclipped = clipGradNorm([a, b], 100);
  close(await read(unclipped.grads[1]), [4], 1e-12, "not clipped below the limit");
});

test("schedules: wallclock warmdown and Muon momentum warm-up as in train_gpt.py", () => {
  const o = { warmdownIters: 1200, iterations: 20000, maxWallclockMs: 600_000 };
  assert.equal(lrMultiplier(100, 10_000, o), 1); // 100 ms/step: warmdown = 120 s, 590 s left
  assert.ok(Math.abs(lrMultiplier(5400, 540_000, o) - 0.5) < 1e-12); // 60 s left of a 120 s warmdown
  assert.equal(lrMultiplier(6000, 600_000, o), 0);
  assert.equal(lrMultiplier(19000, 0, { ...o, maxWallclockMs: null }), 1 / 1.2);
  assert.equal(muonMomentum(0, { start: 0.85, end: 0.95, warmupSteps: 500 }), 0.85);
  assert.ok(Math.abs(muonMomentum(250, { start: 0.85, end: 0.95, warmupSteps: 500 }) - 0.9) < 1e-12);
  assert.equal(muonMomentum(800, { start: 0.85, end: 0.95, warmupSteps: 500 }), 0.95);
});
