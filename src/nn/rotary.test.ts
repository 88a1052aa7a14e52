// Partial RoPE: the first dims rotate as a full RoPE of that width, the rest pass through, so the
// rotated part's q.k depends on the distance only and the rest's not at all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rand } from "../../test/support/engine.js";
import { applyRotary, matmul, rotaryTables, sliceAxis, transpose } from "../engine/ops/index.js";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { partialRotary } from "./rotary.js";

test("partial rotary: the first dims as applyRotary of that width, the others untouched; dot products by distance", async () => {
  const [t, dh, r] = [5, 8, 4];
  const { cos, sin } = rotaryTables(t, r, 10000, "float64");
  const x = rand([2, t, dh], 3, { dtype: "float64" });
  const out = await read(partialRotary(x, cos, sin, r));
  const head = await read(applyRotary(sliceAxis(x, 2, 0, r), cos, sin));
  for (let v = 0; v < 2 * t; v++) {
    for (let j = 0; j < dh; j++) {
      const want = j < r ? head[v * r + j] : x.data![v * dh + j];
      assert.equal(out[v * dh + j], want, `[${v}, ${j}]`);
    }
  }
  // the same content at every position: the rotated part's dots depend on i - j, the rest are equal
  const one = Array.from(rand([dh], 4, { dtype: "float64" }).data!);
  const rows = Tensor.from(Array.from({ length: t }, () => one).flat(), [t, dh], { dtype: "float64" });
  const p = partialRotary(rows, cos, sin, r);
  const rot = await read(matmul(sliceAxis(p, 1, 0, r), transpose(sliceAxis(p, 1, 0, r))));
  const rest = await read(matmul(sliceAxis(p, 1, r, dh), transpose(sliceAxis(p, 1, r, dh))));
  for (let i = 1; i < t; i++) {
    for (let j = 1; j < t; j++) {
      // the tables are float32 (as the reference computes them): cos^2 + sin^2 = 1 +- 1e-7
      assert.ok(Math.abs(rot[i * t + j] - rot[(i - 1) * t + (j - 1)]) < 1e-6 * Math.max(1, Math.abs(rot[0])), `rotated dot at (${i}, ${j})`);
      assert.ok(Math.abs(rest[i * t + j] - rest[0]) < 1e-12, `pass-through dot at (${i}, ${j})`);
    }
  }
  const full = rotaryTables(t, dh, 10000, "float64");
  assert.deepEqual(await read(partialRotary(x, full.cos, full.sin, dh)), await read(applyRotary(x, full.cos, full.sin)));
});
