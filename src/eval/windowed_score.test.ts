// Sliding-window evaluation (eval_stride) against its slow, obviously-correct reference: for each
// target t, logProbs on exactly the window the rule assigns (inputs windowStart(t)..t-1, one row) and
// its last row, compared bit for bit with the batched path, for many (L, S) and chunkings. S = L makes
// exactly the calls the non-overlapping host made before strides (so its scores are unchanged, bit for bit).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isPgolfError } from "../core/error.js";
import { setBackend, setThreads } from "../engine/backend.js";
import { logSoftmax } from "../engine/ops/index.js";
import { realize } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import type { WindowedModel } from "../entry/contract.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { evalWindow, windowStart, type EvalWindow } from "../entry/eval_window.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { windowedScore } from "./windowed_score.js";

const V = 16;

/**
 * A model whose row depends on every input of its window from the window's first token on, and on the
 * position in the window, computed row by row in float64 (so a row does not depend on the batch): a
 * wrong window start, a wrong row or a peek at a later token changes the answer.
 */
function contextModel(vocab: number): WindowedModel {
  return {
    async logProbs(ids, rows, len) {
      const out = new Float32Array(rows * len * vocab);
      for (let r = 0; r < rows; r++) {
        const logits = new Float64Array(vocab);
        for (let i = 0; i < len; i++) {
          // decaying memory of the window so far, plus the position in the window
          for (let v = 0; v < vocab; v++) logits[v] *= 0.9;
          logits[ids[r * len + i] % vocab] += 1;
          logits[(i * 7) % vocab] += 0.01 * i;
          let m = -Infinity;
          for (let v = 0; v < vocab; v++) m = Math.max(m, logits[v]);
          let z = 0;
          for (let v = 0; v < vocab; v++) z += Math.exp(logits[v] - m);
          for (let v = 0; v < vocab; v++) out[(r * len + i) * vocab + v] = logits[v] - m - Math.log(z);
        }
      }
      return out;
    },
  };
}

function stream(n: number, vocab: number, seed = 1): Int32Array {
  const s = new Int32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s[i] = (x >>> 16) % vocab;
  }
  return s;
}

/** The reference: target t's row from logProbs on exactly its window, inputs windowStart(t)..t-1. */
async function referenceRow(model: WindowedModel, w: EvalWindow, tokens: Int32Array, t: number): Promise<Float32Array> {
  const s = windowStart(t, w);
  const lp = await model.logProbs(tokens.slice(s, t), 1, t - s);
  return lp.slice((t - s - 1) * V, (t - s) * V);
}

/** The fast path over targets 1..T in chunks of the given sizes (cycled), as the host answers them. */
async function scoreInChunks(model: WindowedModel, w: EvalWindow, tokens: Int32Array, T: number, sizes: number[], vocab = V): Promise<Float32Array> {
  const out = new Float32Array(T * vocab);
  for (let start = 1, c = 0; start <= T; c++) {
    const n = Math.min(sizes[c % sizes.length], T + 1 - start);
    const lp = await windowedScore(model, w, vocab, tokens.slice(0, start), tokens.slice(start, start + n));
    out.set(lp, (start - 1) * vocab);
    start += n;
  }
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function compareWithReference(model: WindowedModel, w: EvalWindow, tokens: Int32Array, T: number, chunkings: number[][]): Promise<void> {
  const ref = new Float32Array(T * V);
  for (let t = 1; t <= T; t++) ref.set(await referenceRow(model, w, tokens, t), (t - 1) * V);
  for (const sizes of chunkings) {
    const fast = await scoreInChunks(model, w, tokens, T, sizes);
    for (let t = 1; t <= T; t++) {
      const row = (x: Float32Array) => x.subarray((t - 1) * V, t * V);
      assert.ok(sameBits(row(fast), row(ref)), `L ${w.seqLen} S ${w.stride} chunks ${sizes.join(",")}: target ${t} (window ${windowStart(t, w)}) differs from its reference row`);
    }
  }
}

test("windowStart: the first window scores 1..L; later targets get L - S + 1 to L tokens of context; S = L is the non-overlapping rule", () => {
  for (const [L, S] of [[8, 8], [8, 1], [8, 3], [8, 4], [1, 1], [64, 16]]) {
    const w = { seqLen: L, stride: S };
    for (let t = 1; t <= 10 * L + 7; t++) {
      const s = windowStart(t, w);
      assert.equal(s % S, 0, "on the stride grid");
      if (t <= L) assert.equal(s, 0);
      else assert.ok(t - s >= L - S + 1 && t - s <= L, `L ${L} S ${S} t ${t}: context ${t - s}`);
      // in the scored part of its window and of no later one
      assert.ok(t > s + L - S || s === 0);
      assert.ok(t <= s + L);
      if (S === L) assert.equal(s, Math.floor((t - 1) / L) * L);
    }
  }
});

test("the batched path equals each target's own window bit for bit (context model; S = L, S = 1, S not dividing L, split windows, the first window)", async () => {
  const tokens = stream(200, V);
  const chunkings = [[1], [7], [5, 13, 2], [64], [199]];
  for (const [L, S] of [[8, 8], [8, 1], [8, 3], [8, 5], [12, 8], [1, 1], [16, 4]]) {
    await compareWithReference(contextModel(V), { seqLen: L, stride: S }, tokens, 199, chunkings);
  }
});

test("a target's row depends only on its position and the tokens before it, not on the chunking or later tokens", async () => {
  const w = { seqLen: 10, stride: 3 };
  const tokens = stream(120, V, 7);
  const a = await scoreInChunks(contextModel(V), w, tokens, 119, [11]);
  const changed = tokens.slice();
  for (let i = 60; i < changed.length; i++) changed[i] = (changed[i] + 5) % V;
  const b = await scoreInChunks(contextModel(V), w, changed, 119, [4, 9]);
  // targets 1..60 read inputs before 60 only: their rows are the same
  assert.ok(sameBits(a.subarray(0, 60 * V), b.subarray(0, 60 * V)));
  assert.ok(!sameBits(a.subarray(60 * V, 61 * V), b.subarray(60 * V, 61 * V)), "target 61 reads the changed token 60");
});

test("S = L makes exactly the calls of the non-overlapping host (one batch per window length), so default scores are unchanged", async () => {
  const calls: string[] = [];
  const inner = contextModel(V);
  const recording: WindowedModel = {
    logProbs(ids, rows, len) {
      calls.push(`${rows}x${len}:${Array.from(ids).join(",")}`);
      return inner.logProbs(ids, rows, len);
    },
  };
  const tokens = stream(300, V, 3);
  for (const [L, sizes] of [[8, [5, 13, 2]], [16, [64]], [7, [299]], [32, [3]]] as [number, number[]][]) {
    calls.length = 0;
    await scoreInChunks(recording, evalWindow({ eval_seq_len: L }), tokens, 299, sizes);
    // the host before eval_stride: windows w = floor((t-1)/L) truncated at the chunk's last target,
    // grouped by length in order of first appearance, one logProbs call per length
    const expected: string[] = [];
    for (let start = 1, c = 0; start <= 299; c++) {
      const n = Math.min(sizes[c % sizes.length], 300 - start);
      const byLen = new Map<number, number[]>();
      for (let t = start; t < start + n; ) {
        const s = Math.floor((t - 1) / L) * L;
        const last = Math.min(s + L, start + n - 1);
        byLen.set(last - s, [...(byLen.get(last - s) ?? []), s]);
        t = last + 1;
      }
      for (const [len, starts] of byLen) expected.push(`${starts.length}x${len}:${starts.flatMap((s) => Array.from(tokens.slice(s, s + len))).join(",")}`);
      start += n;
    }
    assert.deepEqual(calls, expected, `L ${L} chunks ${sizes.join(",")}`);
  }
});

test("a real GPT on the ORT backend: the batched path equals each target's own window bit for bit", { timeout: 120_000 }, async () => {
  setBackend("ort");
  setThreads(2);
  const gpt = new GPT(gptConfig("cpu-small", { vocabSize: V, layers: 2, dim: 64, heads: 4, kvHeads: 2, seqLen: 32 }), { seed: 5 });
  const model: WindowedModel = {
    async logProbs(ids, rows, len) {
      const lp = logSoftmax(gpt.logits(Tensor.from(ids, [rows, len])), -1);
      await realize(lp);
      return lp.data as Float32Array;
    },
  };
  const tokens = stream(100, V, 11);
  for (const [L, S] of [[16, 16], [16, 4], [16, 5], [16, 1]]) {
    await compareWithReference(model, { seqLen: L, stride: S }, tokens, 99, [[23], [99]]);
  }
});

test("eval_stride: default eval_seq_len, integers 1..eval_seq_len, misspelt eval_* keys refused", () => {
  assert.deepEqual(evalWindow({}), { seqLen: 1024, stride: 1024 });
  assert.deepEqual(evalWindow({ eval_seq_len: 256 }), { seqLen: 256, stride: 256 });
  assert.deepEqual(evalWindow({ eval_seq_len: 256, eval_stride: 64 }), { seqLen: 256, stride: 64 });
  assert.deepEqual(evalWindow({ eval_seq_len: 256, eval_stride: 1 }), { seqLen: 256, stride: 1 });
  for (const bad of [0, -1, 257, 2.5, "64", null, true]) {
    assert.throws(
      () => evalWindow({ eval_seq_len: 256, eval_stride: bad }),
      (e: unknown) => isPgolfError(e, "CONFIG_INVALID") && /eval_stride/.test(e.message) && /eval_stride/.test(e.fix ?? "") && e.details?.key === "eval_stride",
      `eval_stride ${JSON.stringify(bad)}`,
    );
  }
  assert.throws(() => evalWindow({ eval_seq_len: 0 }), (e: unknown) => isPgolfError(e, "CONFIG_INVALID") && /eval_seq_len/.test(e.message));
  // the stride is checked against the window it belongs to (1024 when eval_seq_len is left out)
  assert.throws(() => evalWindow({ eval_stride: 2048 }), (e: unknown) => isPgolfError(e, "CONFIG_INVALID") && /1024/.test(e.message));

  const dir = tempDir();
  const write = (c: Record<string, unknown>) => fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(c));
  write({ eval_seq_len: 128, eval_stride: 32, lr: 1 });
  assert.deepEqual(readEntryConfig(dir).evalWindow, { seqLen: 128, stride: 32 });
  write({ eval_seq_len: 128, eval_strid: 32 });
  assert.throws(() => readEntryConfig(dir), (e: unknown) => isPgolfError(e, "CONFIG_UNKNOWN_KEY") && /eval_strid/.test(e.message) && e.file === path.join(dir, "config.json"));
  write({ eval_seq_len: 128, eval_stride: 256 });
  assert.throws(() => readEntryConfig(dir), (e: unknown) => isPgolfError(e, "CONFIG_INVALID") && e.file === path.join(dir, "config.json"));
});
