// The training bench's PyTorch peer (bench/peers/torch_train.py over torch_gpt.py) with the options past
// the reference (BigramHash, SmearGate, partial RoPE, XSA): it runs a step and reports finite numbers,
// it has pgolf's parameter count for the same options, and, given pgolf's weights
// (bench/peers/torch_check.py), it computes pgolf's loss. Correctness only: speed is measured by
// `npm run bench`, never here. Skipped where Debian's python3-torch is absent.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { Rng } from "../core/random.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig, type GPTConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { configOptions, hasTorch, peerEnv, peerScript, runTorchPeer, trainFlops } from "./bench_train.js";

const noTorch = hasTorch() ? undefined : "python3-torch is not installed (apt-get install python3-torch libopenblas0-pthread)";
const SHAPE = { vocabSize: 64, layers: 3, dim: 32, heads: 4, kvHeads: 2, seqLen: 16 };
const TINY = gptConfig("cpu-small", SHAPE);
// every option past the reference on
const GOLF_TINY = gptConfig("cpu-small", { ...SHAPE, bigramBuckets: 32, bigramDim: 8, smearGate: true, ropeDims: 4, xsa: true });

for (const [label, c, options] of [
  ["the reference", TINY, {}],
  ["every option on", GOLF_TINY, { bigramBuckets: 32, bigramDim: 8, smearGate: true, ropeDims: 4, xsa: true }],
] as const) {
  test(`the PyTorch peer, ${label}: one step, finite numbers, pgolf's parameter count`, { skip: noTorch, timeout: 120_000 }, () => {
    const { result, note } = runTorchPeer(c, { batch: 2, threads: 1, steps: 1, evalSteps: 1 });
    assert.ok(result, note ?? "no result");
    for (const k of ["train_tokens_per_s", "eval_tokens_per_s", "train_step_ms", "first_loss", "last_loss"] as const) {
      assert.ok(Number.isFinite(result[k]) && result[k] > 0, `${k} = ${result[k]}`);
    }
    assert.equal(result.params, new GPT(c, { seed: 1 }).parameterCount());
    assert.deepEqual(result.options, options);
    // zero-initialized projections and an embedding of std 0.005: the first loss is about ln V
    assert.ok(Math.abs(result.first_loss - Math.log(c.vocabSize)) < 0.05, `first loss ${result.first_loss}`);
  });
}

/** Every parameter of `model` drawn at random (zero-initialized projections would hide the blocks). */
function randomize(model: GPT, seed: number): void {
  const rng = new Rng(seed);
  for (const p of model.parameters()) {
    const a = p.rank === 2 ? 1 / Math.sqrt(p.shape[1]) : 1;
    p.assign(Float32Array.from({ length: p.size }, () => rng.uniform(-a, a)));
  }
}

async function peerLoss(c: GPTConfig): Promise<{ pgolf: number; peer: number; params: number }> {
  const model = new GPT(c, { seed: 3 });
  randomize(model, 5);
  const rows = 2;
  const n = rows * c.seqLen;
  // repeated pairs, so some buckets are shared and the hash's every input is exercised
  const x = Int32Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % c.vocabSize);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 13 + 5) % c.vocabSize);
  const pgolf = (await read(model.loss(Tensor.from(x, [rows, c.seqLen]), Tensor.from(y, [rows, c.seqLen]))))[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-peer-check-"));
  try {
    const file = path.join(dir, "check.json");
    const weights = Object.fromEntries(model.namedParameters().map(([name, t]) => [name, Array.from(t.data!)]));
    fs.writeFileSync(file, JSON.stringify({ weights, x: Array.from(x), y: Array.from(y) }));
    const r = spawnSync("/usr/bin/python3", [peerScript("torch_check.py"), file], { env: { ...process.env, ...peerEnv(c) }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { loss: number; params: number };
    return { pgolf, peer: out.loss, params: out.params };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("given pgolf's weights, the peer computes pgolf's loss, with and without every option", { skip: noTorch, timeout: 120_000 }, async () => {
  const ref = await peerLoss(TINY);
  const golf = await peerLoss(GOLF_TINY);
  for (const r of [ref, golf]) assert.ok(Math.abs(r.pgolf - r.peer) < 1e-4 * Math.abs(r.pgolf), `pgolf ${r.pgolf} vs peer ${r.peer}`);
  // the options change the function (else the comparison above would not test them)
  assert.ok(Math.abs(golf.pgolf - ref.pgolf) > 1e-3, `${golf.pgolf} vs ${ref.pgolf}`);
});

test("the bench names the options that are on and counts BigramHash's projection in its FLOPs", () => {
  const c = gptConfig("cpu-small", { bigramBuckets: 4096, smearGate: true, ropeDims: 16, xsa: true, layers: 5 });
  assert.deepEqual(configOptions("cpu-small", c), ["BigramHash 4096x64", "SmearGate", "partial RoPE 16/64", "XSA", "layers 5"]);
  assert.deepEqual(configOptions("cpu-small", gptConfig("cpu-small")), []);
  // one [64 -> 256] GEMM per token: 6 x tokens x 64 x 256 per training step
  const base = gptConfig("cpu-small");
  assert.equal(trainFlops(gptConfig("cpu-small", { bigramBuckets: 4096 }), 32) - trainFlops(base, 32), 6 * 32 * 256 * 64 * 256);
  // the elementwise options are not counted
  assert.equal(trainFlops(gptConfig("cpu-small", { smearGate: true, ropeDims: 16, xsa: true }), 32), trainFlops(base, 32));
});
