// Score-first LoRA test-time training through the trusted evaluator: the baseline template with
// ttt_lora_rank set, given an artifact trained here for a fixed number of steps (so the test does not
// depend on how fast the machine is), is scored as a streaming model in its sandboxed processes with
// a fresh prober instance on every chunk. It passes C1..C4 (it learns from each chunk only at OBSERVE,
// after its rows were scored, and both instances learn the same chunks in the same order, so their
// rows agree bit for bit) and scores better than the same artifact without TTT. The same code that
// learns from a chunk inside score(), before returning its rows, is refused with EVAL_CAUSALITY and
// no score.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { withBackend } from "../../test/support/engine.js";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { TINY_ENTRY } from "../../test/support/tiny_entry.js";
import { track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { prepareCourse } from "../data/prepare.js";
import { TokenStream } from "../data/token_stream.js";
import { Tensor } from "../engine/tensor.js";
import { scoreArtifact } from "../eval/run_seeds.js";
import { gptConfig } from "../model/config.js";
import { GPT } from "../model/gpt.js";
import { initEntry } from "../train/init_entry.js";
import { REFERENCE_OPTIMIZER, TrainStep } from "../train/train_step.js";
import { exportGPT } from "./export_gpt.js";

const TINY = TINY_ENTRY;
const TTT = { ttt_lora_rank: 4, ttt_lr: 0.03, ttt_steps: 2 };
/** Training steps of the artifact: a model still learning fast, which TTT's chunks can teach. */
const STEPS = 40;

test("ttt_lora_rank: a streaming model that learns after scoring passes every check and beats the same artifact without TTT; learning inside score() is caught", { timeout: 400_000 }, async () => {
  const work = tempDir("pgolf-ttt-");
  const courseDir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "entry");
  await initEntry(entryDir);
  const configFile = path.join(entryDir, "config.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), ...TINY }, null, 2));
  const t = track("cpu-10min-2mb");
  // STEPS steps of the reference optimizer on the course's first training tokens, exported as the template exports
  const course = openCourse(courseDir);
  const artifactFile = path.join(work, "artifact.bin");
  await withBackend("ort", async () => {
    const model = new GPT(gptConfig("cpu-small", TINY.model_overrides), { seed: 1 });
    const opt = new TrainStep(model, REFERENCE_OPTIMIZER);
    const stream = new TokenStream(course.trainFiles, course.vocabSize);
    for (let i = 0; i < STEPS; i++) {
      const b = stream.nextBatch(TINY.train_batch_tokens, 64);
      await opt.step(Tensor.from(b.x, [b.rows, 64]), Tensor.from(b.y, [b.rows, 64]));
    }
    stream.close();
    fs.writeFileSync(artifactFile, await exportGPT(model, { bits: 6, codec: "zlib", keepFloatMaxNumel: 16_384 }));
  });
  // 4 chunks of 2,048 targets, every one probed by the fresh instance
  const score = (dir: string, overrides: Record<string, unknown>) => scoreArtifact({ entryDir: dir, artifactFile, courseDir, track: t, configOverrides: overrides, maxTargets: 8192, probes: 4, probeSeed: 11 });
  const plain = await score(entryDir, {});
  const ttt = await score(entryDir, TTT);
  assert.equal(ttt.model, "streaming");
  assert.equal(plain.model, "windowed");
  for (const [name, v] of Object.entries(ttt.verdicts)) assert.ok(v.pass, `${name}: ${JSON.stringify(v.evidence)}`);
  assert.equal(ttt.checks.causality.probes, 4);
  assert.ok(ttt.checks.causality.rows_compared > 0);
  assert.equal(ttt.targets, plain.targets);
  assert.equal(ttt.bytes, plain.bytes);
  process.stderr.write(`# TTT: val_bpb ${plain.val_bpb.toFixed(4)} without, ${ttt.val_bpb.toFixed(4)} with (${STEPS} training steps, 8,192 targets)\n`);
  assert.ok(ttt.val_bpb < plain.val_bpb - 0.01, `TTT ${ttt.val_bpb} vs without ${plain.val_bpb}`);

  // the attack: learn from the chunk's own tokens before scoring them (the score then has seen its targets)
  const hostileDir = path.join(work, "hostile");
  fs.cpSync(entryDir, hostileDir, { recursive: true });
  const entryFile = path.join(hostileDir, "entry.ts");
  const honest = "score: (tokens: Int32Array, history: Int32Array) => windowedScore(windowed, window, ctx.vocabSize, history, tokens),";
  const code = fs.readFileSync(entryFile, "utf8");
  assert.ok(code.includes(honest), "the template's score() line");
  fs.writeFileSync(entryFile, code.replace(honest, "score: async (tokens: Int32Array, history: Int32Array) => { await ttt.learn(tokens, history); return windowedScore(windowed, window, ctx.vocabSize, history, tokens); },"));
  await rejectsWith(score(hostileDir, TTT), "EVAL_CAUSALITY", (e) => {
    assert.equal((e.details as { result?: { val_bpb?: number } }).result?.val_bpb, undefined, "no score");
  });
});
