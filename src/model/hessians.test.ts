// Calibration Hessians against a direct computation: the head's input is the model's final hidden
// state, so lm_head's H must equal hidden^T hidden summed over the batches; every H is symmetric with
// a non-negative diagonal, batches add up, and the hooks are gone afterwards.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../core/random.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { Linear } from "../nn/linear.js";
import { gptConfig } from "./config.js";
import { GPT } from "./gpt.js";
import { collectHessians } from "./hessians.js";

const CFG = gptConfig("cpu-small", { layers: 2, dim: 32, heads: 2, kvHeads: 1, seqLen: 8, vocabSize: 64, tieEmbeddings: false });
const rng = new Rng(3);
const ids = () => Tensor.from(Int32Array.from({ length: 2 * 8 }, () => Math.floor(rng.uniform(0, 64))), [2, 8], { dtype: "int32" });

test("collectHessians: every Linear's input Gram matrix, the head's equal to hidden^T hidden, additive over batches", async () => {
  const model = new GPT(CFG, { seed: 1 });
  // untrained projections are zero: give every weight values so that each layer's input depends on the last
  for (const [, p] of model.namedParameters()) p.assign(Float32Array.from({ length: p.size }, () => rng.uniform(-0.3, 0.3)));
  const batches = [ids(), ids()];
  const all = await collectHessians(model, batches);
  const linears = [...model.modules()].filter((m): m is Linear => m instanceof Linear).map((l) => l.weight.name);
  assert.deepEqual([...all.byWeight.keys()].sort(), [...linears].sort());
  assert.ok(all.byWeight.has("lm_head.weight") && all.byWeight.has("blocks.1.mlp.proj.weight"));
  assert.equal(all.tokens, 32);
  for (const [name, h] of all.byWeight) {
    const d = Math.round(Math.sqrt(h.length));
    for (let i = 0; i < d; i++) {
      assert.ok(h[i * d + i] >= 0, name);
      for (let j = 0; j < i; j++) assert.ok(Math.abs(h[i * d + j] - h[j * d + i]) <= 1e-6 * (1 + Math.abs(h[i * d + j])), `${name} symmetric`);
    }
  }
  // the head's input is the final hidden state [B*T, D]
  const D = CFG.dim;
  const want = new Float64Array(D * D);
  for (const b of batches) {
    const hid = await read(model.hidden(b));
    for (let r = 0; r < hid.length / D; r++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) want[i * D + j] += hid[r * D + i] * hid[r * D + j];
  }
  const got = all.byWeight.get("lm_head.weight")!;
  const scale = Math.max(...want.map(Math.abs));
  assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= 1e-5 * scale), "lm_head's Hessian is hidden^T hidden");
  // batches add up
  const one = await collectHessians(model, [batches[0]]);
  const two = await collectHessians(model, [batches[1]]);
  for (const [name, h] of all.byWeight) {
    const a = one.byWeight.get(name)!;
    const b = two.byWeight.get(name)!;
    assert.ok(h.every((v, i) => Math.abs(v - a[i] - b[i]) <= 1e-9 * (1 + Math.abs(v))), name);
  }
  assert.ok([...model.modules()].every((m) => !(m instanceof Linear) || m.inputHook === undefined), "the hooks are removed");
});
