// Quantization-aware training's promise: a GPT whose forward goes through fake_quant at b bits
// computes the same logits as that GPT exported at b bits (exportGPT) and imported again (importGPT).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { withBackend } from "../../test/support/engine.js";
import { Rng } from "../core/random.js";
import { clearOrtSessions } from "../engine/backends/ort.js";
import { fromFloat16, toFloat16 } from "../engine/half.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { exportGPT, importGPT } from "./export_gpt.js";

after(() => clearOrtSessions());

// tok_emb [1024, 128] and mlp.fc / mlp.proj (768 x 128) pass 65,536 elements, so the export quantizes
// them per row; the attention matrices and scalars it keeps as floats.
const CFG = gptConfig("cpu-small", { layers: 2, dim: 128, heads: 4, kvHeads: 2, mlpMult: 6, seqLen: 16 });

/** A GPT with random weights (the zero-initialized projections too), every one a float16 value so the export's fp16 copies are exact. */
function randomGPT(qatBits: number, keepFloatMaxNumel?: number): GPT {
  const m = new GPT(CFG, { seed: 3, qatBits, keepFloatMaxNumel });
  const rng = new Rng(7);
  for (const [, p] of m.namedParameters()) {
    p.assign(fromFloat16(toFloat16(Float32Array.from({ length: p.size }, () => rng.uniform(-0.4, 0.4) + (rng.uniform(0, 1) < 0.001 ? 3 : 0)))));
  }
  return m;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const bits of [8, 6, 5]) {
  test(`a GPT through fake_quant at ${bits} bits = the GPT exported at ${bits} bits and imported (reference and ort)`, async () => {
    const qat = randomGPT(bits);
    assert.deepEqual(qat.setQat(bits), ["tok_emb.weight", "blocks.0.mlp.fc.weight", "blocks.0.mlp.proj.weight", "blocks.1.mlp.fc.weight", "blocks.1.mlp.proj.weight"]);
    const plain = randomGPT(0);
    const imported = importGPT(await exportGPT(plain, { bits }), CFG);
    const rng = new Rng(11);
    const ids = () => Tensor.from(Int32Array.from({ length: 2 * 16 }, () => Math.floor(rng.uniform(0, 1024))), [2, 16], { dtype: "int32" });
    const batch = ids();
    for (const backend of ["reference", "ort"]) {
      await withBackend(backend, async () => {
        const want = await read(imported.logits(batch));
        const got = await read(qat.logits(batch));
        const gap = maxDiff(await read(plain.logits(batch)), want);
        const d = maxDiff(got, want);
        console.log(`${bits} bits on ${backend}: fake_quant vs exported logits maxdiff = ${d.toExponential(2)} (the export moves the unquantized model's logits by ${gap.toExponential(2)})`);
        assert.ok(gap > 1e-3, "the export should change the logits (else the comparison proves nothing)");
        // The same values through the same graph after the weights: equal on the reference backend;
        // ort may fuse a constant weight differently from a computed one (a few float32 ulps).
        assert.ok(backend === "reference" ? d === 0 : d <= 1e-5, `logits differ by ${d}`);
      });
    }
  });
}

test("qat_bits: 0 turns QAT off (the graph is the baseline's); other values are refused", () => {
  const m = new GPT(CFG, { seed: 1 });
  assert.equal(m.qatBits, 0);
  assert.deepEqual(m.setQat(0), []);
  for (const bad of [1, 9, -1, 6.5]) assert.throws(() => new GPT(CFG, { seed: 1, qatBits: bad }), /qat_bits/);
});

test("a lower float threshold: the export quantizes the attention matrices too, QAT sees exactly them, and the artifact shrinks", async () => {
  // c_q and proj are 128 x 128 = 16,384 elements: over 8,192, so quantized; c_k and c_v (64 x 128 = 8,192) stay floats
  const qat = randomGPT(6, 8192);
  const names = qat.setQat(6);
  assert.deepEqual(names.filter((n) => n.startsWith("blocks.0.")), ["blocks.0.attn.c_q.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc.weight", "blocks.0.mlp.proj.weight"]);
  const plain = randomGPT(0, 8192);
  const lowered = await exportGPT(plain, { bits: 6, keepFloatMaxNumel: 8192 });
  const reference = await exportGPT(plain, { bits: 6 });
  assert.ok(lowered.length < reference.length - 4 * 16_384, `${lowered.length} bytes against ${reference.length}`);
  const imported = importGPT(lowered, CFG);
  const batch = Tensor.from(Int32Array.from({ length: 2 * 16 }, (_, i) => (i * 37) % 1024), [2, 16], { dtype: "int32" });
  await withBackend("reference", async () => {
    assert.equal(maxDiff(await read(qat.logits(batch)), await read(imported.logits(batch))), 0);
    assert.ok(maxDiff(await read(importGPT(reference, CFG).logits(batch)), await read(imported.logits(batch))) > 1e-4, "the two thresholds export different models");
  });
  for (const bad of [-1, 1.5, Number.NaN]) {
    assert.throws(() => new GPT(CFG, { seed: 1, keepFloatMaxNumel: bad }), /export_keep_float_max_numel/);
    await assert.rejects(exportGPT(plain, { bits: 6, keepFloatMaxNumel: bad }), /export_keep_float_max_numel/);
  }
});
