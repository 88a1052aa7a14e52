// SmearGate against a direct loop, its gradients against finite differences.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gradcheck, rand } from "../../test/support/engine.js";
import { read } from "../engine/realize.js";
import { smear } from "./smear_gate.js";

test("smear: (1 - g) x[t] + g x[t-1] per channel, each row starting from zero; gradients match finite differences", async () => {
  const [b, t, d] = [2, 3, 4];
  const x = rand([b, t, d], 1, { dtype: "float64" });
  const gate = rand([d], 2, { dtype: "float64", lo: -2, hi: 2 });
  const got = await read(smear(x, gate));
  const xs = x.data!;
  const g = Array.from(gate.data!, (v) => 1 / (1 + Math.exp(-v)));
  for (let r = 0; r < b; r++) {
    for (let p = 0; p < t; p++) {
      for (let c = 0; c < d; c++) {
        const i = (r * t + p) * d + c;
        const prev = p === 0 ? 0 : xs[i - d];
        const want = (1 - g[c]) * xs[i] + g[c] * prev;
        assert.ok(Math.abs(got[i] - want) < 1e-12, `[${r},${p},${c}]: ${got[i]} vs ${want}`);
      }
    }
  }
  await gradcheck("smear", (a, w) => smear(a, w), [x, gate]);
});
