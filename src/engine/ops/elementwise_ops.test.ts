// Elementwise unary and binary ops beyond the core ones: forward values on small known inputs,
// dtype and shape errors, the tie rules of maximum/minimum, and finite-difference gradient checks
// (float64, reference backend) over several shapes, with broadcasting for the binary ops.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { grad } from "../autograd.js";
import { read, realize } from "../realize.js";
import { Tensor } from "../tensor.js";
import {
  abs,
  addScalar,
  cast,
  divScalar,
  equal,
  erf,
  exp,
  gelu,
  greater,
  leakyRelu,
  less,
  log,
  maximum,
  minimum,
  mulScalar,
  powScalar,
  reciprocal,
  relu,
  rsqrt,
  rsubScalar,
  sigmoid,
  sign,
  sqrt,
  square,
  subScalar,
  sum,
  tanh,
  where,
} from "./index.js";

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const f64 = (values: number[], shape = [values.length]) => Tensor.from(values, shape, { dtype: "float64" });

test("unary ops: forward values on known inputs", async () => {
  const x = f64([-2, -0.5, 0, 0.5, 2]);
  const p = f64([0.25, 1, 4]);
  assert.deepEqual([...(await read(square(x)))], [4, 0.25, 0, 0.25, 4]);
  assert.deepEqual([...(await read(sqrt(p)))], [0.5, 1, 2]);
  assert.deepEqual([...(await read(rsqrt(p)))], [2, 1, 0.5]);
  assert.deepEqual([...(await read(reciprocal(p)))], [4, 1, 0.25]);
  assert.deepEqual([...(await read(abs(x)))], [2, 0.5, 0, 0.5, 2]);
  assert.deepEqual([...(await read(sign(x)))], [-1, -1, 0, 1, 1]);
  assert.deepEqual([...(await read(relu(x)))], [0, 0, 0, 0.5, 2]);
  assert.deepEqual([...(await read(leakyRelu(x, 0.1)))], [-0.2, -0.05, 0, 0.5, 2]);
  assertClose(await read(exp(f64([0, 1, -1]))), [1, Math.E, 1 / Math.E], 1e-15, "exp");
  assertClose(await read(log(f64([1, Math.E, 0.5]))), [0, 1, -Math.LN2], 1e-15, "log");
  assertClose(await read(tanh(x)), [-0.9640275800758169, -0.46211715726000974, 0, 0.46211715726000974, 0.9640275800758169], 1e-15, "tanh");
  assertClose(await read(sigmoid(f64([0, 800, -800, 2]))), [0.5, 1, 0, 0.8807970779778823], 1e-15, "sigmoid");
  assertClose(await read(powScalar(p, 1.5)), [0.125, 1, 8], 1e-15, "pow 1.5");
  assertClose(await read(powScalar(x, 3)), [-8, -0.125, 0, 0.125, 8], 1e-15, "pow 3");
  assert.ok(Number.isNaN((await read(powScalar(f64([-1]), 0.5)))[0]), "pow of a negative base with a fractional exponent is NaN");
  // Scalar helpers are add/sub/mul/div with a rank-0 constant of x's dtype.
  assert.deepEqual([...(await read(addScalar(p, 1)))], [1.25, 2, 5]);
  assert.deepEqual([...(await read(subScalar(p, 1)))], [-0.75, 0, 3]);
  assert.deepEqual([...(await read(rsubScalar(1, p)))], [0.75, 0, -3]);
  assert.deepEqual([...(await read(mulScalar(p, 2)))], [0.5, 2, 8]);
  assert.deepEqual([...(await read(divScalar(p, 4)))], [0.0625, 0.25, 1]);
});

test("erf and both GELU forms match known values", async () => {
  // erf as Python's math.erf gives it.
  const xs = [0, 0.1, 0.5, 1, 2, 3, -1.5, 5, 7];
  const want = [0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.9661051464753108, 0.9999999999984626, 1];
  assertClose(await read(erf(f64(xs))), want, 1e-15, "erf");
  const g = f64([-3, -1, -0.5, 0, 0.5, 1, 3]);
  // The formulas of torch's F.gelu(x) and F.gelu(x, approximate="tanh"), in Python float64 (math.erf).
  assertClose(await read(gelu(g)), [-0.00404969409489031, -0.15865525393145707, -0.15426876936299344, 0, 0.34573123063700656, 0.8413447460685429, 2.99595030590511], 1e-14, "gelu erf");
  assertClose(await read(gelu(g, "tanh")), [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227], 1e-14, "gelu tanh");
});

test("binary ops: maximum/minimum, comparisons, where and cast", async () => {
  const a = f64([1, 5, 3, 4], [2, 2]);
  const b = f64([2, 4]);
  assert.deepEqual([...(await read(maximum(a, b)))], [2, 5, 3, 4]);
  assert.deepEqual([...(await read(minimum(a, b)))], [1, 4, 2, 4]);
  const lt = less(a, b);
  assert.equal(lt.dtype, "bool");
  assert.deepEqual([...(await read(lt))], [1, 0, 0, 0]);
  assert.deepEqual([...(await read(greater(a, b)))], [0, 1, 1, 0]);
  assert.deepEqual([...(await read(equal(a, b)))], [0, 0, 0, 1]);
  // where broadcasts all three: cond [2, 1], a [2, 2], b scalar.
  const cond = Tensor.from([1, 0], [2, 1], { dtype: "bool" });
  assert.deepEqual([...(await read(where(cond, a, Tensor.scalar(-1, "float64"))))], [1, 5, -1, -1]);
  // cast: truncation toward zero, nonzero -> true, bool -> 0/1.
  const c = f64([-2.7, -0.5, 0, 0.5, 2.7]);
  assert.deepEqual([...(await read(cast(c, "int32")))], [-2, 0, 0, 0, 2]);
  assert.deepEqual([...(await read(cast(c, "bool")))], [1, 1, 0, 1, 1]);
  assert.deepEqual([...(await read(cast(cast(c, "bool"), "float32")))], [1, 1, 0, 1, 1]);
  assert.deepEqual([...(await read(cast(f64([1 / 3]), "float32")))], [Math.fround(1 / 3)]);
  // int32 works where it makes sense.
  const i = Tensor.from([3, -4], [2], { dtype: "int32" });
  assert.deepEqual([...(await read(maximum(i, Tensor.scalar(0, "int32"))))], [3, 0]);
  assert.deepEqual([...(await read(abs(i)))], [3, 4]);
});

test("dtype and shape errors name the problem", () => {
  const i = Tensor.zeros([2], "int32");
  const bool = Tensor.zeros([2], "bool");
  assert.throws(() => exp(i), (e) => isPgolfError(e, "ENGINE_DTYPE") && /exp needs a float tensor, got int32/.test(e.message));
  assert.throws(() => relu(bool), (e) => isPgolfError(e, "ENGINE_DTYPE") && /relu needs a numeric tensor, got bool/.test(e.message));
  assert.throws(() => less(Tensor.zeros([2]), i), (e) => isPgolfError(e, "ENGINE_DTYPE"));
  assert.throws(() => where(i, Tensor.zeros([2]), Tensor.zeros([2])), (e) => isPgolfError(e, "ENGINE_DTYPE") && /condition is int32/.test(e.message));
  assert.throws(() => where(bool, Tensor.zeros([2]), Tensor.zeros([3])), (e) => isPgolfError(e, "ENGINE_SHAPE") && /\[2\] and \[3\]/.test(e.message));
  assert.throws(() => maximum(Tensor.zeros([2, 3]), Tensor.zeros([4])), (e) => isPgolfError(e, "ENGINE_SHAPE") && /\[2, 3\] and \[4\]/.test(e.message));
});

test("maximum and minimum split the gradient equally on ties; relu and abs have gradient 0 at 0", async () => {
  const a = Tensor.from([1, 2, 3], [3], { dtype: "float64", requiresGrad: true });
  const b = Tensor.from([3, 2, 1], [3], { dtype: "float64", requiresGrad: true });
  for (const [name, f] of [
    ["maximum", maximum],
    ["minimum", minimum],
  ] as const) {
    const [ga, gb] = grad(sum(f(a, b)), [a, b]);
    await realize(ga, gb);
    const aWins = name === "maximum" ? [0, 0.5, 1] : [1, 0.5, 0];
    assert.deepEqual([...ga.data!], aWins, `${name}: gradient of a`);
    assert.deepEqual([...gb.data!], aWins.map((w) => 1 - w), `${name}: gradient of b`);
  }
  const x = Tensor.from([-1, 0, 1], [3], { dtype: "float64", requiresGrad: true });
  const [gr, gabs, glr] = [relu(x), abs(x), leakyRelu(x, 0.1)].map((y) => grad(sum(y), [x])[0]);
  await realize(gr, gabs, glr);
  assert.deepEqual([...gr.data!], [0, 0, 1]);
  assert.deepEqual([...gabs.data!], [-1, 0, 1]);
  assert.deepEqual([...glr.data!], [0.1, 0.1, 1]);
  // powScalar with exponent 0 has a zero gradient, also at 0 (no 0 * inf).
  const [gp] = grad(sum(powScalar(x, 0)), [x]);
  assert.deepEqual([...(await read(gp))], [0, 0, 0]);
  // cast between floats passes the gradient back in the input's dtype.
  const [gc] = grad(sum(cast(x, "float32")), [x]);
  assert.equal(gc.dtype, "float64");
  assert.deepEqual([...(await read(gc))], [1, 1, 1]);
});

test("gradients of unary ops match finite differences", async () => {
  const shapes = [[5], [2, 3], [2, 1, 3]];
  let seed = 20;
  for (const shape of shapes) {
    const x = rand(shape, seed++, { lo: -2, hi: 2 });
    const pos = rand(shape, seed++, { lo: 0.3, hi: 2 });
    const s = `[${shape}]`;
    await gradcheck(`square ${s}`, square, [x]);
    await gradcheck(`sqrt ${s}`, sqrt, [pos]);
    await gradcheck(`rsqrt ${s}`, rsqrt, [pos]);
    await gradcheck(`exp ${s}`, exp, [x]);
    await gradcheck(`log ${s}`, log, [pos]);
    await gradcheck(`tanh ${s}`, tanh, [x]);
    await gradcheck(`sigmoid ${s}`, sigmoid, [x]);
    await gradcheck(`relu ${s}`, relu, [x]);
    await gradcheck(`leaky_relu ${s}`, (t) => leakyRelu(t, 0.2), [x]);
    await gradcheck(`gelu ${s}`, (t) => gelu(t), [x]);
    await gradcheck(`gelu tanh ${s}`, (t) => gelu(t, "tanh"), [x]);
    await gradcheck(`erf ${s}`, erf, [x]);
    await gradcheck(`abs ${s}`, abs, [x]);
    await gradcheck(`reciprocal ${s}`, reciprocal, [pos]);
    await gradcheck(`pow 3 ${s}`, (t) => powScalar(t, 3), [x]);
    await gradcheck(`pow -1.5 ${s}`, (t) => powScalar(t, -1.5), [pos]);
    await gradcheck(`scalar helpers ${s}`, (t) => divScalar(rsubScalar(2, mulScalar(addScalar(t, 1), 3)), 5), [x]);
  }
});

test("gradients of binary ops with broadcasting match finite differences", async () => {
  const pairs: Array<[number[], number[]]> = [
    [[4], [4]],
    [[2, 3, 4], [3, 1]],
    [[2, 1, 3], [4, 1]],
    [[3], []],
  ];
  let seed = 40;
  for (const [sa, sb] of pairs) {
    const a = rand(sa, seed++);
    const b = rand(sb, seed++);
    const s = `[${sa}] . [${sb}]`;
    await gradcheck(`maximum ${s}`, maximum, [a, b]);
    await gradcheck(`minimum ${s}`, minimum, [a, b]);
    // where with a condition that broadcasts against both branches.
    const cond = greater(rand([...sa.slice(0, -1), 1], seed++), Tensor.scalar(0, "float64"));
    await realize(cond);
    await gradcheck(`where ${s}`, (c, x, y) => where(c, x, y), [cond, a, b]);
  }
});
