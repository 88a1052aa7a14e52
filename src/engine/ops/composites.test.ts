// Composites built from ops: cross-entropy (with the baseline's tanh soft cap), rms_norm, rotary
// embedding and causal grouped-query attention. Forward values against direct loops and known
// identities, and finite-difference gradient checks (float64, reference backend).
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { read } from "../realize.js";
import { Tensor } from "../tensor.js";
import { applyRotary, causalAttention, causalMask, crossEntropy, machineEpsilon, matmul, rmsNorm, rotaryTables, transpose } from "./index.js";

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const ids = (values: number[], shape = [values.length]) => Tensor.from(values, shape, { dtype: "int32" });

/** mean_n -log softmax(z_n)[t_n], z = softcap * tanh(logits / softcap) when softcap is given: loops. */
function naiveCrossEntropy(logits: ArrayLike<number>, targets: number[], v: number, softcap?: number): number {
  let total = 0;
  targets.forEach((t, n) => {
    const z = Array.from({ length: v }, (_, j) => {
      const l = logits[n * v + j];
      return softcap ? softcap * Math.tanh(l / softcap) : l;
    });
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, a) => s + Math.exp(a - m), 0));
    total += lse - z[t];
  });
  return total / targets.length;
}

test("cross-entropy: ln V for uniform logits, matches a direct loop with and without softcap", async () => {
  const v = 7;
  const uniform = crossEntropy(Tensor.zeros([4, v], "float64"), ids([0, 3, 6, 2]));
  assert.deepEqual(uniform.shape, []);
  assertClose(await read(uniform), [Math.log(v)], 1e-15, "uniform");
  const logits = rand([5, v], 3, { lo: -40, hi: 40 });
  const t = [1, 6, 0, 3, 3];
  assertClose(await read(crossEntropy(logits, ids(t))), [naiveCrossEntropy(logits.data!, t, v)], 1e-13, "plain");
  assertClose(await read(crossEntropy(logits, ids(t), { softcap: 30 })), [naiveCrossEntropy(logits.data!, t, v, 30)], 1e-13, "softcap 30");
  // Leading dims flatten: [2, 3, V] with [2, 3] targets is the mean over all 6 positions.
  const l3 = rand([2, 3, v], 4);
  const t3 = [0, 1, 2, 3, 4, 5];
  assertClose(await read(crossEntropy(l3, ids(t3, [2, 3]))), [naiveCrossEntropy(l3.data!, t3, v)], 1e-14, "rank 3");
  assert.throws(() => crossEntropy(logits, ids([1, 2])), (e) => isPgolfError(e, "ENGINE_SHAPE") && /logits \[5, 7\] must be targets \[2\]/.test(e.message));
  assert.throws(() => crossEntropy(logits, Tensor.zeros([5])), (e) => isPgolfError(e, "ENGINE_DTYPE"));
});

test("rms_norm: unit RMS rows, torch's default eps, weight per channel", async () => {
  const x = rand([3, 6], 5, { lo: -4, hi: 4 });
  const y = await read(rmsNorm(x));
  for (let r = 0; r < 3; r++) {
    let ss = 0;
    for (let j = 0; j < 6; j++) ss += y[r * 6 + j] ** 2;
    assert.ok(Math.abs(Math.sqrt(ss / 6) - 1) < 1e-12, `row ${r} rms`);
  }
  // Against the formula, with eps and weight.
  const w = rand([6], 6);
  const got = await read(rmsNorm(x, 0.5, w));
  const want: number[] = [];
  for (let r = 0; r < 3; r++) {
    const row = Array.from(x.data!.subarray(r * 6, r * 6 + 6));
    const scale = 1 / Math.sqrt(row.reduce((s, a) => s + a * a, 0) / 6 + 0.5);
    row.forEach((a, j) => want.push(a * scale * w.data![j]));
  }
  assertClose(got, want, 1e-15, "rms_norm eps 0.5 weighted");
  assert.equal(machineEpsilon("float32"), 1.1920928955078125e-7);
  assert.throws(() => rmsNorm(x, undefined, rand([5], 7)), (e) => isPgolfError(e, "ENGINE_SHAPE"));
});

test("rotary: the baseline's tables and rotate-half layout, norm-preserving, relative positions", async () => {
  const { cos, sin } = rotaryTables(3, 4);
  assert.deepEqual(cos.shape, [3, 2]);
  // inv_freq = [1, 1/100] for head_dim 4, base 10000.
  assertClose(cos.data!, [1, 1, Math.cos(1), Math.cos(0.01), Math.cos(2), Math.cos(0.02)], 1e-7, "cos");
  assertClose(sin.data!, [0, 0, Math.sin(1), Math.sin(0.01), Math.sin(2), Math.sin(0.02)], 1e-7, "sin");
  // head_dim 2 at position 1: (x1, x2) -> (x1 cos 1 + x2 sin 1, x2 cos 1 - x1 sin 1).
  const t2 = rotaryTables(2, 2, 10000, "float64");
  const x = Tensor.from([5, 5, 3, 4], [1, 1, 2, 2], { dtype: "float64" });
  const c1 = t2.cos.data![1];
  const s1 = t2.sin.data![1];
  assertClose(await read(applyRotary(x, t2.cos, t2.sin)), [5, 5, 3 * c1 + 4 * s1, 4 * c1 - 3 * s1], 1e-15, "rotate half, dh 2");
  // Norms of every (x1[i], x2[i]) pair, hence of every head vector, are preserved (to the float32
  // rounding of the tables, which the baseline computes in float32: cos^2 + sin^2 = 1 +- 1e-7).
  const dh = 8;
  const tt = 5;
  const tabs = rotaryTables(tt, dh, 10000, "float64");
  const q = rand([2, 3, tt, dh], 8);
  const rq = await read(applyRotary(q, tabs.cos, tabs.sin));
  for (let v = 0; v < 2 * 3 * tt; v++) {
    const n0 = Math.hypot(...q.data!.subarray(v * dh, v * dh + dh));
    const n1 = Math.hypot(...rq.subarray(v * dh, v * dh + dh));
    assert.ok(Math.abs(n0 - n1) < 1e-6 * n0, `vector ${v}: norm ${n0} -> ${n1}`);
  }
  // Position 0 is untouched; q.k after rotation depends only on the position difference.
  assertClose(rq.subarray(0, dh), q.data!.subarray(0, dh), 0, "position 0");
  const one = rand([1, 1, 1, dh], 9).data!;
  const two = rand([1, 1, 1, dh], 10).data!;
  const rows = (a: ArrayLike<number>) => Tensor.from(Array.from({ length: tt }, () => Array.from(a)).flat(), [1, 1, tt, dh], { dtype: "float64" });
  const dots = await read(matmul(applyRotary(rows(one), tabs.cos, tabs.sin), transpose(applyRotary(rows(two), tabs.cos, tabs.sin))));
  for (let i = 1; i < tt; i++) for (let j = 1; j < tt; j++) assert.ok(Math.abs(dots[i * tt + j] - dots[(i - 1) * tt + (j - 1)]) < 1e-6, `dot at (${i}, ${j})`);
  assert.throws(() => rotaryTables(4, 3), (e) => isPgolfError(e, "ENGINE_SHAPE") && /must be even/.test(e.message));
  assert.throws(() => applyRotary(q, rotaryTables(tt, 4).cos, rotaryTables(tt, 4).sin), (e) => isPgolfError(e, "ENGINE_SHAPE"));
});

/** Causal GQA attention by loops: query head h reads KV head floor(h / (H / Hkv)). */
function naiveAttention(q: Tensor, k: Tensor, v: Tensor): number[] {
  const [b, h, t, dh] = q.shape;
  const hkv = k.shape[1];
  const out = new Array<number>(q.size).fill(0);
  const at = (x: Tensor, bi: number, hi: number, ti: number, di: number) => x.data![((bi * x.shape[1] + hi) * t + ti) * dh + di];
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const kh = Math.floor(hi / (h / hkv));
      for (let i = 0; i < t; i++) {
        const s = Array.from({ length: i + 1 }, (_, j) => {
          let d = 0;
          for (let c = 0; c < dh; c++) d += at(q, bi, hi, i, c) * at(k, bi, kh, j, c);
          return d / Math.sqrt(dh);
        });
        const m = Math.max(...s);
        const e = s.map((a) => Math.exp(a - m));
        const z = e.reduce((p, a) => p + a, 0);
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += (e[j] / z) * at(v, bi, kh, j, c);
          out[((bi * h + hi) * t + i) * dh + c] = acc;
        }
      }
    }
  }
  return out;
}

test("causal attention with grouped KV heads matches a direct loop; position 0 returns v[0] of its group", async () => {
  const [b, h, hkv, t, dh] = [2, 4, 2, 5, 3];
  const q = rand([b, h, t, dh], 11);
  const k = rand([b, hkv, t, dh], 12);
  const v = rand([b, hkv, t, dh], 13);
  assert.deepEqual([...(await read(causalMask(3)))], [1, 0, 0, 1, 1, 0, 1, 1, 1]);
  const y = await read(causalAttention(q, k, v));
  assertClose(y, naiveAttention(q, k, v), 1e-14, "gqa attention");
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const kh = Math.floor(hi / (h / hkv));
      const got = y.subarray(((bi * h + hi) * t) * dh, ((bi * h + hi) * t) * dh + dh);
      const want = v.data!.subarray(((bi * hkv + kh) * t) * dh, ((bi * hkv + kh) * t) * dh + dh);
      assertClose(got, want, 1e-15, `b ${bi} head ${hi} position 0`);
    }
  }
  // Plain multi-head (Hkv = H) and multi-query (Hkv = 1) are the same code.
  const k4 = rand([1, 4, t, dh], 14);
  const q1 = rand([1, 4, t, dh], 15);
  assertClose(await read(causalAttention(q1, k4, k4)), naiveAttention(q1, k4, k4), 1e-14, "mha");
  const k1 = rand([1, 1, t, dh], 16);
  assertClose(await read(causalAttention(q1, k1, k1)), naiveAttention(q1, k1, k1), 1e-14, "mqa");
  assert.throws(() => causalAttention(q, rand([b, 3, t, dh], 17), rand([b, 3, t, dh], 18)), (e) => isPgolfError(e, "ENGINE_SHAPE") && /multiple of Hkv/.test(e.message));
});

test("gradients of composites match finite differences", async () => {
  const v = 6;
  await gradcheck("cross_entropy", (l, t) => crossEntropy(l, t), [rand([4, v], 30, { lo: -3, hi: 3 }), ids([0, 5, 2, 2])]);
  await gradcheck("cross_entropy softcap", (l, t) => crossEntropy(l, t, { softcap: 2 }), [rand([4, v], 31, { lo: -3, hi: 3 }), ids([1, 1, 4, 0])]);
  await gradcheck("cross_entropy rank 3", (l, t) => crossEntropy(l, t), [rand([2, 2, v], 32), ids([3, 1, 0, 5], [2, 2])]);
  await gradcheck("rms_norm", (x) => rmsNorm(x), [rand([3, 5], 33)]);
  await gradcheck("rms_norm weighted", (x, w) => rmsNorm(x, 1e-5, w), [rand([2, 2, 4], 34), rand([4], 35)]);
  const tabs = rotaryTables(3, 4, 10000, "float64");
  await gradcheck("rotary", (x) => applyRotary(x, tabs.cos, tabs.sin), [rand([1, 2, 3, 4], 36)]);
  await gradcheck("attention gqa", (q, k, v) => causalAttention(q, k, v), [rand([1, 4, 3, 2], 37), rand([1, 2, 3, 2], 38), rand([1, 2, 3, 2], 39)]);
  await gradcheck("attention mha b2", (q, k, v) => causalAttention(q, k, v), [rand([2, 2, 3, 2], 40), rand([2, 2, 3, 2], 41), rand([2, 2, 3, 2], 42)]);
});
