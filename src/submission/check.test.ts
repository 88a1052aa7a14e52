// Findings on hand-made normalized records, one disagreement at a time: each kind fires on the
// record that has the problem, names its evidence, and stays quiet on a clean record.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkRecord, checkRecords } from "./check.js";
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
