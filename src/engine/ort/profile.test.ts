import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { rand, withBackend } from "../../../test/support/engine.js";
import { tempDir } from "../../../test/support/fixtures.js";
import { endOrtProfiling, setOrtProfiling } from "../backends/ort.js";
import { add, matmul } from "../ops/index.js";
import { realize } from "../realize.js";
import { summarizeProfile } from "./profile.js";

test("onnxruntime's profiler gives time per op type, warm-up runs left out", async () => {
  const dir = tempDir();
  await withBackend("ort", async () => {
    setOrtProfiling(path.join(dir, "p"));
    try {
      for (let i = 0; i < 3; i++) await realize(add(matmul(rand([64, 32], 1, { dtype: "float32" }), rand([32, 16], 2, { dtype: "float32" })), rand([16], 3, { dtype: "float32" })));
      await endOrtProfiling();
    } finally {
      setOrtProfiling(undefined);
    }
  });
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f))[0];
  const all = summarizeProfile(file);
  const later = summarizeProfile(file, { skipRuns: 1 });
  assert.equal(all.runs, 3);
  assert.equal(later.runs, 2);
  const ops = all.ops.map((o) => o.op);
  assert.ok(ops.some((o) => /MatMul|Gemm/.test(o)), `ops: ${ops.join(", ")}`);
  const calls = (s: typeof all) => s.ops.reduce((a, o) => a + o.calls, 0);
  assert.equal(calls(later) * 3, calls(all) * 2, "each run executes the same nodes");
});
