import assert from "node:assert/strict";
import { test } from "node:test";
import { isPgolfError, type ErrorCode } from "../core/error.js";
import { Rng } from "../core/random.js";
import { fromFloat16 } from "../engine/half.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { decodeArtifact, encodeArtifact } from "./container.js";
import {
  dequantizeStateDict,
  INT8_CLIP_Q,
  packIntN,
  qmaxFor,
  quantDecision,
  quantileSorted,
  quantizeRows,
  quantizeStateDict,
  quantizeTensor,
  roundHalfEven,
  rowClips,
  searchRowClips,
  unpackIntN,
  type QuantDecision,
} from "./quantize_int8.js";

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPgolfError(e), `expected a PgolfError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test("roundHalfEven rounds as torch.round: ties to even", () => {
  const cases: Array<[number, number]> = [[0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [2.4999, 2], [2.5001, 3], [126.5, 126], [127.5, 128], [-127.5, -128], [7, 7]];
  for (const [x, want] of cases) assert.equal(roundHalfEven(x) + 0, want, `round(${x})`);
});

test("quantileSorted follows torch.quantile's float32 linear interpolation", () => {
  assert.equal(quantileSorted(Float32Array.of(0, 10), 0.25), 2.5);
  assert.equal(quantileSorted(Float32Array.of(0, 10), 0.75), 7.5);
  assert.equal(quantileSorted(Float32Array.of(3), INT8_CLIP_Q), 3);
  assert.equal(quantileSorted(Float32Array.of(1, 2, 3), 1), 3);
  assert.equal(quantileSorted(Float32Array.of(1, 2, 3), 0), 1);
  // 512 values 1..512: q = fl32(0.9999984) = 1 - 27 * 2^-24, rank = fl32(511 q) = 511 - 27 * 2^-15,
  // so the clip is 512 - 27 * 2^-15 (double arithmetic would give 511.9991824: torch works in fp32).
  const row = Float32Array.from({ length: 512 }, (_, i) => i + 1);
  assert.equal(Math.fround(INT8_CLIP_Q), 1 - 27 * 2 ** -24);
  assert.equal(quantileSorted(row, INT8_CLIP_Q), 512 - 27 * 2 ** -15);
});

test("per-row int8: clip, scale = max(clip / 127, 1 / 127) stored fp16, round half to even", () => {
  const u = 2 ** -6; // with clip 127 * 2^-5 the scale is exactly 2^-5, so x = k * 2^-6 gives q = round(k / 2)
  const c = 127 * 2 ** -5;
  // prettier-ignore
  const x = Float32Array.from([
    c, -c, u, 3 * u, 5 * u, -3 * u, -5 * u, 0, // top two |x| equal: clip = c exactly
    0, 0, 0, 0, 0, 0, 0, 0, //                   clip 0: scale clamps to fl(1/127)
    u / 16, -u / 16, 0, 0, 0, 0, 0, 0, //        clip below 1: scale clamps too (x = 1/1024 rounds to 0)
    2, 0.9921875, 0.5, -0.25, 0.125, 0, 0, 0, // clip between the top two
  ]);
  const r = quantizeRows(x, 4, 8);
  assert.deepEqual([...r.q.subarray(0, 8)], [127, -127, 0, 2, 2, -2, -2, 0]);
  assert.equal(r.scale[0], 0x2800, "2^-5 in fp16");
  assert.deepEqual([...r.q.subarray(8, 24)], new Array(16).fill(0));
  assert.equal(r.scale[1], 0x2008, "fl32(1/127) in fp16: 2^-7 * (1 + 8/1024)");
  assert.equal(r.scale[2], 0x2008);
  // n = 8: rank = fl32(7 q) = 7 - 3 * 2^-18, so clip = fl32(2 - 3 * 2^-18 * (2 - 0.9921875)).
  const clip = Math.fround(2 - 3 * 2 ** -18 * 1.0078125);
  assert.equal(r.clip[3], clip);
  const s = Math.fround(clip / 127);
  assert.equal(r.q[24], 127);
  assert.equal(r.q[25], roundHalfEven(Math.fround(0.9921875 / s)));
  assert.equal(r.q[25], 63);
  assert.equal(r.q[26], 32);
  // Rows whose clip is below 1 all get the floor scale 1/127: a fixed grid of steps of 1/127.
  // 0.5 / fl32(1/127) rounds (in float32) to exactly 63.5, a tie that goes to the even 64.
  const small = quantizeRows(Float32Array.of(0.5, -0.5, 0.25, 3 / 127, -0.01), 1, 5);
  assert.equal(small.scale[0], 0x2008);
  assert.deepEqual([...small.q], [64, -64, 32, 3, -1]);
  // Explicit clips saturate what lies beyond them.
  const sat = quantizeRows(Float32Array.of(4, -4, 2, 2 ** -4), 1, 4, { clips: Float32Array.of(2) });
  assert.deepEqual([...sat.q], [127, -127, 127, 4]);
});

test("per-tensor int8: one fp32 scale = clip / 127 (1 when clip is 0)", () => {
  const c = 127 * 2 ** -7;
  const r = quantizeTensor(Float32Array.of(-c, c, 3 * 2 ** -8, 5 * 2 ** -8));
  assert.equal(r.scale, 2 ** -7);
  assert.deepEqual([...r.q], [-127, 127, 2, 2]);
  const z = quantizeTensor(new Float32Array(5));
  assert.equal(z.scale, 1);
  assert.deepEqual([...z.q], [0, 0, 0, 0, 0]);
});

/**
 * [rows, cols] of N(0, std); with `outlier`, one weight per row `outlier` times further out (as
 * trained matrices have). std 0.5 keeps clips above 1, where scales are clip / qmax rather than the
 * 1 / qmax floor.
 */
function normalMatrix(rows: number, cols: number, seed: number, opts: { std?: number; outlier?: number } = {}): Float32Array {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: rows * cols }, () => rng.normal(0, opts.std ?? 0.5));
  if (opts.outlier) for (let r = 0; r < rows; r++) x[r * cols + Math.floor(rng.uniform() * cols)] *= opts.outlier;
  return x;
}

test("per-row round trip error stays within half a step (plus the fp16 rounding of the scale)", () => {
  const rows = 64;
  const cols = 256;
  const x = normalMatrix(rows, cols, 1, { outlier: 8 });
  const r = quantizeRows(x, rows, cols);
  const s16 = fromFloat16(r.scale);
  for (let i = 0; i < rows; i++) {
    let max = 0;
    for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(x[i * cols + j]));
    const s32 = Math.max(Math.fround(r.clip[i] / 127), Math.fround(1 / 127));
    const bound = s32 * (0.5 + 127 * 2 ** -11) + (max - r.clip[i]) + 1e-9;
    for (let j = 0; j < cols; j++) {
      const err = Math.abs(x[i * cols + j] - r.q[i * cols + j] * s16[i]);
      assert.ok(err <= bound, `row ${i} col ${j}: error ${err} > ${bound}`);
    }
  }
});

test("packIntN / unpackIntN: exact layout, every width round-trips, ranges are checked", () => {
  assert.deepEqual([...packIntN([-8, 7, 0, 1], 4)], [0xf0, 0x98]);
  assert.deepEqual([...packIntN([-32, 31, 0, 5], 6)], [0xc0, 0x0f, 0x96]);
  assert.equal(packIntN(new Int8Array(5), 6).length, 4, "30 bits -> 4 bytes");
  const rng = new Rng(7);
  for (let bits = 2; bits <= 8; bits++) {
    const lo = -(1 << (bits - 1));
    const hi = (1 << (bits - 1)) - 1;
    for (const n of [0, 1, 7, 8, 9, 1001]) {
      const v = Int8Array.from({ length: n }, (_, i) => (i === 0 ? lo : i === 1 ? hi : lo + Math.floor(rng.uniform() * (hi - lo + 1))));
      const p = packIntN(v, bits);
      assert.equal(p.length, Math.ceil((n * bits) / 8));
      assert.deepEqual(unpackIntN(p, bits, n), v, `${bits} bits, ${n} values`);
    }
  }
  throwsCode(() => packIntN([8], 4), "ARTIFACT_QUANTIZE");
  throwsCode(() => packIntN([-9], 4), "ARTIFACT_QUANTIZE");
  throwsCode(() => packIntN([0.5], 4), "ARTIFACT_QUANTIZE");
  throwsCode(() => packIntN([0], 9), "ARTIFACT_QUANTIZE");
  throwsCode(() => unpackIntN(new Uint8Array(3), 6, 5), "ARTIFACT_QUANTIZE");
});

function rowErrors(x: Float32Array, rows: number, cols: number, bits: number, clips: Float32Array): number[] {
  const r = quantizeRows(x, rows, cols, { bits, clips });
  const s = fromFloat16(r.scale);
  return Array.from({ length: rows }, (_, i) => {
    let e = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) e += (x[j] - Math.fround(r.q[j] * s[i])) ** 2;
    return e;
  });
}

test("clip search (GPTQ-lite) is never worse than the fixed clip, row by row, and helps at low bits", () => {
  const rows = 48;
  const cols = 512;
  const x = normalMatrix(rows, cols, 3, { outlier: 10 });
  for (const bits of [8, 6, 4]) {
    const fixed = rowErrors(x, rows, cols, bits, rowClips(x, rows, cols));
    const searched = rowErrors(x, rows, cols, bits, searchRowClips(x, rows, cols, bits));
    for (let i = 0; i < rows; i++) assert.ok(searched[i] <= fixed[i], `${bits} bits, row ${i}: ${searched[i]} > ${fixed[i]}`);
    const f = fixed.reduce((a, b) => a + b);
    const s = searched.reduce((a, b) => a + b);
    console.log(`clip search, ${bits} bits: squared error ${s.toFixed(3)} vs ${f.toFixed(3)} with the fixed clip`);
    if (bits <= 6) assert.ok(s < f, `${bits} bits: searched error ${s} should be below fixed ${f}`);
  }
  assert.equal(qmaxFor(4), 7);
});

test("state dict: every kind of tensor goes through the container and comes back", () => {
  const rng = new Rng(5);
  const rand = (n: number, std: number) => Array.from({ length: n }, () => rng.normal(0, std));
  const named: Array<[string, Tensor]> = [
    ["skip_weights", Tensor.from(rand(8, 1), [2, 4])],
    ["blocks.0.attn_scale", Tensor.from(rand(4, 1), [4], { dtype: "float64" })],
    ["small.weight", Tensor.from(rand(6, 1), [2, 3])],
    ["small64.weight", Tensor.from(rand(3, 1), [3], { dtype: "float64" })],
    ["ids", Tensor.from([1, -2, 3], [3], { dtype: "int32" })],
    ["mask", Tensor.from([1, 0], [2], { dtype: "bool" })],
    ["big.weight", Tensor.from(rand(300 * 256, 0.02), [300, 256])],
    ["big64.weight", Tensor.from(rand(300 * 256, 0.02), [300, 256], { dtype: "float64" })],
    ["vec", Tensor.from(rand(70_000, 0.02), [70_000])],
  ];
  const want: QuantDecision[] = ["keep_fp32", "keep_fp32", "keep_fp16", "keep", "keep", "keep", "int_per_row", "int_per_row", "int_per_tensor"];
  named.forEach(([n, t], i) => assert.equal(quantDecision(n, t.shape, t.dtype), want[i], n));
  for (const bits of [8, 6]) {
    const q = quantizeStateDict(named, { bits });
    assert.equal(q.stats.numTensors, 9);
    assert.equal(q.stats.numQuantized, 3);
    assert.equal(q.stats.numNonFloat, 2);
    const container = encodeArtifact(q.tensors, { quant: q.meta });
    const { tensors, meta } = decodeArtifact(container, { maxBytes: 1 << 22 });
    const back = dequantizeStateDict(tensors, meta.quant);
    assert.deepEqual([...back.keys()], named.map(([n]) => n));
    const get = (n: string) => back.get(n)!;
    assert.deepEqual(get("skip_weights").data, named[0][1].data, "control: exact fp32");
    assert.equal(get("blocks.0.attn_scale").dtype, "float32", "control tensors come back fp32, as in the reference");
    assert.deepEqual(get("blocks.0.attn_scale").data, Float32Array.from(named[1][1].data!));
    assert.deepEqual(get("small.weight").data, fromFloat16(q.tensors.find((t) => t.name === "small.weight")!.data as Uint16Array), "fp16 passthrough");
    assert.equal(get("small64.weight").dtype, "float64");
    assert.deepEqual(get("small64.weight").data, named[3][1].data, "float64 kept as is");
    assert.deepEqual(get("ids").data, Int32Array.from([1, -2, 3]));
    assert.deepEqual(get("mask").data, Uint8Array.from([1, 0]));
    assert.equal(get("big64.weight").dtype, "float64");
    for (const [n, t] of named.slice(6)) {
      const d = get(n);
      assert.deepEqual(d.shape, [...t.shape]);
      let max = 0;
      let err = 0;
      for (let i = 0; i < t.size; i++) {
        max = Math.max(max, Math.abs(t.data![i]));
        err = Math.max(err, Math.abs(t.data![i] - d.data[i]));
      }
      // Steps are max(clip, 1) / qmax: the reference floors scales at 1 / qmax.
      const step = Math.max(max, 1) / qmaxFor(bits);
      assert.ok(err <= step * 0.51, `${n} at ${bits} bits: max error ${err} vs step ${step}`);
    }
    const entry = q.meta.tensors.find((e) => e.name === "big.weight")!;
    assert.ok(entry.scheme === "per_row" && entry.packed === bits < 8);
  }
});

test("dequantize trusts nothing: bad format, missing or unused tensors, wrong dtypes", () => {
  const named: Array<[string, Tensor]> = [["w", Tensor.from(new Array(300 * 256).fill(0.01), [300, 256])]];
  const q = quantizeStateDict(named);
  throwsCode(() => dequantizeStateDict(q.tensors, undefined), "ARTIFACT_META");
  throwsCode(() => dequantizeStateDict(q.tensors, { ...q.meta, format: "other" }), "ARTIFACT_META");
  throwsCode(() => dequantizeStateDict(q.tensors.slice(0, 1), q.meta), "ARTIFACT_META");
  throwsCode(() => dequantizeStateDict([...q.tensors, { name: "extra", dtype: "u8", shape: [1], data: new Uint8Array(1) }], q.meta), "ARTIFACT_META");
  const swapped = [q.tensors[0], { ...q.tensors[1], dtype: "f32" as const, data: new Float32Array(300) }];
  throwsCode(() => dequantizeStateDict(swapped, q.meta), "ARTIFACT_META");
  const wrongShape = { ...q.meta, tensors: [{ ...q.meta.tensors[0], shape: [256, 300] }] };
  throwsCode(() => dequantizeStateDict(q.tensors, wrongShape), "ARTIFACT_META");
  const wrongBits = { ...q.meta, tensors: [{ ...q.meta.tensors[0], bits: 6 }] };
  throwsCode(() => dequantizeStateDict(q.tensors, wrongBits), "ARTIFACT_META");
});

test("quantizing refuses non-finite weights and lazy tensors", () => {
  const w = new Array(300 * 256).fill(0.01);
  w[1234] = NaN;
  throwsCode(() => quantizeStateDict([["w", Tensor.from(w, [300, 256])]]), "ARTIFACT_QUANTIZE");
  const lazy = new Tensor({ shape: [2], dtype: "float32" }, {});
  throwsCode(() => quantizeStateDict([["x", lazy]]), "ARTIFACT_QUANTIZE");
});

/** The reference's decision for each parameter of a GPT, by the name's last parts, worked out by hand. */
function expectedDecisions(config: string): Record<string, QuantDecision> {
  const control: QuantDecision = "keep_fp32";
  const common = { skip_weights: control, "tok_emb.weight": "int_per_row", attn_scale: control, mlp_scale: control, resid_mix: control, "attn.q_gain": control } as const;
  if (config === "baseline-9x512") {
    // dim 512, kv dim 256, mlp hidden 1024: every matrix has more than 65,536 elements.
    return { ...common, "attn.c_q.weight": "int_per_row", "attn.c_k.weight": "int_per_row", "attn.c_v.weight": "int_per_row", "attn.proj.weight": "int_per_row", "mlp.fc.weight": "int_per_row", "mlp.proj.weight": "int_per_row" };
  }
  // cpu-small: dim 256: c_q and attn.proj are 256 x 256 = 65,536 (the limit is inclusive), c_k and
  // c_v 128 x 256; the MLP's 512 x 256 matrices are over it.
  return { ...common, "attn.c_q.weight": "keep_fp16", "attn.c_k.weight": "keep_fp16", "attn.c_v.weight": "keep_fp16", "attn.proj.weight": "keep_fp16", "mlp.fc.weight": "int_per_row", "mlp.proj.weight": "int_per_row" };
}

for (const config of ["baseline-9x512", "cpu-small"]) {
  test(`${config}: the same per-tensor decisions as the reference, and the stored forms that follow`, () => {
    const cfg = gptConfig(config);
    const model = new GPT(cfg, { seed: 0 });
    const named = model.namedParameters();
    const expected = expectedDecisions(config);
    const q = quantizeStateDict(named);
    const stored = new Map(q.tensors.map((t) => [t.name, t]));
    for (const [name, t] of named) {
      const key = Object.keys(expected).find((k) => name === k || name.endsWith(`.${k}`));
      assert.ok(key, `no expectation for ${name}`);
      const want = expected[key];
      assert.equal(quantDecision(name, t.shape, t.dtype), want, name);
      const s = stored.get(name)!;
      const dtype = { int_per_row: "i8", int_per_tensor: "i8", keep_fp32: "f32", keep_fp16: "f16", keep: "f32" }[want];
      assert.equal(s.dtype, dtype, `${name} stored as ${dtype}`);
      if (want === "int_per_row") assert.deepEqual(stored.get(`${name}#scale`)?.shape, [t.shape[0]]);
    }
    assert.equal(q.stats.paramCount, model.parameterCount());
    assert.equal(q.tensors.length, named.length + q.stats.numQuantized);
  });
}
