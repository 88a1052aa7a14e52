// GPTQ through the real harness: the baseline entry with gptq_batches trains a tiny model on the
// embedded course, collects its Hessians on training batches inside the training time (the loop stops
// early enough to leave them room), exports with GPTQ and is scored. Its record passes pgolf's own
// check: the harness's timing line, which the check reads, closes training after the calibration, and
// it is within the cap (no over-time finding).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { TINY_ENTRY } from "../../test/support/tiny_entry.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { runSeeds } from "../eval/run_seeds.js";
import { initEntry } from "../train/init_entry.js";
import { checkRecord } from "./check.js";
import { readRecord } from "./read_record.js";
import { writeRecord } from "./record.js";

const TINY = TINY_ENTRY;

test("gptq_batches: Hessians on training data inside the cap, a GPTQ export that scores, a record that passes the check", { timeout: 300_000 }, async () => {
  const work = tempDir("pgolf-gptq-");
  const courseDir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "entry");
  await initEntry(entryDir);
  // the record's code must reproduce the run: the settings go into the entry's config.json
  const configFile = path.join(entryDir, "config.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), ...TINY, gptq_batches: 3 }, null, 2));
  const [run] = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.25, outDir: path.join(work, "runs") });
  const log = fs.readFileSync(run.log, "utf8");
  const line = /^gptq:hessians collected layers=(\d+) tokens=(\d+) \(training data\) time=([\d.]+)s$/m.exec(log);
  assert.ok(line, log.slice(-1500));
  assert.equal(Number(line[1]), 2 * 6, "every Linear of 2 blocks: c_q, c_k, c_v, proj, fc, proj");
  assert.equal(Number(line[2]), 3 * 2048);
  assert.ok(log.indexOf("stopping_early") < log.indexOf("gptq:hessians"), "calibration follows the loop");
  assert.ok(run.within_time, `train ${run.train_seconds} s for a ${run.cap_seconds} s cap`);
  assert.ok(run.val_bpb < 4, `val_bpb ${run.val_bpb}`);

  const dir = writeRecord({ seedDirs: [path.dirname(run.log)], outDir: path.join(work, "record"), author: "alice", name: "gptq" }).dir;
  const record = readRecord(dir);
  const seedLog = record.logs[0];
  // the harness's timing line closes training at ctx.trainingDone(), after calibration: the time the
  // check reads already holds it, so there is no post-stop work to add, and it is within the cap
  assert.match(seedLog.trainSeconds!.evidence.text ?? "", /^pgolf_timing: /);
  assert.deepEqual(seedLog.postStopTraining, []);
  const loopMs = Number(/stopping_early: wallclock_cap train_time:(\d+)ms/.exec(log)![1]);
  assert.ok(seedLog.trainSeconds!.value >= loopMs / 1000 + Number(line[3]) - 0.1, "the training time holds the loop and the calibration");
  assert.ok(seedLog.trainSeconds!.value <= 0.25 * 60, `the loop left calibration its room: ${seedLog.trainSeconds!.value} s`);
  assert.deepEqual(checkRecord(record).filter((f) => f.kind === "over-time"), []);
});
