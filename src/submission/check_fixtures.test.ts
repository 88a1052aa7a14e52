// `pgolf check` on the 47 real record folders of the original contest: the known disagreements are
// each reproduced as a finding on the right folder, clean records stay clean, and the frontier runs
// forward in time with falling scores.
import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { FIXTURES, needsFixtures } from "../../test/support/fixtures.js";
import { checkRecords, type CheckedRecord, type FindingKind } from "./check.js";
import { findRecords, readRecord } from "./read_record.js";

const fx = needsFixtures();
let checked: CheckedRecord[] = [];
function all(): CheckedRecord[] {
  if (checked.length === 0) checked = checkRecords(findRecords(path.join(FIXTURES, "pgolf-records")).map(readRecord));
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
