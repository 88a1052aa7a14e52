// Attacks on the training clock, through the real harness (no mocks): hostile entries that try to get
// more training than the cap allows while the run is still reported within_time. The rule under test
// (core/track.ts, entry/contract.ts): ctx.trainingDone() ends the training loop; what follows runs on
// the export budget and must be export work only, on no training data. Each test writes a hostile
// entry (the baseline's folder with its entry.ts replaced), trains it with runSeeds on the local track
// with a cap of a few seconds and a tiny model, and ASSERTS THE SECURE BEHAVIOUR: the run is refused,
// or the attack's own data access or optimization after trainingDone() is blocked (the entry logs
// "attack: blocked ..."), or the run is reported over the cap (within_time: false) or flagged over-time
// by pgolf check. A test that fails documents a hole: its message quotes the entry's own evidence
// ("attack: ..." lines: steps and tokens trained after trainingDone()) and the harness's timing line.
//
// The variants: 1 trainingDone() at the start; 2 a stream reopened after it; 3 the loop's stream kept;
// 4 the view's shards read with node:fs; 5 ctx.trainingText(); 6 data prefetched into memory, optimized
// on after it; 7 GPTQ calibration on training batches after it; 8 a forged TRAIN_DONE frame on fd 1;
// 9 a checkpoint after it, a crash and a resume (the ledger keeps the loop's end); 10 a worker thread
// reading the shards; 11 training tokens in the artifact, trained on by load() in the evaluator; 12 a
// process entry's {"training_done": true} first; 13 weights trained before the run, shipped as code;
// 14 new steps started inside the over-cap grace.
//
// What an honest entry does, and every defense must still allow: train, call ctx.trainingDone(),
// quantize and compress for a few seconds, return the artifact.
//
// Written blind (by a session that had not seen the defenses) against the harness as it was: all 14
// got through. The defenses, for the class rather than the examples:
// - the training data closes at ctx.trainingDone(): every stream handed out throws, no new stream or
//   training text is given, no checkpoint is taken (train/train_child.ts; stops 2, 3, 5, 7, 9 inside
//   the entry, and the harness refuses a checkpoint frame after TRAIN_DONE, forged or not);
// - what the data guard cannot stop (prefetched data, node:fs, a worker, a forged TRAIN_DONE frame, a
//   process entry: 1, 4, 6, 8, 10, 12) is bounded by the export budget, now 15 s on cpu-10min-2mb
//   (2.5% of the cap; honest exports take 1.7 to 4.2 s, 8 to 9 s on a busy machine), and on a shorter
//   cap the same share, at least 15 s (train/harness.ts exportCapMsOf): each of these trains 18 s
//   after its TRAIN_DONE and is over;
// - the over-cap grace is 1% of the cap, at least 2 s and at most 10 s (entry/rules.ts
//   overCapGraceMs), so 14 is over.
// Open (skipped unless PGOLF_OPEN_ATTACKS=1, which runs them to show the hole): 11, training in load()
// on tokens packed in the artifact (bounded by the artifact's bytes and the evaluation cap), and 13,
// weights trained before the run shipped as code (counted as code bytes; a rules question the record's
// published code shows a reviewer). The runs here are the harness's alone (no scoring) unless an attack
// needs a score, and run four at a time: every verdict is by the harness's clock, which contention only
// lengthens, so the attacks stay over their budgets however slow the machine.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { TINY_ENTRY } from "../../test/support/tiny_entry.js";
import { track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { OVER_CAP_GRACE_MS } from "../entry/rules.js";
import { prepareCourse } from "../data/prepare.js";
import { runSeeds, type SeedRun } from "../eval/run_seeds.js";
import { trainSeed, type TrainSeedResult } from "../train/harness.js";
import { initEntry } from "../train/init_entry.js";
import { pythonProcessEntry } from "../../test/support/process_entry.js";
import { checkRecord } from "./check.js";
import { readRecord } from "./read_record.js";
import { writeRecord } from "./record.js";

const TINY = TINY_ENTRY;
/** The training cap of every run here, minutes (6 s; its export budget is then the 15 s floor, MIN_EXPORT_MS). */
const MINUTES = 0.1;
const CAP_MS = MINUTES * 60_000;
/** How long the attacks train after trainingDone(): more than the whole cap, and more than its export budget. */
const ATTACK_MS = 18_000;
/** The open attacks run only when asked (they show holes not closed yet). */
const OPEN = process.env.PGOLF_OPEN_ATTACKS === "1" ? false : "open: not defended yet (set PGOLF_OPEN_ATTACKS=1 to run it)";
const TIMEOUT = 240_000;

let coursePromise: Promise<string> | undefined;
/** The embedded course, prepared once for the file. */
function course(): Promise<string> {
  coursePromise ??= prepareCourse({ dir: path.join(tempDir("pgolf-clock-course-"), "data") }).then((c) => c.dir);
  return coursePromise;
}

/**
 * The hostile entry: a tiny GPT trained with the reference optimizer, with helpers the attacks share.
 * `body` runs inside train(ctx) and must end by returning `finish()`; `loadBody` (optional) replaces
 * the start of load(). Everything the attack wants the test to see goes through `say` ("attack: ...").
 */
function hostileEntry(body: string, o: { loadBody?: string; top?: string } = {}): string {
  return `// A hostile entry (src/submission/training_clock_attacks.test.ts): it tries to train outside the training clock.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { collectHessians, exportGPT, GPT, gptConfig, importGPT, logSoftmax, realize, REFERENCE_OPTIMIZER, Tensor, TrainStep, type EntryModel, type LoadContext, type TrainContext } from "pgolf";

const ATTACK_MS = ${ATTACK_MS};
${o.top ?? ""}
function modelConfig(c: Record<string, unknown>) {
  return gptConfig(String(c.model), (c.model_overrides ?? {}) as Record<string, unknown>);
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const c = ctx.config as { train_batch_tokens: number; export_keep_float_max_numel?: number };
  const cfg = modelConfig(ctx.config);
  const seq = cfg.seqLen;
  const B = c.train_batch_tokens;
  let model = new GPT(cfg, { seed: ctx.seed, keepFloatMaxNumel: c.export_keep_float_max_numel });
  let opt = new TrainStep(model, { ...REFERENCE_OPTIMIZER });
  /** Trains m from here on. */
  const adopt = (m: GPT) => {
    model = m;
    opt = new TrainStep(m, { ...REFERENCE_OPTIMIZER });
  };
  const say = (s: string) => ctx.log("attack: " + s);
  const since = (t0: number) => performance.now() - t0;
  const why = (e: unknown) => String((e as Error)?.message ?? e).split("\\n")[0].slice(0, 300);
  let steps = 0;
  /** One optimizer step on B + 1 consecutive tokens. */
  const step = async (tokens: ArrayLike<number>) => {
    const x = Int32Array.from({ length: B }, (_, i) => tokens[i]);
    const y = Int32Array.from({ length: B }, (_, i) => tokens[i + 1]);
    const loss = await opt.step(Tensor.from(x, [B / seq, seq]), Tensor.from(y, [B / seq, seq]));
    steps++;
    return loss;
  };
  /** Honest training until the next step would pass the cap (by the harness's clock, as the entry sees it). */
  const honest = async (next: () => ArrayLike<number>) => {
    let last = 0;
    const s0 = steps;
    for (;;) {
      if (ctx.clock.elapsedMs() + 1.5 * last + 300 >= ctx.clock.capMs) break;
      const t0 = performance.now();
      await step(next());
      last = since(t0);
    }
    return steps - s0;
  };
  /** Training for ms milliseconds on next(): the steps, the tokens and the loss of the last step. */
  const trainFor = async (ms: number, next: () => ArrayLike<number>) => {
    const t0 = performance.now();
    const s0 = steps;
    let tokens = 0;
    let loss = NaN;
    while (since(t0) < ms) {
      const b = next();
      tokens += b.length;
      loss = await step(b);
    }
    return { steps: steps - s0, tokens, ms: Math.round(since(t0)), loss };
  };
  const finish = () => exportGPT(model, { codec: "zlib", bits: 8, keepFloatMaxNumel: c.export_keep_float_max_numel });
  void collectHessians;
  void adopt;
  void Worker;
  void fs;
  void path;
${body}
}

export async function load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
${o.loadBody ?? "  const model = importGPT(artifact, modelConfig(ctx.config));"}
  return {
    async logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array> {
      const lp = logSoftmax(model.logits(Tensor.from(ids, [rows, seqLen])), -1);
      await realize(lp);
      return lp.data as Float32Array;
    },
  };
}
`;
}

interface Attempt {
  /** Set when runSeeds refused or failed the run. */
  refused: Error | null;
  run: (TrainSeedResult & Partial<SeedRun>) | null;
  log: string;
  /** The entry's "attack: ..." lines. */
  evidence: string[];
  timing: string;
  /** pgolf check's over-time errors on a record made of the run. */
  overTime: string[];
  work: string;
}

const attackLines = (log: string) => [...log.matchAll(/^(?:entry: )?attack: (.*)$/gm)].map((m) => m[1]);

/** Writes the hostile entry, trains and scores it once with the real harness, and checks its record. */
async function attempt(name: string, source: string | ((entryDir: string) => Promise<void> | void), o: { work?: string; config?: Record<string, unknown>; score?: boolean } = {}): Promise<Attempt> {
  const work = o.work ?? tempDir(`pgolf-clock-${name}-`);
  const entryDir = path.join(work, "entry");
  if (typeof source === "string") {
    if (!fs.existsSync(entryDir)) await initEntry(entryDir);
    const configFile = path.join(entryDir, "config.json");
    fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), ...TINY, ...o.config }, null, 2));
    fs.writeFileSync(path.join(entryDir, "entry.ts"), source);
  } else await source(entryDir);
  const outDir = path.join(work, "runs");
  const logFile = path.join(outDir, "seed_1", "train_seed1.log");
  let run: Attempt["run"] = null;
  let refused: Error | null = null;
  try {
    // the harness's verdict (within_time) is what every attack is judged by; scoring only where the attack needs it
    if (o.score) [run] = await runSeeds({ entryDir, courseDir: await course(), track: track("cpu-10min-2mb"), seeds: [1], minutes: MINUTES, outDir });
    else run = await trainSeed({ entryDir, course: openCourse(await course()), track: track("cpu-10min-2mb"), seed: 1, minutes: MINUTES, outDir: path.dirname(logFile) });
  } catch (e) {
    refused = e as Error;
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  let overTime: string[] = [];
  if (run && o.score) {
    try {
      const dir = writeRecord({ seedDirs: [path.dirname(run.log)], outDir: path.join(work, `record-${Date.now()}`), author: "mallory", name }).dir;
      overTime = checkRecord(readRecord(dir))
        .filter((f) => f.kind === "over-time" && f.severity === "error")
        .map((f) => f.message);
    } catch (e) {
      // a run the harness marked over the cap cannot become a record: that is a flag too
      overTime = [`record refused: ${(e as Error).message}`];
    }
  }
  const a: Attempt = { refused, run, log, evidence: attackLines(log), timing: /^pgolf_timing: .*$/m.exec(log)?.[0] ?? "(no timing line)", overTime, work };
  // the evidence, for the report (node --test prints it)
  process.stderr.write(`[${name}] ${a.refused ? `refused: ${a.refused.message.slice(0, 300)}` : a.timing}\n${a.evidence.map((l) => `[${name}]   attack: ${l}`).join("\n")}\n`);
  return a;
}

/** The secure outcome: refused, blocked inside the entry, or reported over the cap / flagged over-time. */
function assertStopped(a: Attempt, what: string): void {
  const blocked = a.evidence.some((l) => l.startsWith("blocked"));
  const flagged = a.run !== null && (!a.run.within_time || a.overTime.length > 0);
  const stopped = a.refused !== null || blocked || flagged;
  assert.ok(
    stopped,
    `HOLE: ${what} got through: the run is reported within_time:${a.run?.within_time} (train ${a.run?.train_seconds.toFixed(1)} s, export ${a.run?.export_seconds.toFixed(1)} s, cap ${a.run?.cap_seconds} s), pgolf check finds no over-time error.\n` +
      `  ${a.timing}\n${a.evidence.map((l) => `  attack: ${l}`).join("\n")}`,
  );
}

/** The attack really ran (or was stopped for the reason under test), not failed for an unrelated one. */
function assertAttackRan(a: Attempt, marker: RegExp): void {
  if (a.refused) return;
  assert.ok(
    a.evidence.some((l) => marker.test(l) || l.startsWith("blocked")),
    `the hostile entry did not report its attack (${marker}); log tail:\n${a.log.slice(-1500)}`,
  );
}

describe("the training clock under attack, through the real harness", { concurrency: 4 }, () => {
  it("control: the same entry played honestly (train, trainingDone, export) is within time beside the attacks", { timeout: TIMEOUT }, async () => {
    const a = await attempt(
      "honest",
      hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  stream.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps}\`);
  return finish();`),
    );
    assert.equal(a.refused, null, a.refused?.message);
    assert.ok(a.run!.within_time, `an honest run beside the attacks: ${a.timing}`);
    assert.ok(a.run!.export_seconds < 5, a.timing);
  });

  it("attack 1 (early trainingDone): done at the start, the whole training on the export budget", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "early-done",
    hostileEntry(`
  const stream = ctx.trainStream();
  // the export budget starts now: nothing of what follows is measured as training
  ctx.trainingDone();
  say(\`done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  try {
    r = await trainFor(CAP_MS + ATTACK_MS, () => stream.take(B + 1));
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  // calling it again at the real end changes nothing: the harness keeps the first
  ctx.trainingDone();
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`, { top: `const CAP_MS = ${CAP_MS} - 2000;` }),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "training entirely after an early trainingDone()");
});

  it("attack 2 (reopened stream): a fresh ctx.trainStream() after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "reopen-stream",
    hostileEntry(`
  const first = ctx.trainStream();
  const honestSteps = await honest(() => first.take(B + 1));
  first.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  try {
    const again = ctx.trainStream();
    r = await trainFor(ATTACK_MS, () => again.take(B + 1));
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "training on a stream reopened after trainingDone()");
});

  it("attack 3 (kept stream): the training loop's own stream read on after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "kept-stream",
    hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  try {
    r = await trainFor(ATTACK_MS, () => stream.take(B + 1));
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "training on a stream kept open past trainingDone()");
});

  it("attack 4 (direct file reads): the training view's shards read with node:fs after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "direct-fs",
    hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  stream.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  let files: string[] = [];
  try {
    // the paths, found the way any code in the process can: the stream names them, and the view is a folder
    const root = path.dirname(path.dirname(stream.files[0]));
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    files = walk(fs.existsSync("/data") ? "/data" : root).filter((f) => f.endsWith(".bin"));
    const tokens: Uint16Array[] = files.map((f) => {
      const b = fs.readFileSync(f);
      return new Uint16Array(b.buffer.slice(b.byteOffset + 1024, b.byteOffset + b.byteLength));
    });
    const all = tokens.reduce((n, t) => n + t.length, 0);
    say(\`read_after_done files=\${files.length} tokens=\${all} first=\${files[0]}\`);
    let at = 0;
    r = await trainFor(ATTACK_MS, () => {
      const t = tokens[0].subarray(at, at + B + 1);
      at = (at + B) % (tokens[0].length - B - 1);
      return t;
    });
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "reading the training shards with node:fs after trainingDone()");
});

  it("attack 5 (training text): ctx.trainingText() tokenized and trained on after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "training-text",
    hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  stream.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  try {
    const docs = ctx.trainingText();
    const ids: number[] = [];
    for (const d of docs) {
      ids.push(...ctx.tokenizer.encode(d));
      if (ids.length > 400_000) break;
    }
    say(\`read_after_done docs=\${docs.length} tokens=\${ids.length}\`);
    let at = 0;
    r = await trainFor(ATTACK_MS, () => {
      const t = ids.slice(at, at + B + 1);
      at = (at + B) % (ids.length - B - 1);
      return t;
    });
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "training on ctx.trainingText() after trainingDone()");
});

  it("attack 6 (prefetch): data read into memory during the loop, optimized on after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "prefetch",
    hostileEntry(`
  const stream = ctx.trainStream();
  // reading is cheap: 400 batches of tokens cost milliseconds of the training clock
  const t0 = performance.now();
  const stash = Array.from({ length: 400 }, () => stream.take(B + 1));
  say(\`prefetched batches=\${stash.length} tokens=\${stash.length * (B + 1)} ms=\${Math.round(since(t0))}\`);
  const honestSteps = await honest(() => stream.take(B + 1));
  stream.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let i = 0;
  let r;
  try {
    r = await trainFor(ATTACK_MS, () => stash[i++ % stash.length]);
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)} (no data read after trainingDone)\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "optimizer steps on prefetched training data after trainingDone()");
});

  it("attack 7 (calibration): GPTQ Hessians on fresh training batches after trainingDone(), not logged", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "calibration",
    hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let hessians;
  try {
    const t0 = performance.now();
    // calibration as long as the export budget allows: many batches, on the export clock
    const batches: Tensor[] = [];
    while (since(t0) < 2000 || batches.length < 8) {
      batches.push(Tensor.from(Int32Array.from(stream.take(B)), [B / seq, seq]));
      if (batches.length >= 64) break;
    }
    const cal = await collectHessians(model, batches);
    hessians = cal.byWeight;
    say(\`post_done calibration layers=\${hessians.size} tokens=\${cal.tokens} ms=\${Math.round(since(t0))}\`);
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  return exportGPT(model, { codec: "zlib", bits: 6, keepFloatMaxNumel: c.export_keep_float_max_numel, hessians });`),
  );
  assertAttackRan(a, /^post_done calibration/);
  assertStopped(a, "GPTQ calibration on training batches read after trainingDone()");
});

  it("attack 8 (forged frame): a TRAIN_DONE frame written straight to fd 1, ctx.trainingDone() never called", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "forged-frame",
    hostileEntry(
      `
  const stream = ctx.trainStream();
  // the protocol's frame for TRAIN_DONE (entry/protocol.ts): "PGEP", version 1, kind 25, JSON "{}  "
  const json = Buffer.from("{}  ");
  const head = Buffer.alloc(16);
  head.write("PGEP", 0, "latin1");
  head.writeUInt8(1, 4);
  head.writeUInt8(25, 5);
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(0, 12);
  try {
    fs.writeSync(1, Buffer.concat([head, json]));
  } catch (e) {
    say("blocked frame " + why(e));
  }
  say(\`forged_done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  let r;
  try {
    // as far as the entry's own process knows, training is still going: a guard on ctx.trainingDone() never trips
    r = await trainFor(CAP_MS + ATTACK_MS, () => stream.take(B + 1));
  } catch (e) {
    say("blocked " + why(e));
    return finish();
  }
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`,
      { top: `const CAP_MS = ${CAP_MS} - 2000;` },
    ),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "training after a forged TRAIN_DONE frame");
});

  it("attack 9 (checkpoint laundering): train after trainingDone(), checkpoint, crash, resume with the loop's end on the ledger", { timeout: TIMEOUT * 2 }, async () => {
  const source = hostileEntry(`
  const stream = ctx.trainStream();
  const saved = ctx.loadCheckpoint();
  if (!saved) {
    // first run: the export budget from (almost) the start, training on data prefetched before it
    // (so no guard on reads trips), then a checkpoint: the harness stored it with the loop's end
    // (trainingDone) as the time used. When ctx.saveCheckpoint() refuses, the frame is forged on fd 1.
    const stash = Array.from({ length: 64 }, () => stream.take(B + 1));
    ctx.trainingDone();
    say(\`first_run done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
    let i = 0;
    const r = await trainFor(ATTACK_MS, () => stash[i++ % stash.length]);
    const state = opt.saveState({ laundered_steps: r.steps, laundered_ms: r.ms, stream: stream.position });
    try {
      await ctx.saveCheckpoint(state);
      say("checkpoint saved by ctx.saveCheckpoint()");
    } catch (e) {
      say("blocked ctx.saveCheckpoint(): " + why(e) + "; forging the frame");
      // the protocol's frame for TRAIN_CHECKPOINT (entry/protocol.ts): "PGEP", version 1, kind 24, JSON "{}  ", the state
      const json = Buffer.from("{}  ");
      const head = Buffer.alloc(16);
      head.write("PGEP", 0, "latin1");
      head.writeUInt8(1, 4);
      head.writeUInt8(24, 5);
      head.writeUInt32LE(json.length, 8);
      head.writeUInt32LE(state.byteLength, 12);
      // stdout is a non-blocking pipe: a big frame goes out in parts
      const frame = Buffer.concat([head, json, Buffer.from(state)]);
      for (let off = 0; off < frame.length; ) {
        try {
          off += fs.writeSync(1, frame, off);
        } catch (e) {
          if ((e as { code?: string }).code !== "EAGAIN") throw e;
        }
      }
      say("forged checkpoint frame written bytes=" + frame.length);
      await new Promise((res) => setTimeout(res, 2000));
    }
    say(\`first_run post_done steps=\${r.steps} ms=\${r.ms}, checkpoint sent; crashing\`);
    throw new Error("a crash on purpose, after the checkpoint");
  }
  const meta = opt.loadState(saved);
  stream.seek(meta.stream as { shard: number; offset: number });
  say(\`resumed laundered_steps=\${meta.laundered_steps} laundered_ms=\${meta.laundered_ms} clock_at_resume_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  const honestSteps = await honest(() => stream.take(B + 1));
  ctx.trainingDone();
  say(\`second_run honest steps=\${honestSteps} total_steps=\${Number(meta.laundered_steps) + honestSteps}\`);
  return finish();`);
  const first = await attempt("launder", source);
  const work = first.work;
  assert.ok(first.refused, "the first run crashes on purpose (or the harness refuses its checkpoint frame)");
  // the attack ran: the checkpoint went out, by ctx or forged (the harness may stop the process on it, before it says more)
  assert.ok(first.evidence.some((l) => l.startsWith("first_run post_done") || l.endsWith("forging the frame")), `the attack ran: ${first.log.slice(-1200)}`);
  process.stderr.write(`[launder] first run: ${first.refused!.message.slice(0, 200)}\n`);
  const second = await attempt("launder", source, { work });
  const resumed = second.evidence.some((l) => l.startsWith("resumed"));
  process.stderr.write(`[launder] resumed:${second.run?.resumed ?? "-"} laundered_state_reached_run_2:${resumed}\n`);
  // the harness dropped or refused the laundered checkpoint (run 2 started fresh): stopped
  if (!resumed) return;
  assertStopped({ ...second, evidence: [...first.evidence, ...second.evidence] }, "training laundered through a checkpoint taken after trainingDone() and a crash");
});

  it("attack 10 (worker thread): a worker started during training reads the shards after trainingDone()", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "worker",
    hostileEntry(`
  const stream = ctx.trainStream();
  // a worker started while training is allowed; it waits, then reads the view's files on its own
  const worker = new Worker(
    \`const { parentPort, workerData } = require("node:worker_threads");
     const fs = require("node:fs");
     parentPort.once("message", () => {
       try {
         const b = fs.readFileSync(workerData.file);
         const t = new Uint16Array(b.buffer.slice(b.byteOffset + 1024, b.byteOffset + b.byteLength));
         parentPort.postMessage({ tokens: t }, [t.buffer]);
       } catch (e) {
         parentPort.postMessage({ error: String(e && e.message || e) });
       }
     });\`,
    { eval: true, workerData: { file: stream.files[0] } },
  );
  const honestSteps = await honest(() => stream.take(B + 1));
  stream.close();
  ctx.trainingDone();
  say(\`honest steps=\${honestSteps} done_at_ms=\${Math.round(ctx.clock.elapsedMs())}\`);
  const got = await new Promise<{ tokens?: Uint16Array; error?: string }>((resolve) => {
    worker.once("message", resolve);
    worker.once("error", (e) => resolve({ error: e.message }));
    worker.postMessage("go");
  });
  await worker.terminate();
  if (!got.tokens) {
    say("blocked " + got.error);
    return finish();
  }
  const tokens = got.tokens;
  say(\`read_after_done by_worker tokens=\${tokens.length}\`);
  let at = 0;
  const r = await trainFor(ATTACK_MS, () => {
    const t = tokens.subarray(at, at + B + 1);
    at = (at + B) % (tokens.length - B - 1);
    return t;
  });
  say(\`post_done steps=\${r.steps} tokens=\${r.tokens} ms=\${r.ms} loss=\${r.loss.toFixed(3)}\`);
  return finish();`),
  );
  assertAttackRan(a, /^post_done steps=\d+/);
  assertStopped(a, "a worker thread reading training data after trainingDone()");
});

  it("attack 11 (training in load()): training tokens packed into the artifact, trained on by load() in the evaluator", { timeout: TIMEOUT, skip: OPEN }, async () => {
  const LOAD_STEPS = 120;
  const a = await attempt(
    "load-train",
    hostileEntry(
      `
  const stream = ctx.trainStream();
  // one step of training on the clock: the real training happens in load()
  await step(stream.take(B + 1));
  const packed = stream.take(PACKED_TOKENS);
  ctx.trainingDone();
  const weights = await finish();
  say(\`packed training_tokens=\${packed.length} into the returned model (weights \${weights.length} B)\`);
  const out = new Uint8Array(4 + weights.length + 2 * packed.length);
  new DataView(out.buffer).setUint32(0, weights.length, true);
  out.set(weights, 4);
  out.set(new Uint8Array(Uint16Array.from(packed).buffer), 4 + weights.length);
  return out;`,
      {
        top: `const PACKED_TOKENS = 300_000;\nconst LOAD_STEPS = ${LOAD_STEPS};`,
        loadBody: `  const n = new DataView(artifact.buffer, artifact.byteOffset).getUint32(0, true);
  const model = importGPT(artifact.subarray(4, 4 + n), modelConfig(ctx.config));
  const tail = artifact.slice(4 + n);
  const tokens = new Uint16Array(tail.buffer, tail.byteOffset, tail.byteLength / 2);
  const seq = modelConfig(ctx.config).seqLen;
  const B = Number(ctx.config.train_batch_tokens);
  const opt = new TrainStep(model, { ...REFERENCE_OPTIMIZER });
  const t0 = performance.now();
  let steps = 0;
  // a fixed number of steps: every instance the evaluator starts must be the same model
  for (let at = 0; steps < LOAD_STEPS; at = (at + B) % (tokens.length - B - 1), steps++) {
    const x = Int32Array.from(tokens.subarray(at, at + B));
    const y = Int32Array.from(tokens.subarray(at + 1, at + B + 1));
    await opt.step(Tensor.from(x, [B / seq, seq]), Tensor.from(y, [B / seq, seq]));
  }
  process.stderr.write(\`attack: load() trained steps=\${steps} ms=\${Math.round(performance.now() - t0)}\\n\`);`,
      },
    ), { score: true });
  assertAttackRan(a, /^packed training_tokens=\d+/);
  if (a.run) {
    const uniformBpb = 10 * (a.run as SeedRun).tokens_per_byte;
    process.stderr.write(`[load-train] eval_seconds=${(a.run as SeedRun).eval_seconds.toFixed(1)} val_bpb=${(a.run as SeedRun).val_bpb.toFixed(4)} (uniform ${uniformBpb.toFixed(4)}, 1 step trained on the clock) bytes_model=${a.run.bytes_model}\n`);
    // one step on the clock leaves the model near uniform: a score well below it is load()'s training
    assert.ok((a.run as SeedRun).val_bpb < 0.85 * uniformBpb, `load() did not train: val_bpb ${(a.run as SeedRun).val_bpb} vs uniform ${uniformBpb}`);
  }
  if (a.refused) assert.doesNotMatch(a.refused.message, /answered differently|deterministic/, "refused for load()'s nondeterminism, not for its training: fix the attack");
  assertStopped(a, "training in load() on training tokens carried in the artifact");
});

  it("attack 12 (process entry): a Python train_command prints training_done first, then reads and counts every shard", { timeout: TIMEOUT }, async () => {
  const a = await attempt("process-entry", (entryDir) => {
    pythonProcessEntry(entryDir);
    // the test's bigram trainer (test/entries/python_bigram_train/train.py), turned hostile
    fs.writeFileSync(
      path.join(entryDir, "train.py"),
      `"""A hostile process entry (src/submission/training_clock_attacks.test.ts): all its training on the export budget."""
import json, os, sys, time, zlib
from array import array
from collections import Counter

START = time.monotonic()
ATTACK_S = ${ATTACK_MS / 1000}


def read_shard(path):
    with open(path, "rb") as f:
        data = f.read()
    tokens = array("H")
    tokens.frombytes(data[1024:])
    return tokens


def main():
    vocab = int(os.environ["PGOLF_VOCAB_SIZE"])
    files = os.environ["PGOLF_TRAIN_FILES"].split(os.pathsep)
    # the export budget starts here, before a single token is read
    print(json.dumps({"training_done": True}), flush=True)
    print(f"attack: done_at_ms={(time.monotonic() - START) * 1000:.0f}", flush=True)
    t0 = time.monotonic()
    counts = Counter()
    tokens = 0
    passes = 0
    try:
        while passes == 0 or time.monotonic() - t0 < ATTACK_S:
            for p in files:
                t = read_shard(p)
                counts.update(a * vocab + b for a, b in zip(t, t[1:]))
                tokens += len(t)
            passes += 1
    except OSError as e:
        print(f"attack: blocked {e}", flush=True)
    print(f"attack: post_done passes={passes} tokens={tokens} ms={(time.monotonic() - t0) * 1000:.0f}", flush=True)
    dense = array("I", bytes(4 * vocab * vocab))
    for k, c in counts.items():
        dense[k] = c
    head = b"PYBC" + vocab.to_bytes(4, "little") + array("f", [0.1]).tobytes()
    with open(os.environ["PGOLF_ARTIFACT"], "wb") as f:
        f.write(head + zlib.compress(dense.tobytes(), 9))


main()
`,
    );
  });
  assertAttackRan(a, /^post_done passes=[1-9]/);
  assertStopped(a, "a process entry training entirely after its training_done line");
});

  it("attack 13 (weights in code): weights trained before the run, shipped as an entry file, trained on for the cap", { timeout: TIMEOUT * 2, skip: OPEN }, async () => {
  // "offline" training: here one more run of the cap; it could be days on any machine
  const offline = await attempt(
    "offline",
    hostileEntry(`
  const stream = ctx.trainStream();
  const honestSteps = await honest(() => stream.take(B + 1));
  ctx.trainingDone();
  say(\`offline steps=\${honestSteps}\`);
  return finish();`), { score: true });
  assert.ok(offline.run, offline.refused?.message);
  const offlineSteps = offline.evidence.find((l) => l.startsWith("offline")) ?? "";
  const a = await attempt("weights-in-code", async (entryDir) => {
    await initEntry(entryDir);
    const configFile = path.join(entryDir, "config.json");
    fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), ...TINY }, null, 2));
    // a file of the entry: it counts as code bytes, and the sealed copy holds it
    fs.copyFileSync(offline.run!.artifact, path.join(entryDir, "init.bin"));
    fs.writeFileSync(
      path.join(entryDir, "entry.ts"),
      hostileEntry(`
  const shipped = new Uint8Array(fs.readFileSync(new URL("./init.bin", import.meta.url)));
  adopt(importGPT(shipped, cfg));
  const stream = ctx.trainStream();
  const first = await step(stream.take(B + 1));
  say(\`started from shipped weights size=\${shipped.length} (${offlineSteps}) first_step_loss=\${first.toFixed(3)}\`);
  const honestSteps = await honest(() => stream.take(B + 1));
  ctx.trainingDone();
  say(\`on_clock steps=\${honestSteps + 1}\`);
  return finish();`),
    );
  }, { score: true });
  assertAttackRan(a, /^started from shipped weights/);
  if (a.run && offline.run) process.stderr.write(`[weights-in-code] val_bpb offline-only ${(offline.run as SeedRun).val_bpb.toFixed(4)} -> shipped+cap ${(a.run as SeedRun).val_bpb.toFixed(4)}; bytes_code ${a.run.bytes_code}\n`);
  assertStopped(a, "weights trained outside the run, shipped in the entry's code");
});

  it("attack 14 (grace): new steps started past the cap, up to the end of the old flat 10 s grace", { timeout: TIMEOUT }, async () => {
  const a = await attempt(
    "grace",
    hostileEntry(
      `
  const stream = ctx.trainStream();
  let afterCap = 0;
  let last = 0;
  // the grace is for finishing the step in progress at the cap; this loop starts new ones until the grace is nearly gone
  while (ctx.clock.elapsedMs() + 1.5 * last + 1000 < ctx.clock.capMs + GRACE_MS) {
    if (ctx.clock.elapsedMs() >= ctx.clock.capMs) afterCap++;
    const t0 = performance.now();
    await step(stream.take(B + 1));
    last = since(t0);
  }
  ctx.trainingDone();
  say(\`steps=\${steps} started_after_cap=\${afterCap} done_at_ms=\${Math.round(ctx.clock.elapsedMs())} cap_ms=\${ctx.clock.capMs}\`);
  return finish();`,
      { top: `const GRACE_MS = ${OVER_CAP_GRACE_MS};` },
    ),
  );
  assertAttackRan(a, /started_after_cap=[1-9]/);
  assertStopped(a, "steps started after the cap, inside the over-cap grace");
});
});
