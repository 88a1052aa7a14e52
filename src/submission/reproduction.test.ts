// A hosted contest judges records on what its fleet reproduced: the reproduced seeds replace the logs'
// as the score, the frontier's significance test runs on them, the logs' mean stays as the claim,
// and a reproduction well above the claim is a finding for reviewers. (The hosted leaderboard's view
// of them: src/leaderboard/hosted.test.ts.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizedRecord, seedLogs } from "../../test/support/records.js";
import { checkRecords, REPRODUCTION_TOLERANCE_BPB } from "./check.js";
import { summarizeReproduction, type Reproduction } from "./reproduction.js";

const base = normalizedRecord("2026-03-18_Base", "2026-03-18T00:00:00Z", seedLogs([1.2, 1.201, 1.199]), 1.2);
const next = normalizedRecord("2026-03-21_Next", "2026-03-21T00:00:00Z", seedLogs([1.1, 1.101, 1.099]), 1.1);

function reproduced(bpb: number[], workers = ["box-1", "box-2", "box-1"]): Reproduction {
  return { runs: bpb.map((v, i) => ({ seed: i + 1, val_bpb: v, val_loss: v * 1.7, bytes_total: 15_000_000 + i, worker: workers[i % workers.length], at: "2026-03-22T00:00:00.000Z" })) };
}

describe("reproductions", () => {
  test("runs of one seed are averaged; runs, seeds and workers are counted", () => {
    const s = summarizeReproduction({ runs: [...reproduced([1.1, 1.2]).runs, { seed: 1, val_bpb: 1.3, val_loss: 2.2, bytes_total: 1, worker: "box-3", at: "x" }] })!;
    assert.deepEqual(s.seeds.map((x) => [x.seed, Number(x.val_bpb.toFixed(6)), x.runs, x.workers]), [[1, 1.2, 2, ["box-1", "box-3"]], [2, 1.2, 1, ["box-2"]]]);
    assert.equal(s.runs, 3);
    assert.deepEqual(s.workers, ["box-1", "box-2", "box-3"]);
    assert.equal(summarizeReproduction(undefined), null);
    assert.equal(summarizeReproduction({ runs: [] }), null);
  });

  test("a faithful reproduction keeps the record in the frontier, scored on the reproduced seeds", () => {
    const reps = new Map([[next.id, reproduced([1.1002, 1.1008, 1.0995])]]);
    const c = checkRecords([base, next], { reproductions: reps }).find((x) => x.id === next.id)!;
    assert.equal(c.frontier?.outcome, "entered");
    assert.equal(c.seeds[0].kind, "reproduced");
    assert.ok(Math.abs(c.val_bpb! - (1.1002 + 1.1008 + 1.0995) / 3) < 1e-12);
    assert.ok(Math.abs(c.reproduction!.logs_val_bpb! - 1.1) < 1e-12);
    assert.ok(!c.findings.some((f) => f.kind === "reproduction-differs"));
  });

  test("a claim the fleet cannot reproduce does not enter the frontier and is flagged", () => {
    const reps = new Map([[next.id, reproduced([1.25, 1.26, 1.24])]]);
    const [, c] = checkRecords([base, next], { reproductions: reps });
    assert.notEqual(c.frontier?.outcome, "entered");
    assert.equal(c.passes, false);
    const f = c.findings.find((x) => x.kind === "reproduction-differs")!;
    assert.equal(f.severity, "warning");
    assert.match(f.message, /reproduced val_bpb 1\.25000 over 3 seeds, 0\.15000 above the logs' 1\.10000/);
    assert.ok(1.25 - 1.1 > REPRODUCTION_TOLERANCE_BPB);
    // without the fleet's numbers the logs alone would have put it in the frontier
    assert.equal(checkRecords([base, next]).find((x) => x.id === next.id)!.frontier?.outcome, "entered");
  });
});
