// Findings on hand-made normalized records, one disagreement at a time: each kind fires on the
// record that has the problem, names its evidence, and stays quiet on a clean record.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "../../test/support/fixtures.js";
import { TRACKS } from "../core/track.js";
import { checkRecord, checkRecords, IMPLAUSIBLE_GAIN, postStopOverTime } from "./check.js";
import { parseLog } from "./log_parse.js";
import { normalizedRecord, seedLog } from "../../test/support/records.js";
import type { NormalizedRecord } from "./normalized_record.js";

const log = seedLog;
const rec = normalizedRecord;
const three = (a: number, b: number, c: number) => [log("train_seed1.log", 1, a), log("train_seed2.log", 2, b), log("train_seed3.log", 3, c)];
const kinds = (r: NormalizedRecord) => checkRecord(r).map((f) => f.kind);

test("a clean 3-seed record has no findings", () => {
  assert.deepEqual(checkRecord(rec("clean", "2026-03-20", three(1.2, 1.201, 1.202), 1.201)), []);
});

test("score-mismatch: the best seed reported as the mean, and a claim the logs do not give", () => {
  const f = checkRecord(rec("best", "2026-03-20", three(1.2, 1.21, 1.22), 1.2));
  assert.equal(f.length, 1);
  assert.equal(f[0].kind, "score-mismatch");
  assert.match(f[0].message, /best seed/);
  assert.deepEqual(f[0].evidence[0], { file: "submission.json", line: 4 });
  assert.deepEqual(kinds(rec("off", "2026-03-20", three(1.2, 1.21, 1.22), 1.1)), ["score-mismatch"]);
  // a claim rounded to its written decimals matches
  assert.deepEqual(kinds(rec("rounded", "2026-03-20", three(1.22431, 1.22433, 1.22432), 1.2243)), []);
});

test("missing-file: a claimed 3-seed result with one log, and claimed seeds without logs", () => {
  const r = rec("one-log", "2026-03-20", [log("train.log", 1, 1.2)], 1.2);
  r.claims.seedCount = { value: 3, evidence: { file: "submission.json", line: 9 } };
  r.claims.seeds = [1, 2, 3].map((seed) => ({ seed, val_bpb: 1.2, val_loss: null, bytes_total: null, evidence: { file: "submission.json", line: 10 + seed } }));
  const f = checkRecord(r);
  assert.deepEqual(f.map((x) => x.kind).sort(), ["missing-file", "missing-file", "missing-file"]);
  assert.ok(f.some((x) => /3-seed result; one log/.test(x.message)));
});

test("seed-mismatch: a file named for one seed whose run used another", () => {
  const f = checkRecord(rec("seeds", "2026-03-20", [log("train_seed1.log", 1, 1.2), log("train_seed2.log", 7, 1.201), log("train_seed3.log", 3, 1.202)], 1.201));
  assert.deepEqual(f.map((x) => x.kind), ["seed-mismatch"]);
  assert.match(f[0].message, /named for seed 2, but the run in it used seed 7/);
});

test("duplicate-log, over-size (also when only the model was counted) and over-time", () => {
  const dup = three(1.2, 1.2, 1.201);
  dup[1] = { ...dup[1], sha256: dup[0].sha256 };
  assert.ok(kinds(rec("dup", "2026-03-20", dup, 1.20033)).includes("duplicate-log"));
  const big = three(1.2, 1.201, 1.202).map((l) => ({ ...l, bytesTotal: { value: 16_000_001, evidence: { file: l.log, line: 90 } } }));
  assert.ok(kinds(rec("big", "2026-03-20", big, 1.201)).includes("over-size"));
  const modelOnly = three(1.2, 1.201, 1.202).map((l) => ({ ...l, bytesTotal: null, bytesModel: { value: 15_990_000, evidence: { file: l.log, line: 88 } } }));
  const r = rec("model-only", "2026-03-20", modelOnly, 1.201);
  r.claims.bytes_total = { value: 15_990_000, evidence: { file: "submission.json", line: 6 } };
  const f = checkRecord(r);
  assert.ok(f.some((x) => x.kind === "over-size" && /counts only the model/.test(x.message)), JSON.stringify(f));
  const slow = three(1.2, 1.201, 1.202);
  slow[2] = { ...slow[2], trainSeconds: { value: 650, evidence: { file: slow[2].log, line: 80 } } };
  assert.deepEqual(kinds(rec("slow", "2026-03-20", slow, 1.201)), ["over-time"]);
  // the non-record track has no time cap
  assert.deepEqual(kinds(rec("slow-nr", "2026-03-20", slow, 1.201, { track: "non-record-16mb" })), []);
});

test("the frontier in submission order: too-few-seeds, not-significant, and a significant record entering", () => {
  const out = checkRecords([
    rec("b-later-not-significant", "2026-03-22", three(1.199, 1.1985, 1.1995), 1.199),
    rec("a-first", "2026-03-20", three(1.2, 1.201, 1.202), 1.201),
    rec("c-one-seed", "2026-03-23", [log("train_seed1.log", 1, 1.1)], 1.1),
    rec("d-significant", "2026-03-24", three(1.18, 1.1805, 1.181), 1.1805),
    rec("e-broken", "2026-03-25", three(1.0, 1.0, 1.0).map((l) => ({ ...l, bytesTotal: { value: 17_000_000, evidence: { file: l.log, line: 90 } } })), 1.0),
  ]);
  const by = Object.fromEntries(out.map((c) => [c.id, c]));
  assert.equal(by["a-first"].frontier?.outcome, "started");
  assert.equal(by["b-later-not-significant"].frontier?.outcome, "not-significant");
  assert.ok(by["b-later-not-significant"].findings.some((f) => f.kind === "not-significant" && /p = /.test(f.message)));
  assert.equal(by["c-one-seed"].frontier?.outcome, "too-few-seeds");
  assert.ok(by["c-one-seed"].findings.some((f) => f.kind === "too-few-seeds"));
  assert.equal(by["d-significant"].frontier?.outcome, "entered");
  assert.equal(by["d-significant"].frontier?.against, "a-first");
  assert.equal(by["d-significant"].passes, true);
  assert.equal(by["e-broken"].frontier?.outcome, "ineligible");
  assert.equal(by["e-broken"].passes, false);
});

/** A seed log parsed from text that stops at `trainMs` and then logs `after` (GPTQ lines). */
function stoppedLog(name: string, seed: number, trainMs: number, after: string[]) {
  const text = [
    "Hyperparameters:",
    `  seed: ${seed}`,
    "4500/20000 train_loss: 2.8806 train_time: 8.8m tok/s: 6718915",
    `stopping_early: wallclock_cap train_time: ${trainMs}ms step: 4915/20000`,
    ...after,
    "Total submission size int6+brotli: 15900000 bytes",
    `quantized_sliding_window val_loss:2.7890 val_bpb:1.1${seed} eval_time:98000ms`,
  ].join("\n");
  return { ...parseLog(text, name), sha256: `${name}-sha` };
}

test("over-time: GPTQ calibration on training data logged after the wallclock stop counts toward the training cap", () => {
  const calib = (secs: number) => ["gptq:calibrating with 64 batches (training data)...", `gptq:calibrated 66 layers in ${secs}s`];
  const over = [stoppedLog("train_seed1.log", 1, 595_000, calib(16)), stoppedLog("train_seed2.log", 2, 590_000, calib(9.5)), stoppedLog("train_seed3.log", 3, 588_000, ["GPTQ:collecting Hessians from calibration data...", "GPTQ:collected 67 Hessians in 12.7s"])];
  const f = checkRecord(rec("late-calibration", "2026-04-10", over, 1.12));
  const late = f.filter((x) => x.kind === "over-time" && x.severity === "error");
  // 595 + 16 = 611 s is over 600 s and its 6 s grace; 599.5 s is within the cap; 600.7 s is within the grace only
  assert.equal(late.length, 1, JSON.stringify(f));
  const warned = f.filter((x) => x.kind === "over-time" && x.severity === "warning");
  assert.deepEqual(warned.map((x) => x.evidence.map((e) => e.line)), [[4, 6]]);
  assert.match(warned[0].message, /^train_seed3\.log: .*600\.7 s, 0\.7 s over the 600 s cap of 10min-16mb, within its 6 s grace/);
  assert.match(late[0].message, /^train_seed1\.log: trained 595\.0 s until the wallclock stop, then 16\.0 s of GPTQ calibration on training data; work on training data counts toward training: 611\.0 s, over the 600 s cap of 10min-16mb and its 6 s grace$/);
  // the evidence quotes both lines: the stop, and the calibration with its duration
  assert.deepEqual(late[0].evidence, [
    { file: "train_seed1.log", line: 4, text: "stopping_early: wallclock_cap train_time: 595000ms step: 4915/20000" },
    { file: "train_seed1.log", line: 6, text: "gptq:calibrated 66 layers in 16s" },
  ]);
  // without the grace, the 600.7 s seed is an error too (the data source is not named in its log)
  const strict = postStopOverTime(over[2], TRACKS["10min-16mb"], 0);
  assert.equal(strict!.severity, "error");
  assert.match(strict!.message, /588\.0 s until the wallclock stop, then 12\.7 s of GPTQ calibration on batches the log does not name.*600\.7 s, over the 600 s cap of 10min-16mb$/);
  assert.equal(postStopOverTime(over[2], TRACKS["10min-16mb"])!.severity, "warning");
  assert.equal(postStopOverTime(over[1], TRACKS["10min-16mb"], 0), null);
  // the non-record track has no cap; a run already over the cap gets the one plain over-time finding
  assert.deepEqual(kinds(rec("late-nr", "2026-04-10", over, 1.12, { track: "non-record-16mb" })), []);
  const both = checkRecord(rec("over-anyway", "2026-04-10", [stoppedLog("train_seed1.log", 1, 615_000, calib(16))], 1.11)).filter((x) => x.kind === "over-time");
  assert.deepEqual(both.map((x) => x.message), ["train_seed1.log: trained 615.0 s, over the 600 s cap of 10min-16mb"]);
});

test("implausible-score: a mean far below the frontier of its track and course at its time, kept out of the frontier", () => {
  const out = checkRecords([
    rec("a-baseline", "2026-03-17", three(1.224, 1.2245, 1.2235), 1.224),
    rec("b-big-step", "2026-03-19", three(1.16, 1.1605, 1.1595), 1.16), // 5.2% below: the largest real gain
    rec("c-memorized", "2026-03-20", three(0.2, 0.2001, 0.1999), 0.2), // 83% below 1.16
    rec("d-next", "2026-03-21", three(1.14, 1.1405, 1.1395), 1.14),
    rec("e-ngram", "2026-03-22", three(1.02, 1.0205, 1.0195), 1.02), // 10.5% below d-next
    rec("f-broken-low", "2026-03-23", three(0.5, 0.5, 0.5).map((l) => ({ ...l, bytesTotal: { value: 17_000_000, evidence: { file: l.log, line: 90 } } })), 0.5),
  ]);
  const by = Object.fromEntries(out.map((c) => [c.id, c]));
  const implausible = out.filter((c) => c.findings.some((f) => f.kind === "implausible-score")).map((c) => c.id);
  assert.deepEqual(implausible, ["c-memorized", "e-ngram", "f-broken-low"]);
  const f = by["c-memorized"].findings.find((x) => x.kind === "implausible-score")!;
  assert.equal(f.severity, "error");
  assert.match(f.message, /^mean val_bpb 0\.20000 is 82\.8% below b-big-step's 1\.16000, the frontier of 10min-16mb on fineweb when it was submitted: more than the 10% a record plausibly gains/);
  assert.equal(f.evidence.length, 3);
  // the implausible record never becomes the frontier: d-next is judged against b-big-step and enters
  assert.equal(by["c-memorized"].frontier?.outcome, "ineligible");
  assert.equal(by["b-big-step"].frontier?.outcome, "entered");
  assert.deepEqual([by["d-next"].frontier?.outcome, by["d-next"].frontier?.against, by["d-next"].passes], ["entered", "b-big-step", true]);
  assert.match(by["e-ngram"].findings.find((x) => x.kind === "implausible-score")!.message, /10\.5% below d-next's 1\.14000/);
  assert.equal(IMPLAUSIBLE_GAIN, 0.1);
});

test("implausible-score compares a record with the frontier of its own course only", () => {
  // a pgolf record on another course (its submission.json names it) scores far lower, and is not compared with FineWeb's
  const dir = tempDir();
  const sotu = path.join(dir, "sotu-record");
  fs.mkdirSync(sotu);
  fs.writeFileSync(path.join(sotu, "submission.json"), JSON.stringify({ course: { name: "sotu-sp1024", manifest_sha256: "0".repeat(64) } }));
  const other = rec("b-other-course", "2026-03-19", three(0.6, 0.6005, 0.5995), 0.6, { format: "pgolf", dir: sotu });
  const out = checkRecords([rec("a-fineweb", "2026-03-17", three(1.224, 1.2245, 1.2235), 1.224), other]);
  assert.ok(!out.some((c) => c.findings.some((f) => f.kind === "implausible-score")), JSON.stringify(out.map((c) => c.findings)));
});
