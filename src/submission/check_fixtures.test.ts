// `pgolf check` on the 47 real record folders of the original contest: the known disagreements are
// each reproduced as a finding on the right folder, clean records stay clean, and the frontier runs
// forward in time with falling scores.
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { FIXTURES, needsFixtures } from "../../test/support/fixtures.js";
import { TRACKS } from "../core/track.js";
import { checkRecords, IMPLAUSIBLE_GAIN, postStopOverTime, scoredSet, type CheckedRecord, type FindingKind } from "./check.js";
import type { NormalizedRecord } from "./normalized_record.js";
import { findRecords, readRecord } from "./read_record.js";

const fx = needsFixtures();
let read: NormalizedRecord[] = [];
let checked: CheckedRecord[] = [];
function records(): NormalizedRecord[] {
  if (read.length === 0) read = findRecords(path.join(FIXTURES, "pgolf-records")).map(readRecord);
  return read;
}
function all(): CheckedRecord[] {
  if (checked.length === 0) checked = checkRecords(records());
  return checked;
}
function rec(prefix: string): CheckedRecord {
  const r = all().find((c) => c.id.startsWith(prefix));
  assert.ok(r, `no record ${prefix}`);
  return r;
}
function has(prefix: string, kind: FindingKind, message?: RegExp): void {
  const r = rec(prefix);
  assert.ok(
    r.findings.some((f) => f.kind === kind && (!message || message.test(f.message))),
    `${prefix}: expected a ${kind} finding${message ? ` matching ${message}` : ""}; got ${JSON.stringify(r.findings.map((f) => `${f.kind}: ${f.message}`))}`,
  );
}

test("all 47 folders are read and checked", fx, () => {
  assert.equal(all().length, 47);
  for (const c of all()) for (const f of c.findings) assert.ok(f.evidence.length > 0 && f.evidence.every((e) => typeof e.file === "string"), `${c.id}: ${f.message}`);
});

test("the best seed reported as the mean is found where it happened", fx, () => {
  for (const id of ["2026-03-18_LongContextSeq2048", "2026-03-19_Seq2048_FP16Emb_TunedLR", "2026-03-24_74M_Ternary", "2026-03-20_11L_XSA4_EMA_Int6_MLP3x_WD04_1.1271", "2026-03-21_11L_XSA4_EMA_PartialRoPE_LateQAT_1.1248", "2026-03-22_11L_EMA_GPTQ-lite"]) {
    has(id, "score-mismatch", /best seed/);
  }
  has("2026-03-19_TrainingOptSeq4096", "score-mismatch", /one seed's run \(seed 1337/);
});

test("a claimed 3-seed result with one log, a total that counts only the model, a mislabelled seed, duplicate logs", fx, () => {
  has("2026-03-19_MLP3x_QAT_Int6_SlidingWindow", "missing-file", /3-seed result; one log/);
  has("2026-04-06_SP8192_HessianSDClip_ProgressiveRecurrence", "over-size", /counts only the model/);
  has("2026-04-04_GDN_Hybrid_LongContext", "seed-mismatch", /seed 1341 .* used seed 1342/);
  for (const id of ["2026-03-20_11L_XSA4_EMA_Int6_MLP3x_WD04_1.1271", "2026-03-21_11L_XSA4_EMA_PartialRoPE", "2026-03-22_11L_EMA_GPTQ-lite", "2026-04-06_SP8192_HessianSDClip"]) has(id, "duplicate-log");
  // duplicates are counted once: Hessian's claimed mean is the mean of its three distinct seeds
  assert.equal(rec("2026-04-06_SP8192_HessianSDClip").seeds.length, 3);
  assert.ok(!rec("2026-04-06_SP8192_HessianSDClip").findings.some((f) => f.kind === "score-mismatch"));
});

test("over-size, missing logs, a missing val_bpb, and a significance claim that does not hold", fx, () => {
  has("2026-03-19_int6_STE", "over-size", /16,186,500/);
  has("2026-03-23_DGAttention_DavidGao", "over-size");
  has("2026-03-29_LLaDA_MDLM_Diffusion", "missing-file");
  has("2026-03-20_10L_Int5MLP_MuonWD04_SWA50", "schema", /no val_bpb/);
  has("2026-04-06_SP8192_QK5_LegalTTT_1.0828", "not-significant", /p = 0\.06/);
  has("2026-03-18_LowerLR", "too-few-seeds");
});

test("clean records stay clean, and the frontier runs forward in time with falling scores", fx, () => {
  for (const id of ["2026-03-17_NaiveBaseline", "2026-03-23_LeakyReLU_LegalTTT_ParallelMuon", "2026-03-25_ValCalib", "2026-04-01_Vocab4096", "2026-04-03_MuonEqR", "2026-04-09_A2_Muon097_3Seed"]) {
    assert.deepEqual(rec(id).findings.filter((f) => f.severity === "error"), [], id);
  }
  // seeds are read with one final kind per record: SP4096's seed 42 is its sliding score, like its siblings
  assert.ok(rec("2026-04-04_SP4096").seeds.every((s) => s.kind === "sliding" && s.val_bpb < 1.1));
  const frontier = all()
    .filter((c) => c.track === "10min-16mb" && (c.frontier?.outcome === "started" || c.frontier?.outcome === "entered"))
    .sort((a, b) => Date.parse(a.date!) - Date.parse(b.date!));
  assert.equal(frontier[0].id, "2026-03-17_NaiveBaseline");
  assert.ok(frontier.length >= 6, frontier.map((c) => c.id).join(", "));
  for (let i = 1; i < frontier.length; i++) assert.ok(frontier[i].val_bpb! < frontier[i - 1].val_bpb!, `${frontier[i].id} after ${frontier[i - 1].id}`);
});

test("GPTQ calibration after the wallclock stop: read where the logs give it, within the cap and its grace in every record, 0.7 to 0.9 s over the bare cap in two (warnings)", fx, () => {
  const logs = records().flatMap((r) => r.logs.filter((l) => l.postStopTraining.length > 0).map((l) => ({ r, l })));
  // 33 logs of 10 records: `GPTQ:collected 67 Hessians in 11.4s` (30) and `gptq:calibrated 66 layers in 6.7s` (3)
  assert.equal(logs.length, 33);
  assert.equal(new Set(logs.map((x) => x.r.id)).size, 10);
  assert.ok(logs.every(({ l }) => l.postStopTraining.length === 1 && /^(GPTQ:collected \d+ Hessians|gptq:calibrated \d+ layers) in \d+\.\ds$/.test(l.postStopTraining[0].evidence.text!)));
  // self-generated calibration (autoregressive, 198 s and 240 s after the stop) is not training data
  for (const id of ["2026-03-31_ParallelResiduals_MiniDepthRecurrence", "2026-03-25_ValCalib_GPTQ_XSA_BigramHash3072"]) assert.ok(records().find((r) => r.id === id)!.logs.every((l) => l.postStopTraining.length === 0), id);
  // with the 6 s grace no record is over (no error); the most is 600.9 s (train 588.1 s + 12.8 s), a warning
  const late = all().flatMap((c) => c.findings.filter((f) => f.kind === "over-time" && /until the wallclock stop/.test(f.message)).map((f) => ({ id: c.id, f })));
  assert.ok(late.every((x) => x.f.severity === "warning"), JSON.stringify(late));
  assert.deepEqual([...new Set(late.map((x) => x.id))].sort(), ["2026-04-09_A2_Muon097_3Seed", "2026-04-09_SP8192_3LayerRecur_ParResid_QK525_LegalTTT"]);
  assert.equal(late.length, 6);
  const strict = records().flatMap((r) => scoredSet(r).logs.flatMap((l) => {
    const f = postStopOverTime(l, TRACKS["10min-16mb"], 0);
    return f ? [{ id: r.id, f }] : [];
  }));
  assert.deepEqual([...new Set(strict.map((x) => x.id))].sort(), ["2026-04-09_A2_Muon097_3Seed", "2026-04-09_SP8192_3LayerRecur_ParResid_QK525_LegalTTT"]);
  assert.equal(strict.length, 6);
  const seed0 = strict.find((x) => x.id === "2026-04-09_A2_Muon097_3Seed" && x.f.evidence[0].file === "train_seed0.log")!.f;
  assert.deepEqual(seed0.evidence.map((e) => `${e.file}:${e.line} ${e.text}`), ["train_seed0.log:152 stopping_early: wallclock_cap train_time: 588052ms step: 4911/20000", "train_seed0.log:159 GPTQ:collected 67 Hessians in 12.8s"]);
  assert.match(seed0.message, /600\.9 s, over the 600 s cap of 10min-16mb$/);
});

test("implausible-score: no original record is flagged; the largest gain over the frontier of its time is 5.3%, half the threshold", fx, () => {
  assert.ok(!all().some((c) => c.findings.some((f) => f.kind === "implausible-score")));
  // every dated 10min-16mb record against the frontier of its submission time (the order check uses)
  const dated = all().filter((c) => c.track === "10min-16mb" && c.date && c.val_bpb !== null);
  const order = dated.map((c, i) => ({ c, i })).sort((a, b) => Date.parse(a.c.date!) - Date.parse(b.c.date!) || a.i - b.i).map((x) => x.c);
  let sota: CheckedRecord | null = null;
  const gains: { id: string; gain: number }[] = [];
  for (const c of order) {
    if (sota) gains.push({ id: c.id, gain: (sota.val_bpb! - c.val_bpb!) / sota.val_bpb! });
    if (c.frontier?.outcome === "started" || c.frontier?.outcome === "entered") sota = c;
  }
  gains.sort((a, b) => b.gain - a.gain);
  assert.equal(gains[0].id, "2026-03-19_Seq2048_FP16Emb_TunedLR");
  assert.ok(Math.abs(gains[0].gain - 0.0527) < 0.0005, String(gains[0].gain));
  // the threshold is twice the largest real gain, rounded down (2 x 5.27% = 10.5% -> 10%)
  assert.ok(IMPLAUSIBLE_GAIN >= 1.8 * gains[0].gain && IMPLAUSIBLE_GAIN <= 2 * gains[0].gain);
  assert.ok(gains.slice(1).every((g) => g.gain < 0.042), JSON.stringify(gains.slice(0, 3)));
});
