// The whole model on both backends: a GPT forward/backward and a full Muon + Adam step agree between
// the reference interpreter and onnxruntime; steps are bit-identical for a seed and thread count;
// and memory stays flat over 1,000 steps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withBackend } from "../../test/support/engine.js";
import { grad } from "../engine/autograd.js";
import { setThreads } from "../engine/backend.js";
import { realize } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { TrainStep } from "./train_step.js";

const TINY = gptConfig("cpu-small", { vocabSize: 64, layers: 3, dim: 32, heads: 4, kvHeads: 2, seqLen: 16 });
// every option past the reference on (the golf template's building blocks)
const GOLF_TINY = gptConfig("cpu-small", { vocabSize: 64, layers: 3, dim: 32, heads: 4, kvHeads: 2, seqLen: 16, bigramBuckets: 32, bigramDim: 8, smearGate: true, ropeDims: 4, xsa: true });
const B = 2;

function batch(seed: number): { ids: Tensor; targets: Tensor } {
  const n = B * TINY.seqLen;
  const ids = new Int32Array(n);
  const tg = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = (i * 31 + seed * 17) % TINY.vocabSize;
    tg[i] = (i * 7 + seed * 5 + 3) % TINY.vocabSize;
  }
  return { ids: Tensor.from(ids, [B, TINY.seqLen]), targets: Tensor.from(tg, [B, TINY.seqLen]) };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return m;
}

for (const [label, config] of [["the reference GPT", TINY], ["a GPT with BigramHash, SmearGate, partial RoPE and XSA", GOLF_TINY]] as const) {
  test(`${label}, forward and backward: ort matches the reference backend`, { timeout: 120_000 }, async () => {
    const run = (backend: string) =>
      withBackend(backend, async () => {
        const m = new GPT(config, { seed: 7 });
        // Zero-initialized projections would hide most of the graph from the gradient: perturb them.
        for (const p of m.parameters()) if (p.data!.every((v) => v === 0)) p.data!.forEach((_, i, a) => (a[i] = Math.sin(i + 1) * 0.02));
        const { ids, targets } = batch(1);
        const loss = m.loss(ids, targets);
        const gs = grad(loss, m.parameters());
        await realize(loss, ...gs);
        return { loss: loss.data![0], grads: gs.map((g) => Float32Array.from(g.data!)), names: m.namedParameters().map(([n]) => n) };
      });
    const ref = await run("reference");
    const ort = await run("ort");
    assert.ok(Math.abs(ref.loss - ort.loss) < 1e-5, `loss ${ort.loss} vs ${ref.loss}`);
    ref.grads.forEach((g, i) => {
      const d = maxRelDiff(ort.grads[i], g);
      assert.ok(d < 2e-3, `grad of ${ref.names[i]}: max rel diff ${d.toExponential(2)}`);
    });
  });
}

for (const [label, config] of [["the reference GPT", TINY], ["a GPT with BigramHash, SmearGate, partial RoPE and XSA", GOLF_TINY]] as const) {
  test(`one full Muon + Adam step of ${label}: ort matches the reference backend, every parameter moves`, { timeout: 120_000 }, async () => {
    const run = (backend: string) =>
      withBackend(backend, async () => {
        const m = new GPT(config, { seed: 3 });
        const step = new TrainStep(m);
        const { ids, targets } = batch(2);
        const loss = await step.step(ids, targets);
        return { loss, params: m.parameters().map((p) => Float32Array.from(p.data!)), names: m.namedParameters().map(([n]) => n) };
      });
    const ref = await run("reference");
    const ort = await run("ort");
    assert.ok(Math.abs(ref.loss - ort.loss) < 1e-5);
    ref.params.forEach((p, i) => {
      let m = 0;
      for (let j = 0; j < p.length; j++) m = Math.max(m, Math.abs(p[j] - ort.params[i][j]));
      assert.ok(m < 1e-4, `${ref.names[i]} after the step: max abs diff ${m.toExponential(2)}`);
    });
    // every parameter belongs to an optimizer: all move within three steps (scales behind a
    // zero-initialized projection get a gradient once the projection has moved)
    const init = new GPT(config, { seed: 3 }).parameters().map((p) => Float32Array.from(p.data!));
    const m = new GPT(config, { seed: 3 });
    const step = new TrainStep(m);
    for (let k = 2; k <= 4; k++) await step.step(batch(k).ids, batch(k).targets);
    m.parameters().forEach((p, i) => assert.ok(p.data!.some((v, j) => v !== init[i][j]), `${ref.names[i]} did not move in three steps`));
  });
}

test("training is bit-identical for the same seed and thread count", { timeout: 120_000 }, async () => {
  setThreads(2);
  const run = () =>
    withBackend("ort", async () => {
      const m = new GPT(TINY, { seed: 11 });
      const step = new TrainStep(m);
      const losses: number[] = [];
      for (let s = 0; s < 4; s++) {
        const { ids, targets } = batch(s);
        losses.push(await step.step(ids, targets));
      }
      return { losses, params: m.parameters().map((p) => Buffer.from(p.data!.buffer, p.data!.byteOffset, p.data!.byteLength)) };
    });
  const a = await run();
  const b = await run();
  assert.deepEqual(a.losses, b.losses);
  a.params.forEach((p, i) => assert.ok(p.equals(b.params[i]), `parameter ${i} differs`));
  setThreads(1);
});

test("resident memory stays flat over 1,000 training steps", { timeout: 300_000 }, async () => {
  await withBackend("ort", async () => {
    const m = new GPT(TINY, { seed: 5 });
    const step = new TrainStep(m);
    let rssAt100 = 0;
    let last = Infinity;
    for (let s = 1; s <= 1000; s++) {
      const { ids, targets } = batch(s % 7);
      last = await step.step(ids, targets);
      if (s === 100) {
        global.gc?.();
        rssAt100 = process.memoryUsage().rss;
      }
    }
    global.gc?.();
    const growth = (process.memoryUsage().rss - rssAt100) / 2 ** 20;
    assert.ok(Number.isFinite(last));
    assert.ok(growth < 40, `resident memory grew ${growth.toFixed(1)} MiB between step 100 and step 1000`);
  });
});
