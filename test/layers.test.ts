// The architecture rules of eslint.config.js really fire: an upward import and a second onnxruntime
// importer are errors; allowed imports are not.
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { ESLint } from "eslint";
import { PROJECT_ROOT } from "./support/fixtures.js";

const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, file) });
  return r.messages.map((m) => m.ruleId ?? m.message);
}

test("data may import core but not engine, train or cli", async () => {
  assert.deepEqual(await ruleIds("src/data/x.ts", 'import { PgolfError } from "../core/error.js";\nexport const e = PgolfError;\n'), []);
  assert.deepEqual(await ruleIds("src/data/x.ts", 'import { a } from "../engine/tensor.js";\nexport const b = a;\n'), ["pgolf/layers"]);
  assert.deepEqual(await ruleIds("src/data/tokenizer/x.ts", 'import { a } from "../../cli/main.js";\nexport const b = a;\n'), ["pgolf/layers"]);
});

test("core imports nothing above it; cli may import everything", async () => {
  assert.deepEqual(await ruleIds("src/core/x.ts", 'import { a } from "../data/shard.js";\nexport const b = a;\n'), ["pgolf/layers"]);
  assert.deepEqual(await ruleIds("src/cli/x.ts", 'import { a } from "../data/shard.js";\nexport const b = a;\n'), []);
});

test("dynamic imports are checked too", async () => {
  assert.deepEqual(await ruleIds("src/engine/x.ts", 'export const m = () => import("../model/gpt.js");\n'), ["pgolf/layers"]);
});

test("only the one runtime module may import onnxruntime-node", async () => {
  assert.deepEqual(await ruleIds("src/engine/ops/x.ts", 'import * as ort from "onnxruntime-node";\nexport const o = ort;\n'), ["pgolf/one-onnxruntime"]);
  assert.deepEqual(await ruleIds("src/engine/ort/runtime.ts", 'import * as ort from "onnxruntime-node";\nexport const o = ort;\n'), []);
});
