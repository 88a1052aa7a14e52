import assert from "node:assert/strict";
import { test } from "node:test";
import { isPgolfError } from "../core/error.js";
import { add, embedding, mul, reshape, rmsNorm } from "../engine/ops/index.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig } from "./config.js";
import { GPT } from "./gpt.js";

test("the reference baseline: 17,059,912 parameters at 9x512 sp1024, named as train_gpt.py's state dict", () => {
  const m = new GPT(gptConfig("baseline-9x512"), { seed: 1 });
  assert.equal(m.parameterCount(), 17_059_912);
  const names = m.namedParameters().map(([n, t]) => `${n}:${t.shape.join("x")}`);
  assert.deepEqual(names.slice(0, 12), [
    "skip_weights:4x512",
    "tok_emb.weight:1024x512",
    "blocks.0.attn_scale:512",
    "blocks.0.mlp_scale:512",
    "blocks.0.resid_mix:2x512",
    "blocks.0.attn.q_gain:8",
    "blocks.0.attn.c_q.weight:512x512",
    "blocks.0.attn.c_k.weight:256x512",
    "blocks.0.attn.c_v.weight:256x512",
    "blocks.0.attn.proj.weight:512x512",
    "blocks.0.mlp.fc.weight:1024x512",
    "blocks.0.mlp.proj.weight:512x1024",
  ]);
  assert.equal(names.length, 2 + 9 * 10);
  // Zero-initialized output projections; tied embedding drawn with std 0.005.
  assert.ok(m.blocks[0].attn.proj.weight.data!.every((v) => v === 0));
  const e = Float64Array.from(m.tokEmb.weight.data!);
  const std = Math.sqrt(e.reduce((a, v) => a + v * v, 0) / e.length);
  assert.ok(Math.abs(std - 0.005) < 0.0002, `embedding std ${std}`);
});

test("cpu-small has the PyTorch peer's parameter count; config errors are clear", () => {
  assert.equal(new GPT(gptConfig("cpu-small"), { seed: 1 }).parameterCount(), 2_101_776);
  assert.throws(() => gptConfig("cpu-small", { dimm: 3 }), (e) => isPgolfError(e, "CONFIG_UNKNOWN_KEY"));
  assert.throws(() => gptConfig("nope"), (e) => isPgolfError(e, "CONFIG_INVALID"));
  assert.throws(() => gptConfig("cpu-small", { layers: "4" }), (e) => isPgolfError(e, "CONFIG_INVALID"));
});

test("options past the reference add their parameters after the reference's; a zero-projected BigramHash starts where the reference starts", async () => {
  const ref = new GPT(gptConfig("cpu-small", { layers: 2, dim: 64, heads: 2, kvHeads: 1, seqLen: 8 }), { seed: 7 });
  const big = new GPT(gptConfig("cpu-small", { layers: 2, dim: 64, heads: 2, kvHeads: 1, seqLen: 8, bigramBuckets: 64, bigramDim: 8 }), { seed: 7 });
  const names = big.namedParameters().map(([n]) => n);
  assert.deepEqual(names.slice(0, ref.namedParameters().length), ref.namedParameters().map(([n]) => n));
  assert.deepEqual(names.slice(-2), ["bigram.embed.weight", "bigram.proj.weight"]);
  const ids = Tensor.from(Array.from({ length: 16 }, (_, i) => (i * 37) % 1024), [2, 8], { dtype: "int32" });
  assert.deepEqual(await read(big.logits(ids)), await read(ref.logits(ids)));
  const all = new GPT(gptConfig("cpu-small", { layers: 2, dim: 64, heads: 2, kvHeads: 1, seqLen: 8, bigramBuckets: 64, smearGate: true, ropeDims: 16, xsa: true }), { seed: 7 });
  assert.deepEqual(all.namedParameters().map(([n]) => n).slice(-3), ["bigram.embed.weight", "bigram.proj.weight", "smear.gate"]);
  assert.throws(() => new GPT(gptConfig("cpu-small", { ropeDims: 5 }), { seed: 1 }), (e) => isPgolfError(e, "CONFIG_INVALID"));
});

test("depth recurrence: depthLoops 2 runs each block twice with its own weights, as two passes by hand; no new parameters", async () => {
  const shape = { layers: 2, dim: 32, heads: 2, kvHeads: 1, seqLen: 8 };
  const looped = new GPT(gptConfig("cpu-small", { ...shape, depthLoops: 2 }), { seed: 5 });
  const once = new GPT(gptConfig("cpu-small", shape), { seed: 5 });
  assert.equal(looped.parameterCount(), once.parameterCount());
  // non-zero output projections, so that a second pass changes x
  for (const m of [looped, once]) for (const p of m.parameters()) if (p.data!.every((v) => v === 0)) p.data!.forEach((_, i, a) => (a[i] = Math.cos(i) * 0.05));
  const ids = Tensor.from(Array.from({ length: 16 }, (_, i) => (i * 13) % 1024), [2, 8], { dtype: "int32" });
  // by hand: block 0 twice, skip, block 1 twice (the reference's U-Net with 1 + 1 layers)
  let x = rmsNorm(embedding(once.tokEmb.weight, ids));
  const x0 = x;
  x = once.blocks[0].forward(once.blocks[0].forward(x, x0), x0);
  x = add(x, mul(reshape(once.skipWeights, [32]), x));
  x = once.blocks[1].forward(once.blocks[1].forward(x, x0), x0);
  const want = await read(reshape(rmsNorm(x), [-1, 32]));
  const got = await read(looped.hidden(ids));
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `hidden[${i}] ${got[i]} vs ${v}`));
  assert.throws(() => new GPT(gptConfig("cpu-small", { ...shape, depthLoops: 0 }), { seed: 1 }), (e) => isPgolfError(e, "CONFIG_INVALID"));
});
