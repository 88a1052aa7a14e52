// The record significance rule against independent references: scipy 1.17.1 (values hard-coded
// below, computed with `scipy.stats.ttest_1samp(x, mu, alternative="less")` and
// `scipy.stats.ttest_ind(x, y - margin, equal_var=False, alternative="less")`), a published t table,
// and, when python3 with scipy is on this machine, a live comparison on random samples.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { isPgolfError } from "../core/error.js";
import { TRACKS } from "../core/track.js";
import {
  MIN_RECORD_SEEDS,
  SP1024_TOKENS_PER_BYTE,
  frontier,
  frontierDecisions,
  marginBpb,
  oneSampleTest,
  recordTokensPerByte,
  significance,
  tokensPerByte,
  welchTest,
  type FrontierRecord,
} from "./significance.js";

const rule = TRACKS["10min-16mb"]; // marginNats 0.005, alpha 0.01
const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
/** The sp1024 margin: 0.005 / ln 2 * 0.4105208 (scipy/numpy: 0.0029612816117088503). */
const M = 0.0029612816117088503;

test("margin conversion: nats of val_loss to bpb with the record's tokens per byte", () => {
  close(marginBpb(0.005, SP1024_TOKENS_PER_BYTE), M, 1e-15, "sp1024 margin");
  // tokens_per_byte = val_bpb * ln 2 / val_loss, so margin_bpb = margin_nats * val_bpb / val_loss
  const tpb = tokensPerByte(1.2244, 2.0673);
  close(tpb, (1.2244 * Math.LN2) / 2.0673, 1e-15, "tokens per byte");
  close(marginBpb(0.005, tpb), (0.005 * 1.2244) / 2.0673, 1e-15, "margin");
  // a nats margin of ln 2 at one token per byte is one bit per byte
  close(marginBpb(Math.LN2, 1), 1, 1e-15, "ln 2 nats");
});

test("tokens per byte: the record's own, else the SOTA's, else sp1024 — and the result says which", () => {
  const sota = { valBpb: 1.2244, valLoss: 2.0673 };
  assert.deepEqual(recordTokensPerByte({ valBpb: 1.2, valLoss: 2.02 }, sota), { value: tokensPerByte(1.2, 2.02), source: "record" });
  assert.deepEqual(recordTokensPerByte({ valBpb: 1.2 }, sota), { value: tokensPerByte(1.2244, 2.0673), source: "sota" });
  assert.deepEqual(recordTokensPerByte({ valBpb: 1.2 }, { valBpb: 1.2244 }), { value: SP1024_TOKENS_PER_BYTE, source: "sp1024" });
  const r = significance({ valBpb: 1.2, seedBpb: [1.2, 1.201, 1.199] }, sota, rule);
  assert.equal(r.tokensPerByteSource, "sota");
  assert.match(r.notes.join("\n"), /taken from the SOTA/);
  const s = significance({ valBpb: 1.2, seedBpb: [1.2, 1.201, 1.199] }, { valBpb: 1.2244 }, rule);
  assert.equal(s.tokensPerByteSource, "sp1024");
  assert.match(s.notes.join("\n"), /sp1024 value 0.4105208/);
});

test("one-sample t test matches scipy", () => {
  const r = oneSampleTest([1.0, 1.1, 0.9, 1.05], 1.1, 0.01);
  close(r.t, -2.049390153191922, 1e-12, "t");
  assert.equal(r.df, 3);
  close(r.p, 0.06642092027988766, 1e-10, "p");
  assert.equal(r.pass, false);
  assert.equal(r.threshold, 1.1);
});

test("Welch test matches scipy (SOTA sample shifted by the margin)", () => {
  const cases: [number[], number[], number, number, number, number][] = [
    // x, y, margin, t, df, p
    [[1.0, 1.1, 0.9, 1.05], [1.2, 1.25, 1.22], 0.01, -4.453047797588371, 3.661432821628599, 0.006843581652028223],
    [[1.194, 1.1952, 1.1947, 1.1961, 1.1938], [1.201, 1.2031, 1.2024], M, -5.963275101346379, 3.848441511083936, 0.0022429075069336493],
    [[1.1965, 1.197, 1.1975], [1.2025, 1.203, 1.2035], M, -7.443309523325025, 4.0, 0.0008700111400506531],
  ];
  for (const [x, y, margin, t, df, p] of cases) {
    const r = welchTest(x, y, margin, 0.01);
    close(r.t, t, 1e-9, "t");
    close(r.df, df, 1e-9, "df");
    close(r.p, p, 1e-10, "p");
    close(r.threshold, y.reduce((a, b) => a + b) / y.length - margin, 1e-12, "threshold");
    assert.equal(r.pass, p < 0.01);
  }
});

test("a published t table: t = 6.965 with 2 degrees of freedom is the one-sided 1% point", () => {
  // NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2 "Critical values of the Student's t
  // distribution": nu = 2 gives 2.920 (0.05), 4.303 (0.025), 6.965 (0.01). Three seeds m - s, m, m + s have
  // standard deviation s, so t = (m - threshold) / (s / sqrt 3).
  for (const [tcrit, alpha] of [[2.92, 0.05], [4.303, 0.025], [6.965, 0.01]]) {
    const s = 0.0005;
    const m = 1.2 - (tcrit * s) / Math.sqrt(3);
    const r = oneSampleTest([m - s, m, m + s], 1.2, 0.01);
    close(r.t, -tcrit, 1e-9, "t");
    close(r.p, alpha, 2e-4, `p at t = ${tcrit}`);
  }
});

test("the contest's disagreements: 0.0030 better with std 0.0005 is not significant, 0.0060 better is", () => {
  const sota = { valBpb: 1.203 }; // margin from sp1024: 0.00296 bpb
  const near = significance({ valBpb: 1.2, seedBpb: [1.1995, 1.2, 1.2005] }, sota, rule);
  close(near.marginBpb, M, 1e-15, "margin");
  close(near.oneSample!.threshold, 1.203 - M, 1e-15, "threshold");
  close(near.oneSample!.t, -0.13412443141537256, 1e-9, "t");
  close(near.oneSample!.p, 0.4527916890890349, 1e-9, "p");
  assert.equal(near.verdict, "not-significant");

  const far = significance({ valBpb: 1.197, seedBpb: [1.1965, 1.197, 1.1975] }, sota, rule);
  close(far.oneSample!.t, -10.526429276827068, 1e-9, "t");
  close(far.oneSample!.p, 0.004452221892210635, 1e-10, "p");
  assert.equal(far.verdict, "significant");
  assert.equal(far.welch, null);
  assert.match(far.notes.join("\n"), /per-seed values are unknown/);
});

test("p = 0.063 and p = 0.188 style records fail at alpha 0.01", () => {
  const sota = { valBpb: 1.203 };
  for (const [seeds, p] of [
    [[1.1988, 1.1993, 1.1998], 0.06238153482921562],
    [[1.19921, 1.19971, 1.20021], 0.1864210284820955],
  ] as [number[], number][]) {
    const r = significance({ valBpb: seeds[1], seedBpb: seeds }, sota, rule);
    close(r.oneSample!.p, p, 1e-9, "p");
    assert.equal(r.oneSample!.pass, false);
    assert.equal(r.verdict, "not-significant");
  }
});

test("every applicable test must pass: a significant one-sample test and a failing Welch test is not significant", () => {
  // the SOTA's declared mean is 1.203, but its seeds are noisy: the Welch test cannot reject
  const cand = { valBpb: 1.197, seedBpb: [1.1965, 1.197, 1.1975] };
  const r = significance(cand, { valBpb: 1.203, seedBpb: [1.19, 1.203, 1.216] }, rule);
  assert.equal(r.oneSample!.pass, true);
  assert.equal(r.welch!.pass, false);
  assert.equal(r.verdict, "not-significant");
  const ok = significance(cand, { valBpb: 1.203, seedBpb: [1.2025, 1.203, 1.2035] }, rule);
  close(ok.welch!.p, 0.0008700111400506531, 1e-10, "Welch p");
  assert.equal(ok.verdict, "significant");
});

test("too few seeds: fewer than 2 gives no test, fewer than the minimum keeps the p-value but not the verdict", () => {
  assert.equal(MIN_RECORD_SEEDS, 3);
  const sota = { valBpb: 1.203 };
  for (const seedBpb of [undefined, [], [1.1]]) {
    const r = significance({ valBpb: 1.1, seedBpb }, sota, rule);
    assert.equal(r.verdict, "too-few-seeds");
    assert.equal(r.oneSample, null);
    assert.equal(r.welch, null);
  }
  // far better, two seeds: p is computable and small, but the track asks for 3
  const two = significance({ valBpb: 1.1, seedBpb: [1.1, 1.1001] }, sota, rule);
  assert.ok(two.oneSample!.p < 0.01);
  assert.equal(two.verdict, "too-few-seeds");
  assert.equal(two.minSeeds, 3);
  // a track may declare its own minimum
  assert.equal(significance({ valBpb: 1.1, seedBpb: [1.1, 1.1001] }, sota, { ...rule, minSeeds: 2 }).verdict, "significant");
  // but never below 2
  assert.equal(significance({ valBpb: 1.1, seedBpb: [1.1] }, sota, { ...rule, minSeeds: 1 }).verdict, "too-few-seeds");
});

test("zero variance: no NaN, p is 0 below the threshold and 1 otherwise", () => {
  const below = oneSampleTest([1.1, 1.1, 1.1], 1.2, 0.01);
  assert.deepEqual([below.p, below.t, below.pass, below.degenerate], [0, -Infinity, true, true]);
  const above = oneSampleTest([1.3, 1.3, 1.3], 1.2, 0.01);
  assert.deepEqual([above.p, above.t, above.pass], [1, Infinity, false]);
  const at = oneSampleTest([1.2, 1.2, 1.2], 1.2, 0.01);
  assert.deepEqual([at.p, at.t, at.pass], [1, 0, false]);
  const w = welchTest([1.1, 1.1, 1.1], [1.2, 1.2], 0.003, 0.01);
  assert.deepEqual([w.p, w.t, w.pass, w.degenerate], [0, -Infinity, true, true]);
  // one sample constant, the other not: an ordinary Welch test (df = n_sota - 1)
  const half = welchTest([1.1, 1.1, 1.1], [1.2, 1.21, 1.19], 0.003, 0.01);
  assert.equal(half.degenerate, false);
  close(half.df, 2, 1e-12, "df");
  assert.ok(Number.isFinite(half.p) && Number.isFinite(half.t));
  const r = significance({ valBpb: 1.1, seedBpb: [1.1, 1.1, 1.1] }, { valBpb: 1.2 }, rule);
  assert.equal(r.verdict, "significant");
  assert.match(r.notes.join("\n"), /zero variance/);
});

test("scores that are not numbers are refused with RECORD_SCHEMA", () => {
  assert.throws(() => significance({ valBpb: 1.1, seedBpb: [1.1, NaN, 1.2] }, { valBpb: 1.2 }, rule), (e) => isPgolfError(e, "RECORD_SCHEMA"));
  assert.throws(() => significance({ valBpb: 1.1, valLoss: 0 }, { valBpb: 1.2 }, rule), (e) => isPgolfError(e, "RECORD_SCHEMA"));
  assert.throws(() => oneSampleTest([1.1], 1.2, 0.01), (e) => isPgolfError(e, "CONFIG_INVALID"));
});

// ---------------------------------------------------------------------------------------------
// frontier

/** Three seeds around `mean` with standard deviation 0.0005. */
const rec = (id: string, date: string, mean: number, eligible = true, track = "10min-16mb"): FrontierRecord => ({
  id,
  date,
  track,
  eligible,
  valBpb: mean,
  seedBpb: [mean - 0.0005, mean, mean + 0.0005],
});

test("frontier: submission-time order, first eligible record starts it, ineligible records are skipped", () => {
  const records = [
    rec("c", "2025-03-20", 1.19), // given out of order: processed third
    rec("a0", "2025-03-01", 1.1, false), // ineligible, even though far better
    rec("a", "2025-03-05T10:00:00Z", 1.22),
    rec("b", "2025-03-10", 1.21),
    rec("b2", "2025-03-12", 1.2085), // 0.0015 better than b: below the margin
  ];
  const f = frontier(records);
  assert.deepEqual(f.map((e) => [e.id, e.previous]), [["a", null], ["b", "a"], ["c", "b"]]);
  assert.equal(f[0].significance, null);
  assert.equal(f[1].significance!.verdict, "significant");
  const d = frontierDecisions(records);
  assert.deepEqual(d.map((x) => [x.record.id, x.outcome, x.against]), [
    ["a0", "ineligible", null],
    ["a", "started", null],
    ["b", "entered", "a"],
    ["b2", "not-significant", "b"],
    ["c", "entered", "b"],
  ]);
});

test("frontier: a later worse record never displaces it; each is judged against the SOTA of its time", () => {
  const f = frontier([rec("a", "2025-01-01", 1.2), rec("b", "2025-01-02", 1.19), rec("worse", "2025-01-03", 1.195), rec("same", "2025-01-04", 1.19)]);
  assert.deepEqual(f.map((e) => e.id), ["a", "b"]);
  // the same set given in any order gives the same frontier
  const g = frontier([rec("same", "2025-01-04", 1.19), rec("worse", "2025-01-03", 1.195), rec("b", "2025-01-02", 1.19), rec("a", "2025-01-01", 1.2)]);
  assert.deepEqual(g.map((e) => e.id), ["a", "b"]);
  // a record that beats the old SOTA but was submitted after a better one is judged against the better one
  const d = frontierDecisions([rec("a", "2025-01-01", 1.2), rec("b", "2025-01-02", 1.18), rec("c", "2025-01-03", 1.19)]);
  assert.equal(d[2].against, "b");
  assert.equal(d[2].outcome, "not-significant");
});

test("frontier: tracks are separate, too-few-seeds records stay out, equal times keep input order, bad dates throw", () => {
  const cpu = "cpu-10min-2mb";
  const two: FrontierRecord = { ...rec("two", "2025-02-02", 1.0), seedBpb: [1.0, 1.0001] };
  const f = frontier([rec("h", "2025-02-01", 1.2), rec("c1", "2025-02-01", 2.5, true, cpu), two, rec("c2", "2025-02-03", 2.4, true, cpu)]);
  assert.deepEqual(f.map((e) => [e.track, e.id]), [["10min-16mb", "h"], [cpu, "c1"], [cpu, "c2"]]);
  assert.equal(frontierDecisions([rec("h", "2025-02-01", 1.2), two])[1].outcome, "too-few-seeds");
  assert.throws(() => frontier([rec("x", "yesterday", 1.2)]), (e) => isPgolfError(e, "RECORD_SCHEMA"));
  assert.throws(() => frontier([rec("x", "2025-01-01", 1.2, true, "no-such-track"), rec("y", "2025-01-02", 1.1, true, "no-such-track")]), (e) => isPgolfError(e, "CONFIG_INVALID"));
  // callers may supply the rule of their own tracks
  const own = frontier([rec("x", "2025-01-01", 1.2, true, "mine"), rec("y", "2025-01-02", 1.199, true, "mine")], { rules: () => ({ marginNats: 0, alpha: 0.05 }) });
  assert.deepEqual(own.map((e) => e.id), ["x", "y"]);
});

// ---------------------------------------------------------------------------------------------
// live cross-check against scipy, when it is installed

const scipy = spawnSync("python3", ["-c", "import scipy"], { encoding: "utf8" }).status === 0;

test("random samples agree with scipy", { skip: scipy ? false : "python3 with scipy is not installed" }, () => {
  let state = 12345;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cases = Array.from({ length: 40 }, () => {
    const n = 2 + Math.floor(rand() * 6);
    const k = 2 + Math.floor(rand() * 6);
    const x = Array.from({ length: n }, () => 1.19 + rand() * 0.01);
    const y = Array.from({ length: k }, () => 1.195 + rand() * 0.01);
    return { x, y, mu: 1.2 - M, margin: M };
  });
  const py = `
import json, sys
import numpy as np
from scipy import stats
out = []
for c in json.load(sys.stdin):
    a = stats.ttest_1samp(c["x"], c["mu"], alternative="less")
    b = stats.ttest_ind(c["x"], np.array(c["y"]) - c["margin"], equal_var=False, alternative="less")
    out.append([float(a.statistic), float(a.pvalue), float(b.statistic), float(b.pvalue), float(b.df)])
print(json.dumps(out))
`;
  const r = spawnSync("python3", ["-c", py], { input: JSON.stringify(cases), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as number[][];
  cases.forEach((c, i) => {
    const [t1, p1, t2, p2, df2] = ref[i];
    const one = oneSampleTest(c.x, c.mu, 0.01);
    const w = welchTest(c.x, c.y, c.margin, 0.01);
    close(one.t, t1, 1e-9 * Math.max(1, Math.abs(t1)), `case ${i} one-sample t`);
    close(one.p, p1, 1e-9, `case ${i} one-sample p`);
    close(w.t, t2, 1e-9 * Math.max(1, Math.abs(t2)), `case ${i} Welch t`);
    close(w.p, p2, 1e-9, `case ${i} Welch p`);
    close(w.df, df2, 1e-9 * df2, `case ${i} Welch df`);
  });
});
