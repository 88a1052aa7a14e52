// The ops of this folder (beyond the core ones) on the ort backend against the reference backend
// (the definition): forward values, and the gradient graphs their backward builds, on random inputs
// of several shapes, in float32 and float64, plus int32/bool paths and the composites (cross-entropy,
// rms_norm, rotary, attention) as the model uses them.
//
// Tolerances (|ort - ref| <= abs + rel * |ref|); the reference rounds a float64 result once:
//  - exact (0): ops that are one correctly rounded IEEE operation or a pure data movement: square,
//    sqrt, reciprocal, abs, sign, relu, maximum/minimum, comparisons, where, cast, max, slice, pad,
//    concat, stack, embedding.
//  - MATH, abs 1e-6 + rel 1e-6 (a few float32 ulps): exp, log, tanh, sigmoid, erf, rsqrt (Sqrt then
//    Reciprocal, two roundings), pow, leaky_relu (alpha is rounded to float32 before the multiply).
//    onnxruntime evaluates these with its own vectorized approximations; measured <= ~2 ulps.
//  - GELU, abs 1e-6 + rel 1e-5: several float32 operations in a row.
//  - REDUCE, abs 1e-6 + rel 1e-5: mean, softmax, log_softmax, scatterAddRows (sums in another order).
//  - GRAD, abs 1e-5 + rel 1e-4: gradient graphs and composites (several reductions compound).
//  - float64: 1e-12, except
//    - erf and exact GELU at abs 2e-7 + rel 1e-7 (float32 precision): onnxruntime's Erf kernel is
//      float32 only, and float64 graphs round-trip through it (see erf.ts; measured <= 7e-8);
//    - attention at abs 2e-7 + rel 1e-7: onnxruntime's MatMulScaleFusion folds the 1/sqrt(Dh) scale
//      (a Mul by a constant next to a MatMul) into FusedMatMul's float32 `alpha` attribute, so a
//      float64 graph computes with fround(1/sqrt(Dh)), a relative error of up to 6e-8 (measured
//      abs 9.4e-9). float32 graphs are unaffected (the scale is float32 already).
import { after, test } from "node:test";
import { compareWithReference, type Tolerance } from "../../../test/support/conformance.js";
import { rand } from "../../../test/support/engine.js";
import { grad } from "../autograd.js";
import { clearOrtSessions } from "../backends/ort.js";
import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import {
  abs,
  applyRotary,
  cast,
  causalAttention,
  concat,
  crossEntropy,
  embedding,
  equal,
  erf,
  exp,
  gelu,
  greater,
  leakyRelu,
  less,
  log,
  logSoftmax,
  max,
  maximum,
  mean,
  minimum,
  mul,
  pad,
  powScalar,
  reciprocal,
  relu,
  reshape,
  rmsNorm,
  rotaryTables,
  rsqrt,
  scatterAddRows,
  sigmoid,
  sign,
  slice,
  sliceAxis,
  softmax,
  sqrt,
  square,
  stack,
  sum,
  tanh,
  where,
} from "./index.js";

const EXACT = 0;
const MATH = { abs: 1e-6, rel: 1e-6 };
const GELU = { abs: 1e-6, rel: 1e-5 };
const REDUCE = { abs: 1e-6, rel: 1e-5 };
const GRAD = { abs: 1e-5, rel: 1e-4 };
const F64 = 1e-12;
const F64_ERF = { abs: 2e-7, rel: 1e-7 };
const F64_SCALED_MATMUL = { abs: 2e-7, rel: 1e-7 };

after(() => clearOrtSessions());

const ids = (values: number[], shape = [values.length]) => Tensor.from(values, shape, { dtype: "int32" });

/** y = f(xs) and the gradients of sum(y * w) (w fixed, random) with respect to the inputs that require them. */
function withGrads(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => {
    const y = f(...xs);
    const w = Tensor.constant(rand(y.shape, 4242, { dtype: y.dtype }).data!, y.shape, y.dtype);
    const wrt = xs.filter((x) => x.requiresGrad);
    return [y, ...grad(sum(mul(y, w)), wrt)];
  };
}

interface Case {
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: (dtype: DType, seed: number) => Tensor[];
  tol: number | Tolerance;
  f64?: number | Tolerance;
  /** Differentiable: also compare the gradient graph. */
  grads?: boolean;
}

const x = (shape: number[], lo = -3, hi = 3) => (dtype: DType, seed: number) => [rand(shape, seed, { dtype, lo, hi, requiresGrad: true })];
const xy = (sa: number[], sb: number[]) => (dtype: DType, seed: number) => [rand(sa, seed, { dtype, requiresGrad: true }), rand(sb, seed + 1, { dtype, requiresGrad: true })];

const unaryCases: Case[] = [];
for (const shape of [[7], [3, 33]]) {
  const s = `[${shape}]`;
  unaryCases.push(
    { name: `square ${s}`, f: square, inputs: x(shape), tol: EXACT, grads: true },
    { name: `sqrt ${s}`, f: sqrt, inputs: x(shape, 0.1, 4), tol: EXACT, grads: true },
    { name: `rsqrt ${s}`, f: rsqrt, inputs: x(shape, 0.1, 4), tol: MATH, grads: true },
    { name: `reciprocal ${s}`, f: reciprocal, inputs: x(shape, 0.1, 4), tol: EXACT, grads: true },
    { name: `exp ${s}`, f: exp, inputs: x(shape), tol: MATH, grads: true },
    { name: `log ${s}`, f: log, inputs: x(shape, 0.1, 4), tol: MATH, grads: true },
    { name: `tanh ${s}`, f: tanh, inputs: x(shape), tol: MATH, grads: true },
    { name: `sigmoid ${s}`, f: sigmoid, inputs: x(shape, -6, 6), tol: MATH, grads: true },
    { name: `erf ${s}`, f: erf, inputs: x(shape), tol: MATH, f64: F64_ERF, grads: true },
    { name: `gelu ${s}`, f: (t) => gelu(t), inputs: x(shape), tol: GELU, f64: F64_ERF, grads: true },
    { name: `gelu tanh ${s}`, f: (t) => gelu(t, "tanh"), inputs: x(shape), tol: GELU, grads: true },
    { name: `relu ${s}`, f: relu, inputs: x(shape), tol: EXACT, grads: true },
    { name: `leaky_relu ${s}`, f: (t) => leakyRelu(t, 0.1), inputs: x(shape), tol: MATH, grads: true },
    { name: `abs ${s}`, f: abs, inputs: x(shape), tol: EXACT, grads: true },
    { name: `sign ${s}`, f: sign, inputs: x(shape), tol: EXACT },
    { name: `pow 1.5 ${s}`, f: (t) => powScalar(t, 1.5), inputs: x(shape, 0.1, 4), tol: MATH, grads: true },
    { name: `pow 2 ${s}`, f: (t) => powScalar(t, 2), inputs: x(shape), tol: MATH, grads: true },
  );
}

const binaryCases: Case[] = [];
for (const [sa, sb] of [
  [[5], [5]],
  [[2, 3, 4], [3, 1]],
  [[4, 1, 3], [1, 5, 1]],
] as Array<[number[], number[]]>) {
  const s = `[${sa}] . [${sb}]`;
  binaryCases.push(
    { name: `maximum ${s}`, f: maximum, inputs: xy(sa, sb), tol: EXACT, grads: true },
    { name: `minimum ${s}`, f: minimum, inputs: xy(sa, sb), tol: EXACT, grads: true },
    { name: `less ${s}`, f: less, inputs: xy(sa, sb), tol: EXACT },
    { name: `greater ${s}`, f: greater, inputs: xy(sa, sb), tol: EXACT },
    { name: `where ${s}`, f: (a, b) => where(greater(a, Tensor.scalar(0, a.dtype)), a, b), inputs: xy(sa, sb), tol: EXACT, grads: true },
  );
}

const reduceCases: Case[] = [
  { name: "mean all [3,4,5]", f: (t) => mean(t), inputs: x([3, 4, 5]), tol: REDUCE, grads: true },
  { name: "mean [0,2] keepdims [3,4,5]", f: (t) => mean(t, [0, 2], true), inputs: x([3, 4, 5]), tol: REDUCE, grads: true },
  { name: "mean -1 [16,96]", f: (t) => mean(t, -1), inputs: x([16, 96]), tol: REDUCE, grads: true },
  { name: "max all [3,4,5]", f: (t) => max(t), inputs: x([3, 4, 5]), tol: EXACT, grads: true },
  { name: "max 1 [3,4,5]", f: (t) => max(t, 1), inputs: x([3, 4, 5]), tol: EXACT, grads: true },
  { name: "max -1 keepdims [16,96]", f: (t) => max(t, -1, true), inputs: x([16, 96]), tol: EXACT, grads: true },
  { name: "softmax -1 [4,33]", f: (t) => softmax(t), inputs: x([4, 33], -8, 8), tol: REDUCE, grads: true },
  { name: "softmax 1 [2,5,3]", f: (t) => softmax(t, 1), inputs: x([2, 5, 3]), tol: REDUCE, grads: true },
  { name: "log_softmax -1 [4,33]", f: (t) => logSoftmax(t), inputs: x([4, 33], -8, 8), tol: REDUCE, grads: true },
  { name: "log_softmax 0 [5,3]", f: (t) => logSoftmax(t, 0), inputs: x([5, 3]), tol: REDUCE, grads: true },
];

const movementCases: Case[] = [
  { name: "slice step 1 [4,6,5]", f: (t) => slice(t, [1, 0], [3, 4], [0, 1]), inputs: x([4, 6, 5]), tol: EXACT, grads: true },
  { name: "slice steps [4,6,5]", f: (t) => slice(t, [0, 1, -4], [4, 6, 5], [0, 1, 2], [3, 2, 2]), inputs: x([4, 6, 5]), tol: EXACT, grads: true },
  { name: "slice empty [4,6]", f: (t) => sliceAxis(t, 1, 4, 2), inputs: x([4, 6]), tol: EXACT },
  { name: "slice last half [2,3,8]", f: (t) => sliceAxis(t, -1, 4, 8), inputs: x([2, 3, 8]), tol: EXACT, grads: true },
  { name: "pad [3,4]", f: (t) => pad(t, [1, 2], [2, 0], 0.5), inputs: x([3, 4]), tol: EXACT, grads: true },
  { name: "pad with crop [3,4,5]", f: (t) => pad(t, [-1, 2, 0], [1, -2, -3]), inputs: x([3, 4, 5]), tol: EXACT, grads: true },
  { name: "concat axis 1", f: (a, b) => concat([a, b, a], 1), inputs: xy([2, 3, 4], [2, 1, 4]), tol: EXACT, grads: true },
  { name: "stack axis -1", f: (a, b) => stack([a, b], -1), inputs: xy([2, 3], [2, 3]), tol: EXACT, grads: true },
  {
    name: "embedding [6,5] ids [2,4]",
    f: embedding,
    inputs: (dtype, seed) => [rand([6, 5], seed, { dtype, requiresGrad: true }), ids([5, 0, 5, 2, 1, 5, 3, 0], [2, 4])],
    tol: EXACT,
    grads: true,
  },
  {
    name: "scatter_add_rows [2,4,5] -> [7,5]",
    f: (u, i) => scatterAddRows(u, i, 7),
    inputs: (dtype, seed) => [rand([2, 4, 5], seed, { dtype, requiresGrad: true }), ids([6, 0, 6, 2, 6, 6, 3, 0], [2, 4])],
    tol: REDUCE,
    grads: true,
  },
];

async function runCases(cases: Case[], seed0: number): Promise<void> {
  let seed = seed0;
  for (const c of cases) {
    for (const dtype of ["float32", "float64"] as const) {
      const inputs = c.inputs(dtype, seed++);
      const tol = dtype === "float64" ? (c.f64 ?? F64) : c.tol;
      await compareWithReference(`${c.name} ${dtype}`, c.f, inputs, { tol });
      if (c.grads) await compareWithReference(`${c.name} ${dtype} + grads`, withGrads(c.f), inputs, { tol: dtype === "float64" ? (c.f64 ?? F64) : GRAD });
    }
  }
}

test("elementwise unary ops and their gradients match the reference on ort", async () => {
  await runCases(unaryCases, 2000);
});

test("binary ops with broadcasting and their gradients match the reference on ort", async () => {
  await runCases(binaryCases, 2100);
});

test("reductions and softmax and their gradients match the reference on ort", async () => {
  await runCases(reduceCases, 2200);
});

test("movement ops and their gradients match the reference on ort", async () => {
  await runCases(movementCases, 2300);
});

test("int32 and bool paths match the reference exactly on ort", async () => {
  const a = ids([7, -7, 9, 100, -3, 5], [2, 3]);
  const b = ids([2, 9, -4]);
  await compareWithReference(
    "int32 maximum/minimum/abs/sign/relu/max/less/greater/equal",
    (p, q) => [maximum(p, q), minimum(p, q), abs(p), sign(p), relu(p), max(p, 1), less(p, q), greater(p, q), equal(p, q)],
    [a, b],
    { tol: EXACT },
  );
  const m = Tensor.from([1, 0, 0, 1, 1, 0], [2, 3], { dtype: "bool" });
  await compareWithReference(
    "bool where/equal/concat/slice/pad",
    (c, p, q) => [where(c, p, q), equal(c, Tensor.scalar(1, "bool")), concat([c, c], 0), sliceAxis(c, 1, 1, 3), pad(c, [1, 0], [0, 1])],
    [m, a, b],
    { tol: EXACT },
  );
  const f = rand([3, 4], 2400, { dtype: "float32", lo: -3, hi: 3 });
  await compareWithReference(
    "casts float32 <-> int32 / bool / float64",
    (t) => [cast(t, "int32"), cast(t, "bool"), cast(t, "float64"), cast(cast(t, "int32"), "float32"), cast(greater(t, Tensor.scalar(0)), "float32")],
    [f],
    { tol: EXACT },
  );
  await compareWithReference("embedding of int32 rows", (w, i) => embedding(w, i), [ids([1, 2, 3, 4, 5, 6], [3, 2]), ids([2, 2, 0])], { tol: EXACT });
});

test("composites (cross-entropy, rms_norm, rotary, attention) and their gradients match the reference on ort", async () => {
  const v = 64;
  const n = 32;
  for (const dtype of ["float32", "float64"] as const) {
    const tol = dtype === "float64" ? F64 : GRAD;
    const targets = ids(Array.from({ length: n }, (_, i) => (i * 37 + 5) % v));
    const logits = rand([n, v], 2500, { dtype, lo: -40, hi: 40, requiresGrad: true });
    await compareWithReference(`cross_entropy [${n},${v}] ${dtype} + grads`, withGrads((l, t) => crossEntropy(l, t)), [logits, targets], { tol });
    await compareWithReference(`cross_entropy softcap 30 ${dtype} + grads`, withGrads((l, t) => crossEntropy(l, t, { softcap: 30 })), [logits, targets], { tol });
    const h = rand([2, 8, 32], 2501, { dtype, lo: -2, hi: 2, requiresGrad: true });
    await compareWithReference(`rms_norm [2,8,32] ${dtype} + grads`, withGrads((t) => rmsNorm(t)), [h], { tol });
    await compareWithReference(`rms_norm weighted ${dtype} + grads`, withGrads((t, w) => rmsNorm(t, 1e-6, w)), [h, rand([32], 2502, { dtype, requiresGrad: true })], { tol });
    const [b, heads, kv, t, dh] = [2, 4, 2, 16, 8];
    const tabs = rotaryTables(t, dh, 10000, dtype);
    const q = rand([b, heads, t, dh], 2503, { dtype, requiresGrad: true });
    await compareWithReference(`rotary [2,4,16,8] ${dtype} + grads`, withGrads((z) => applyRotary(z, tabs.cos, tabs.sin)), [q], { tol });
    const k = rand([b, kv, t, dh], 2504, { dtype, requiresGrad: true });
    const vv = rand([b, kv, t, dh], 2505, { dtype, requiresGrad: true });
    const attTol = dtype === "float64" ? F64_SCALED_MATMUL : GRAD;
    const attention = (a: Tensor, b: Tensor, c: Tensor) => causalAttention(a, b, c);
    await compareWithReference(`causal attention gqa [2,4|2,16,8] ${dtype}`, attention, [q, k, vv], { tol: attTol });
    await compareWithReference(`causal attention gqa [2,4|2,16,8] ${dtype} + grads`, withGrads(attention), [q, k, vv], { tol: attTol });
    // The baseline's attention block core: rms_norm q and k, rotary, attention.
    await compareWithReference(
      `rms_norm + rotary + attention ${dtype} + grads`,
      withGrads((qq, kk, vvv) => {
        const rq = applyRotary(rmsNorm(qq), tabs.cos, tabs.sin);
        const rk = applyRotary(rmsNorm(kk), tabs.cos, tabs.sin);
        return reshape(causalAttention(rq, rk, vvv), [b, heads, t * dh]);
      }),
      [q, k, vv],
      { tol: attTol },
    );
  }
});
