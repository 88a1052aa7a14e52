import assert from "node:assert/strict";
import { test } from "node:test";
import { isPgolfError, type ErrorCode } from "../core/error.js";
import { Rng } from "../core/random.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { readFrameHeader } from "./compress.js";
import { exportGPT, importGPT, importLimitBytes } from "./export_gpt.js";
import { CONTROL_TENSOR_NAME_PATTERNS } from "./quantize_int8.js";

async function rejectsCode(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  await assert.rejects(
    async () => (typeof p === "function" ? p() : p),
    (e: unknown) => {
      assert.ok(isPgolfError(e), `expected a PgolfError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      return true;
    },
  );
}

// Tiny, but with tok_emb over the 65,536-element line (1024 x 128): one int8 per-row matrix, the
// other matrices fp16, the control tensors fp32 — every path of the export.
const CONFIG = gptConfig("cpu-small", { layers: 2, dim: 128, heads: 4, kvHeads: 2, seqLen: 16 });

/** A GPT with every parameter random (the init zeroes the output projections, hiding them). */
function trainedLikeGPT(): GPT {
  const model = new GPT(CONFIG, { seed: 1 });
  const rng = new Rng(2);
  for (const [name, p] of model.namedParameters()) {
    const control = CONTROL_TENSOR_NAME_PATTERNS.some((c) => name.includes(c));
    const std = name.startsWith("tok_emb") ? 0.5 : 1 / Math.sqrt(p.shape[p.rank - 1]);
    p.assign(Float32Array.from({ length: p.size }, () => (control ? 1 + rng.normal(0, 0.1) : rng.normal(0, std))));
  }
  return model;
}

const ids = Tensor.from(
  Array.from({ length: 2 * 8 }, (_, i) => (i * 37 + 11) % CONFIG.vocabSize),
  [2, 8],
  { dtype: "int32" },
);

async function logitsOf(model: GPT): Promise<Float32Array> {
  return (await read(model.logits(ids))) as Float32Array;
}

test("export -> import keeps the logits close (zlib and best), and the control tensors exact", async () => {
  const model = trainedLikeGPT();
  const before = await logitsOf(model);
  let spread = 0;
  for (const v of before) spread = Math.max(spread, Math.abs(v));
  const sizes: Record<string, number> = {};
  for (const codec of ["zlib", "best"] as const) {
    const bytes = await exportGPT(model, { codec });
    sizes[codec] = bytes.length;
    const back = importGPT(bytes, CONFIG);
    const after = await logitsOf(back);
    let worst = 0;
    for (let i = 0; i < before.length; i++) worst = Math.max(worst, Math.abs(before[i] - after[i]));
    console.log(`${codec}: logits moved by at most ${worst.toExponential(2)} (largest ${spread.toFixed(2)})`);
    assert.ok(worst < 0.02 * spread, `${codec}: logits moved by ${worst} (largest logit ${spread})`);
    assert.ok(worst > 0, "quantization changes something");
    const original = new Map(model.namedParameters());
    for (const [name, p] of back.namedParameters()) {
      if (CONTROL_TENSOR_NAME_PATTERNS.some((c) => name.includes(c))) assert.deepEqual(p.data, original.get(name)!.data, `${name} is kept exactly`);
    }
  }
  assert.ok(sizes.best <= sizes.zlib, `best ${sizes.best} <= zlib ${sizes.zlib}`);
  console.log(`tiny GPT (${model.parameterCount()} params): zlib ${sizes.zlib} bytes, best ${sizes.best} bytes`);
});

test("fewer bits with the clip search give a smaller artifact that still imports", async () => {
  const model = trainedLikeGPT();
  const int8 = await exportGPT(model, { codec: "zlib" });
  const int6 = await exportGPT(model, { codec: "zlib", bits: 6, clipSearch: true });
  assert.ok(int6.length < int8.length, `int6 ${int6.length} < int8 ${int8.length}`);
  const back = importGPT(int6, CONFIG);
  const before = await logitsOf(model);
  const after = await logitsOf(back);
  let spread = 0;
  let worst = 0;
  for (let i = 0; i < before.length; i++) {
    spread = Math.max(spread, Math.abs(before[i]));
    worst = Math.max(worst, Math.abs(before[i] - after[i]));
  }
  assert.ok(worst < 0.05 * spread, `int6 logits moved by ${worst} (largest ${spread})`);
});

test("a corrupted byte fails with the checksum error; a wrong config with ARTIFACT_MODEL", async () => {
  const model = trainedLikeGPT();
  const bytes = await exportGPT(model);
  assert.equal(readFrameHeader(bytes, { maxOutputBytes: importLimitBytes(model.parameterCount()) }).codec, "zlib");
  for (const at of [5, Math.floor(bytes.length / 2), bytes.length - 40]) {
    const bad = bytes.slice();
    bad[at] ^= 0x20;
    await rejectsCode(() => importGPT(bad, CONFIG), "ARTIFACT_CHECKSUM");
  }
  await rejectsCode(() => importGPT(bytes, { ...CONFIG, layers: 3 }), "ARTIFACT_MODEL");
  await rejectsCode(() => importGPT(bytes, { ...CONFIG, layers: 1 }), "ARTIFACT_MODEL");
  await rejectsCode(() => importGPT(bytes, { ...CONFIG, kvHeads: 4 }), "ARTIFACT_MODEL");
  // The limit comes from the config: an artifact bigger than the model could need is refused.
  await rejectsCode(() => importGPT(bytes, CONFIG, { maxBytes: 1000 }), "ARTIFACT_TOO_LARGE");
});
