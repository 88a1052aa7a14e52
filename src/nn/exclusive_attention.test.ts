// XSA against a direct loop (grouped KV heads included); gradients against finite differences.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../test/support/engine.js";
import { read } from "../engine/realize.js";
import { exclusive } from "./exclusive_attention.js";

test("exclusive: y minus its projection on the own value vector, per query head of a KV group; orthogonal to v", async () => {
  const [b, h, hkv, t, dh] = [2, 4, 2, 3, 5];
  const y = rand([b, h, t, dh], 11, { dtype: "float64" });
  const v = rand([b, hkv, t, dh], 12, { dtype: "float64" });
  const z = await read(exclusive(y, v));
  const ys = y.data!;
  const vs = v.data!;
  for (let n = 0; n < b; n++) {
    for (let q = 0; q < h; q++) {
      const kv = Math.floor(q / (h / hkv));
      for (let p = 0; p < t; p++) {
        const yo = ((n * h + q) * t + p) * dh;
        const vo = ((n * hkv + kv) * t + p) * dh;
        let yv = 0;
        let vv = 0;
        for (let j = 0; j < dh; j++) {
          yv += ys[yo + j] * vs[vo + j];
          vv += vs[vo + j] * vs[vo + j];
        }
        let dot = 0;
        for (let j = 0; j < dh; j++) {
          const want = ys[yo + j] - (yv / (vv + 1e-6)) * vs[vo + j];
          assert.ok(Math.abs(z[yo + j] - want) < 1e-12, `z[${n},${q},${p},${j}] ${z[yo + j]} vs ${want}`);
          dot += z[yo + j] * vs[vo + j];
        }
        assert.ok(Math.abs(dot) < 1e-5, `z . v = ${dot}`);
      }
    }
  }
  await gradcheck("exclusive", (a, c) => exclusive(a, c), [rand([1, 2, 2, 3], 13, { dtype: "float64" }), rand([1, 1, 2, 3], 14, { dtype: "float64" })]);
});
