// Score-first LoRA test-time training (model/test_time_training.ts, nn/lora.ts) against direct
// computations: a fresh adapter leaves the model's logits bit for bit; the adapters' gradients match
// the closed form of (alpha/r) x A^T B^T; learning from chunks lowers the loss on text like them while
// the base weights stay as loaded; two instances fed the same chunks agree bit for bit (what the
// evaluator's causality probes need); detach() gives the loaded model back; bad options are refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { throwsCode } from "../../test/support/errors.js";
import { Rng } from "../core/random.js";
import { grad } from "../engine/autograd.js";
import { mul, sum } from "../engine/ops/index.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { Linear } from "../nn/linear.js";
import { LoraAdapter } from "../nn/lora.js";
import { gptConfig } from "./config.js";
import { GPT } from "./gpt.js";
import { LoraTTT } from "./test_time_training.js";

const CFG = gptConfig("cpu-small", { layers: 2, dim: 32, heads: 2, kvHeads: 1, seqLen: 16, vocabSize: 64 });

function trainedish(seed: number): GPT {
  const model = new GPT(CFG, { seed });
  const rng = new Rng(seed + 100);
  // untrained output projections are zero: give every weight values so every layer matters
  for (const [, p] of model.namedParameters()) p.assign(Float32Array.from({ length: p.size }, () => rng.uniform(-0.2, 0.2)));
  return model;
}

/** A stream with structure TTT can learn: a repeating phrase of 12 tokens with some noise. */
function stream(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const phrase = [5, 9, 14, 3, 22, 41, 7, 7, 30, 11, 2, 60];
  return Int32Array.from({ length: n }, (_, i) => (rng.uniform() < 0.1 ? Math.floor(rng.uniform(0, 64)) : phrase[i % phrase.length]));
}

const ids = (a: Int32Array, rows: number) => Tensor.from(a, [rows, a.length / rows], { dtype: "int32" });

test("LoraAdapter: a fresh adapter changes no logit; its gradients are the closed form's", async () => {
  const model = trainedish(1);
  const x = ids(stream(32, 1), 2);
  const before = await read(model.logits(x));
  const ttt = new LoraTTT(model, { rank: 4, lr: 1e-2, steps: 1, seqLen: 16, targets: ["attn.c_q", "attn.c_v", "mlp.fc", "head"], seed: 3 });
  assert.equal(ttt.adapters.length, 2 * 3 + 1);
  assert.deepEqual(await read(model.logits(x)), before, "B = 0: y + 0 = y exactly");

  // closed form on one layer: y' = y + s (x A^T) B^T, loss = sum(y' * G)
  // dB = s G^T (x A^T)  [out, r];  dA = s (G B)^T x  [r, in]
  const rng = new Rng(5);
  const lin = new Linear(6, 5, { rng });
  lin.lora = new LoraAdapter(6, 5, { rank: 3, alpha: 6, rng });
  lin.lora.b.assign(Float32Array.from({ length: 15 }, () => rng.uniform(-1, 1)));
  const xs = Float32Array.from({ length: 4 * 6 }, () => rng.uniform(-1, 1));
  const G = Float32Array.from({ length: 4 * 5 }, () => rng.uniform(-1, 1));
  const y = lin.forward(Tensor.from(xs, [4, 6]));
  const [dA, dB] = grad(sum(mul(y, Tensor.from(G, [4, 5]))), [lin.lora.a, lin.lora.b]);
  const [ga, gb] = [await read(dA), await read(dB)];
  const A = lin.lora.a.data!;
  const B = lin.lora.b.data!;
  const s = 2; // alpha 6 / rank 3
  const xa = (n: number, k: number) => Array.from({ length: 6 }, (_, i) => xs[n * 6 + i] * A[k * 6 + i]).reduce((p, q) => p + q, 0);
  const gB = (n: number, k: number) => Array.from({ length: 5 }, (_, o) => G[n * 5 + o] * B[o * 3 + k]).reduce((p, q) => p + q, 0);
  for (let o = 0; o < 5; o++) {
    for (let k = 0; k < 3; k++) {
      const want = s * [0, 1, 2, 3].reduce((p, n) => p + G[n * 5 + o] * xa(n, k), 0);
      assert.ok(Math.abs(gb[o * 3 + k] - want) < 1e-4, `dB[${o},${k}] ${gb[o * 3 + k]} vs ${want}`);
    }
  }
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 6; i++) {
      const want = s * [0, 1, 2, 3].reduce((p, n) => p + gB(n, k) * xs[n * 6 + i], 0);
      assert.ok(Math.abs(ga[k * 6 + i] - want) < 1e-4, `dA[${k},${i}] ${ga[k * 6 + i]} vs ${want}`);
    }
  }
});

test("LoraTTT.learn: the loss on unseen text of the same kind falls, the base stays as loaded, two instances agree bit for bit, detach restores the model", async () => {
  const make = () => {
    const model = trainedish(2);
    return { model, ttt: new LoraTTT(model, { rank: 4, lr: 3e-2, steps: 2, seqLen: 16, targets: ["attn.c_q", "attn.c_v", "head"], seed: 1 }) };
  };
  const a = make();
  const b = make();
  const base = a.model.parameters().map((p) => Float32Array.from(p.data as Float32Array));
  const heldOut = stream(64, 99);
  const lossOn = async (m: GPT) => (await read(m.loss(ids(heldOut.subarray(0, 48), 3), ids(heldOut.subarray(1, 49), 3))))[0];
  const loss0 = await lossOn(a.model);
  const s = stream(1 + 4 * 40, 7); // BOS-like first token, then four chunks of 40: 2 rows of 16 and a row of 8
  for (let c = 0; c < 4; c++) {
    const hist = s.subarray(0, 1 + 40 * c);
    const chunk = s.subarray(1 + 40 * c, 1 + 40 * (c + 1));
    await a.ttt.learn(chunk, hist);
    await b.ttt.learn(chunk, hist);
  }
  assert.equal(a.ttt.history.chunks, 4);
  assert.equal(a.ttt.history.tokens, 160);
  assert.equal(a.ttt.history.losses.length, 8, "two batches per chunk (full rows, then the rest)");
  const loss1 = await lossOn(a.model);
  assert.ok(loss1 < loss0 - 0.1, `held-out loss ${loss0} -> ${loss1}`);
  // the evaluator's probes compare a second instance exactly: the same chunks give the same state
  const x = ids(heldOut.subarray(0, 32), 2);
  assert.deepEqual(await read(a.model.logits(x)), await read(b.model.logits(x)));
  a.model.parameters().forEach((p, i) => assert.deepEqual(p.data, base[i], `${p.name} is frozen`));
  a.ttt.detach();
  assert.equal(a.model.headLora, undefined);
  assert.ok(a.model.parameters().every((p) => p.requiresGrad));
  assert.equal(await lossOn(a.model), loss0, "without its adapters the model is the loaded one");
  await assert.rejects(a.ttt.learn(new Int32Array(3).fill(1), new Int32Array(0)), /the history must hold at least the stream's first token/);
});

test("LoraTTT: a target that names no layer, or a bad lr or step count, is refused with CONFIG_INVALID", () => {
  throwsCode(() => new LoraTTT(trainedish(3), { rank: 2, lr: 1e-3, steps: 1, seqLen: 16, targets: ["attn.c_x"], seed: 1 }), "CONFIG_INVALID");
  assert.throws(() => new LoraTTT(trainedish(3), { rank: 2, lr: 1e-3, steps: 1, seqLen: 16, targets: ["attn.c_x"], seed: 1 }), /"attn.c_x" names no layer of this model/);
  throwsCode(() => new LoraTTT(trainedish(3), { rank: 2, lr: 0, steps: 1, seqLen: 16, targets: ["head"], seed: 1 }), "CONFIG_INVALID");
  throwsCode(() => new LoraTTT(trainedish(3), { rank: 2, lr: 1e-3, steps: 0, seqLen: 16, targets: ["head"], seed: 1 }), "CONFIG_INVALID");
});
