// The ort backend against the reference backend (the definition): every op on fresh random inputs
// of several shapes, a whole training step compiled into one session, the session cache, bit-exact
// determinism, constants baked vs leaves fed, float64 graphs, and the ONNX the builder writes.
//
// Tolerances (|ort - ref| <= abs + rel * |ref|), float32 inputs uniform in [-1, 1):
//  - elementwise ops, movement ops (reshape, expand, transpose) and integer ops: exact (0). One IEEE
//    operation per element rounds the same on both sides; the reference rounds a float64 result of
//    float32 operands, which gives the same float32 for + - * /.
//  - matmul: abs 2e-5 + rel 1e-5. ort accumulates in float32 (blocked), the reference in float64
//    rounded once; over K <= 96 products of magnitude <= 1 the float32 error stays a few ulps of the
//    partial sums (measured maxdiffs are printed: <= ~6e-6).
//  - sum: abs 1e-4 + rel 1e-5. The reference kernel accumulates sequentially in float32, so its own
//    error grows with the number of terms (~K ulps of the running sum); ort sums in another order.
//    Measured over 300 terms: ~1.1e-5.
//  - the composed MLP step: abs 1e-4 + rel 1e-4 (errors of several matmuls compound).
//  - float64 graphs: abs 1e-12 + rel 1e-12.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { compareWithReference } from "../../../test/support/conformance.js";
import { rand, withBackend } from "../../../test/support/engine.js";
import { isPgolfError } from "../../core/error.js";
import { grad } from "../autograd.js";
import { getBackend, setThreads } from "../backend.js";
import { collect } from "../graph.js";
import { buildModel, graphKey } from "../onnx/graph_builder.js";
import { decodeModel } from "../onnx/onnx_proto.js";
import { apply, type OpDef } from "../op.js";
import { add, div, expand, matmul, mul, neg, reshape, sub, sum, transpose } from "../ops/index.js";
import { read, realize } from "../realize.js";
import { Tensor } from "../tensor.js";
import { clearOrtSessions, ortStats, setOrtCacheSize } from "./ort.js";

const EXACT = 0;
const MATMUL = { abs: 2e-5, rel: 1e-5 };
const SUM = { abs: 1e-4, rel: 1e-5 };
const STEP = { abs: 1e-4, rel: 1e-4 };
const F64 = 1e-12;

const f32 = (shape: number[], seed: number, opts: { lo?: number; hi?: number; requiresGrad?: boolean } = {}) => rand(shape, seed, { ...opts, dtype: "float32" });

after(() => clearOrtSessions());

test("elementwise ops with broadcasting match the reference exactly", async () => {
  const pairs: Array<[number[], number[]]> = [
    [[5], [5]],
    [[2, 3, 4], [4]],
    [[2, 3, 4], [3, 1]],
    [[4, 1, 3], [1, 5, 1]], // both sides stretch
    [[], [3, 2]], // scalar
  ];
  let seed = 100;
  for (const [sa, sb] of pairs) {
    const a = f32(sa, seed++);
    const b = f32(sb, seed++);
    const shapes = `[${sa}] . [${sb}]`;
    await compareWithReference(`add ${shapes}`, add, [a, b], { tol: EXACT });
    await compareWithReference(`sub ${shapes}`, sub, [a, b], { tol: EXACT });
    await compareWithReference(`mul ${shapes}`, mul, [a, b], { tol: EXACT });
    await compareWithReference(`div ${shapes}`, div, [a, f32(sb, seed++, { lo: 0.5, hi: 2 })], { tol: EXACT });
  }
  await compareWithReference("neg [7]", neg, [f32([7], seed++)], { tol: EXACT });
  await compareWithReference("neg [2,3,4]", neg, [f32([2, 3, 4], seed++)], { tol: EXACT });
});

test("movement ops (reshape, expand, transpose) match the reference exactly", async () => {
  const x = f32([2, 3, 4], 200);
  await compareWithReference("reshape [2,3,4]->[4,6]", (t) => reshape(t, [4, 6]), [x], { tol: EXACT });
  await compareWithReference("reshape [2,3,4]->[-1]", (t) => reshape(t, [-1]), [x], { tol: EXACT });
  await compareWithReference("reshape [24]->[2,3,4]", (t) => reshape(t, [2, 3, 4]), [f32([24], 201)], { tol: EXACT });
  await compareWithReference("expand [3,1]->[2,3,4]", (t) => expand(t, [2, 3, 4]), [f32([3, 1], 202)], { tol: EXACT });
  await compareWithReference("expand [1]->[5]", (t) => expand(t, [5]), [f32([1], 203)], { tol: EXACT });
  await compareWithReference("expand [4]->[3,4]", (t) => expand(t, [3, 4]), [f32([4], 204)], { tol: EXACT });
  await compareWithReference("transpose [3,4]", (t) => transpose(t), [f32([3, 4], 205)], { tol: EXACT });
  await compareWithReference("transpose [2,3,4] perm [2,0,1]", (t) => transpose(t, [2, 0, 1]), [x], { tol: EXACT });
  await compareWithReference("transpose [2,3,4,5] perm [0,2,1,3]", (t) => transpose(t, [0, 2, 1, 3]), [f32([2, 3, 4, 5], 206)], { tol: EXACT });
  await compareWithReference("transpose [2,3,4,5] last two", (t) => transpose(t), [f32([2, 3, 4, 5], 207)], { tol: EXACT });
});

test("sum over axes matches the reference", async () => {
  const x = f32([2, 3, 4], 300);
  await compareWithReference("sum all [2,3,4]", (t) => sum(t), [x], { tol: SUM });
  await compareWithReference("sum [0,2] of [2,3,4]", (t) => sum(t, [0, 2]), [x], { tol: SUM });
  await compareWithReference("sum -1 keepdims of [2,3,4]", (t) => sum(t, -1, true), [x], { tol: SUM });
  await compareWithReference("sum 1 of [2,3,4]", (t) => sum(t, 1), [x], { tol: SUM });
  await compareWithReference("sum 1 of [64,300]", (t) => sum(t, 1), [f32([64, 300], 301)], { tol: SUM });
  await compareWithReference("sum 0 of [300,64]", (t) => sum(t, 0), [f32([300, 64], 302)], { tol: SUM });
});

test("matmul, batched with broadcast batch dims and transposed operands, matches the reference", async () => {
  await compareWithReference("matmul [3,4]@[4,2]", matmul, [f32([3, 4], 400), f32([4, 2], 401)], { tol: MATMUL });
  await compareWithReference("matmul [64,96]@[96,80]", matmul, [f32([64, 96], 402), f32([96, 80], 403)], { tol: MATMUL });
  await compareWithReference("matmul [2,3,4]@[4,5]", matmul, [f32([2, 3, 4], 404), f32([4, 5], 405)], { tol: MATMUL });
  await compareWithReference("matmul [2,1,3,4]@[3,4,2]", matmul, [f32([2, 1, 3, 4], 406), f32([3, 4, 2], 407)], { tol: MATMUL });
  await compareWithReference("matmul [5,8]@[2,3,8,6]", matmul, [f32([5, 8], 408), f32([2, 3, 8, 6], 409)], { tol: MATMUL });
  await compareWithReference("matmul [4,16,32]@[4,32,8]", matmul, [f32([4, 16, 32], 410), f32([4, 32, 8], 411)], { tol: MATMUL });
  await compareWithReference("matmul A^T@B", (a, b) => matmul(transpose(a), b), [f32([40, 24], 412), f32([40, 16], 413)], { tol: MATMUL });
  await compareWithReference("matmul A@B^T batched", (a, b) => matmul(a, transpose(b)), [f32([3, 10, 24], 414), f32([3, 12, 24], 415)], { tol: MATMUL });
});

test("int32 and bool tensors run on ort and match the reference exactly", async () => {
  const ints = (shape: number[], vals: number[]) => Tensor.from(vals, shape, { dtype: "int32" });
  const a = ints([2, 3], [7, -7, 9, 100, -3, 5]);
  const b = ints([3], [2, 3, -4]);
  await compareWithReference("int32 add/sub/mul/div(trunc)/sum", (p, q) => [add(p, q), sub(p, q), mul(p, q), div(p, q), sum(p, 1)], [a, b], { tol: EXACT });
  const m = Tensor.from([1, 0, 0, 1, 1, 0], [2, 3], { dtype: "bool" });
  await compareWithReference("bool transpose/reshape/expand", (t) => [transpose(t), reshape(t, [3, 2]), expand(reshape(t, [2, 1, 3]), [2, 4, 3])], [m], { tol: EXACT });
});

/** A 2-layer MLP (square activation), its MSE loss, gradients and an SGD update with a fed learning rate. */
function mlpStep(x: Tensor, target: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, lr: Tensor): Tensor[] {
  const h = add(matmul(x, w1), b1);
  const y = add(matmul(mul(h, h), w2), b2);
  const d = sub(y, target);
  const loss = div(sum(mul(d, d)), Tensor.scalar(x.shape[0], x.dtype));
  const params = [w1, b1, w2, b2];
  const grads = grad(loss, params);
  const updated = params.map((p, i) => sub(p, mul(lr, grads[i])));
  return [loss, ...grads, ...updated];
}

function mlpInputs(seed: number, dtype: "float32" | "float64" = "float32", lrValue = 0.05): Tensor[] {
  const r = (shape: number[], s: number, requiresGrad = false) => rand(shape, seed + s, { dtype, requiresGrad, lo: -0.5, hi: 0.5 });
  return [r([16, 32], 0), r([16, 10], 1), r([32, 64], 2, true), r([64], 3, true), r([64, 10], 4, true), r([10], 5, true), Tensor.from([lrValue], [], { dtype })];
}

test("an MLP training step (forward, backward, update) is one session and matches the reference", async () => {
  const before = ortStats();
  await compareWithReference("mlp step", mlpStep, mlpInputs(500), { tol: STEP });
  const mid = ortStats();
  assert.equal(mid.compiled - before.compiled, 1, "the whole step compiles into one session");
  assert.equal(mid.runs - before.runs, 1, "the whole step is one session run");

  // The next step is built the same way from new values (new batch, updated weights, new learning
  // rate): it hits the cache and compiles nothing, and the fed values are the ones used.
  await compareWithReference("mlp step 2 (cached session)", mlpStep, mlpInputs(600, "float32", 0.02), { tol: STEP });
  const end = ortStats();
  assert.equal(end.compiled - mid.compiled, 0, "a rebuilt identical step compiles nothing");
  assert.equal(end.cacheHits - mid.cacheHits, 1);
  assert.equal(end.runs - mid.runs, 1);
});

test("the structural key ignores fed values and tensor ids, and sees constants, shapes and wiring", () => {
  const key = (inputs: Tensor[]) => graphKey(collect(mlpStep(...(inputs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]))));
  const k1 = key(mlpInputs(1));
  assert.equal(key(mlpInputs(2, "float32", 0.7)), k1, "new leaf values, same structure");
  assert.notEqual(key(mlpInputs(1, "float64")), k1, "dtype is part of the key");
  const x = f32([4, 3], 1);
  const y = f32([4, 3], 2);
  const k = (g: Tensor[]) => graphKey(collect(g));
  assert.equal(k([sub(x, y)]), k([sub(y, x)]), "leaves are numbered by first use: in0 - in1 both times");
  assert.notEqual(k([add(mul(x, y), x)]), k([add(mul(x, y), y)]), "wiring is part of the key");
  assert.notEqual(k([mul(x, Tensor.scalar(2))]), k([mul(x, Tensor.scalar(3))]), "constant values are part of the key");
  assert.equal(k([mul(x, Tensor.scalar(2))]), k([mul(y, Tensor.scalar(2))]));
  assert.notEqual(k([mul(x, Tensor.scalar(2))]), k([mul(x, Tensor.from([2], []))]), "a fed leaf is not a constant");
  assert.notEqual(k([sum(x, 0)]), k([sum(x, 1)]), "attributes are part of the key");
  assert.notEqual(k([add(x, y)]), k([add(x, y), x]), "outputs are part of the key");
});

test("constants are baked in (a new value compiles anew), learning-rate-like leaves are fed (no compile)", async () => {
  const x = f32([8, 8], 700);
  const scaleBy = async (s: Tensor) => {
    const before = ortStats().compiled;
    const out = await withBackend("ort", () => read(mul(x, s)));
    return { out, compiled: ortStats().compiled - before };
  };
  const c1 = await scaleBy(Tensor.scalar(0.5));
  const c2 = await scaleBy(Tensor.scalar(0.25));
  assert.equal(c2.compiled, 1, "a different constant is a different graph");
  assert.equal(c2.out[3], x.data![3] * 0.25);
  const c3 = await scaleBy(Tensor.scalar(0.5));
  assert.equal(c3.compiled, 0, "the same constant again reuses the session");
  assert.deepEqual(c3.out, c1.out);

  const l1 = await scaleBy(Tensor.from([0.5], []));
  const l2 = await scaleBy(Tensor.from([0.125], []));
  assert.equal(l2.compiled, 0, "a new value of a fed leaf reuses the session");
  assert.equal(l2.out[3], Math.fround(x.data![3] * 0.125));
  assert.deepEqual(l1.out, c1.out);

  // In the ONNX: the constant is an initializer, the leaf a graph input.
  const m = decodeModel(buildModel(collect([mul(x, Tensor.scalar(0.5))])).bytes);
  assert.deepEqual(m.graph.input.map((i) => i.name), ["in0"]);
  assert.equal(m.graph.initializer.length, 1);
  assert.deepEqual([...new Float32Array(new Uint8Array(m.graph.initializer[0].raw_data).buffer)], [0.5]);
  const m2 = decodeModel(buildModel(collect([mul(x, Tensor.from([0.5], []))])).bytes);
  assert.deepEqual(m2.graph.input.map((i) => i.name), ["in0", "in1"]);
  assert.equal(m2.graph.initializer.length, 0);
});

test("the builder shares int64 and scalar constants and writes opset 18", () => {
  const x = f32([2, 3, 4], 800);
  const emitScalars: OpDef = {
    name: "twice_half",
    infer: ([t]) => ({ shape: t.shape, dtype: t.dtype }),
    reference: ([t]) => t.data.map((v) => v), // never run here
    onnx: (e, [t]) => e.node("Add", [e.node("Mul", [t, e.scalar(0.5, "float32")]), e.node("Mul", [t, e.scalar(0.5, "float32")])]),
  };
  const outs = [reshape(x, [6, 4]), reshape(neg(x), [6, 4]), sum(x, [0, 2]), apply(emitScalars, [x], {})];
  const built = buildModel(collect(outs));
  const m = decodeModel(built.bytes);
  assert.equal(m.ir_version, 8);
  assert.deepEqual(m.opset_import, [{ domain: "", version: 18 }]);
  const init = m.graph.initializer.map((t) => ({ dims: t.dims, type: t.data_type }));
  // [6, 4] once (shared by both reshapes), [0, 2] for the sum, one float 0.5.
  assert.deepEqual(init, [
    { dims: [2], type: 7 },
    { dims: [2], type: 7 },
    { dims: [], type: 1 },
  ]);
  assert.deepEqual(m.graph.output.map((o) => o.type.tensor_type.shape.dim.map((d) => Number(d.dim_value))), [[6, 4], [6, 4], [3], [2, 3, 4]]);
  assert.deepEqual(buildModel(collect(outs)).bytes, built.bytes, "the same subgraph gives the same bytes");
});

test("a tensor requested twice and a requested leaf come back as separate, correct arrays", async () => {
  const x = f32([3, 2], 900);
  const y = neg(x);
  const ort = await getBackend("ort");
  const [a, b, c, d] = await ort.run(collect([y, y, x, mul(y, Tensor.scalar(2))]), { threads: 1 });
  assert.deepEqual([...a], [...x.data!].map((v) => -v));
  assert.deepEqual(b, a);
  assert.notEqual(a, b, "two outputs, two arrays");
  assert.deepEqual(c, x.data);
  assert.notEqual(c, x.data, "a leaf output is a copy, not the leaf's own array");
  assert.deepEqual([...d], [...x.data!].map((v) => -2 * v));
});

test("same inputs and threads give bit-identical outputs (cached and recompiled sessions)", async () => {
  setThreads(2);
  try {
    const inputs = [f32([256, 192], 1000), f32([192, 160], 1001)];
    const run = () => withBackend("ort", async () => {
      const [a, b] = inputs.map((t) => Tensor.from(t.data!, t.shape));
      const p = matmul(a, b);
      const outs = [p, sum(p, 1), sum(mul(p, p))];
      await realize(...outs);
      return outs.map((o) => Buffer.from(o.data!.buffer));
    });
    const first = await run();
    const second = await run();
    clearOrtSessions();
    const third = await run();
    first.forEach((buf, i) => {
      assert.ok(buf.equals(second[i]), `output ${i} differs between two runs of the same session`);
      assert.ok(buf.equals(third[i]), `output ${i} differs after recompiling`);
    });
  } finally {
    setThreads(1);
  }
});

test("float64 graphs run on ort (an MLP step) and match the reference to 1e-12", async () => {
  const before = ortStats().compiled;
  await compareWithReference("mlp step float64", mlpStep, mlpInputs(1100, "float64"), { tol: F64 });
  await compareWithReference("matmul broadcast float64", (a, b) => sum(matmul(a, transpose(b)), -1), [rand([2, 1, 5, 7], 1101), rand([3, 6, 7], 1102)], { tol: F64 });
  assert.equal(ortStats().compiled - before, 2);
});

test("the session cache is a bounded LRU", async () => {
  setOrtCacheSize(2);
  try {
    clearOrtSessions();
    const x = f32([4], 1200);
    const runs = [1, 2, 3].map((k) => () => withBackend("ort", () => read(mul(x, Tensor.scalar(k)))));
    const compiled0 = ortStats().compiled;
    await runs[0]();
    await runs[1]();
    await runs[0](); // 1 is now most recent, 2 least
    await runs[2](); // evicts 2
    assert.equal(ortStats().cached, 2);
    await runs[0](); // still cached
    assert.equal(ortStats().compiled - compiled0, 3);
    await runs[1](); // was evicted: compiles again
    assert.equal(ortStats().compiled - compiled0, 4);
  } finally {
    setOrtCacheSize(8);
  }
});

test("a lowering onnxruntime rejects fails as ENGINE_BACKEND naming the op, and is not cached", async () => {
  const bogus: OpDef = {
    name: "bogus",
    infer: ([t]) => ({ shape: t.shape, dtype: t.dtype }),
    reference: ([t]) => t.data.slice(),
    onnx: (e, [t]) => e.node("NoSuchOnnxOp", [t]),
  };
  const x = f32([3], 1300);
  const attempt = () => withBackend("ort", () => read(apply(bogus, [neg(x)], {})));
  for (let i = 0; i < 2; i++) {
    await assert.rejects(attempt, (e) => isPgolfError(e, "ENGINE_BACKEND") && /bogus1\/NoSuchOnnxOp/.test(e.message) && /reference/.test(e.fix ?? ""));
  }
  const otherDomain: OpDef = { ...bogus, name: "elsewhere", onnx: (e, [t]) => e.node("Relu", [t], {}, "ai.example") };
  await assert.rejects(
    () => withBackend("ort", () => read(apply(otherDomain, [x], {}))),
    (e) => isPgolfError(e, "ENGINE_BACKEND") && /elsewhere0.*ai\.example/.test(e.message) && /com\.microsoft/.test(e.fix ?? ""),
  );
});
