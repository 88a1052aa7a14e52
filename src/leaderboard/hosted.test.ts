// The leaderboard of a hosted contest: records its fleet reproduced are scored on the reproduced
// runs, shown beside the logs' claim and the number of independent reproductions, on the index and
// on the record's page; a static build is unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizedRecord, seedLogs } from "../../test/support/records.js";
import type { Reproduction } from "../submission/reproduction.js";
import { planLeaderboard } from "./build.js";

const base = normalizedRecord("2026-03-18_Base", "2026-03-18T00:00:00Z", seedLogs([1.2, 1.201, 1.199]), 1.2);
const next = normalizedRecord("2026-03-21_Next", "2026-03-21T00:00:00Z", seedLogs([1.1, 1.101, 1.099]), 1.1);

function reproduced(bpb: number[], workers = ["box-1", "box-2", "box-1"]): Reproduction {
  return { runs: bpb.map((v, i) => ({ seed: i + 1, val_bpb: v, val_loss: v * 1.7, bytes_total: 15_000_000 + i, worker: workers[i % workers.length], at: "2026-03-22T00:00:00.000Z" })) };
}

test("the hosted leaderboard shows the reproduced score beside the claim and the number of reproductions", () => {
  const reps = new Map([[next.id, reproduced([1.1002, 1.1008, 1.0995])]]);
  const { leaderboard: lb, files } = planLeaderboard([base, next], "/records", new Date("2026-04-01T00:00:00Z"), reps);
  assert.equal(lb.hosted, true);
  const e = lb.tracks[0].records.find((x) => x.id === next.id)!;
  assert.equal(e.rank, 1);
  assert.deepEqual(e.reproduction, { runs: 3, seeds: 3, workers: ["box-1", "box-2"], logs_val_bpb: e.reproduction!.logs_val_bpb });
  assert.equal(e.bytes_total, 15_000_002, "the reproduced artifacts' size");
  const index = files.find((f) => f.path === "index.html")!.content;
  assert.match(index, /<th class="num">Claimed<\/th><th>Reproduced<\/th>/);
  const row = index.slice(index.indexOf(`data-id="${next.id}"`), index.indexOf("</tr>", index.indexOf(`data-id="${next.id}"`)));
  assert.match(row, /<td class="num">1\.1002<\/td>/, "the reproduced mean is the score");
  assert.match(row, /<td class="num">1\.1000<\/td><td class="repro" title="by box-1, box-2">3 runs, 3 seeds<\/td>/);
  const baseRow = index.slice(index.indexOf(`data-id="${base.id}"`));
  assert.match(baseRow, /not reproduced/);
  const page = files.find((f) => f.path === e.page)!.content;
  assert.match(page, /val_bpb \(reproduced: mean of 3 seeds\)/);
  assert.match(page, /independent reproductions<\/th><td class="num">3 by box-1, box-2/);
  // a static build (no contest) is unchanged: no reproduction columns
  const plain = planLeaderboard([base, next], "/records").files.find((f) => f.path === "index.html")!.content;
  assert.doesNotMatch(plain, /Reproduced/);
  // the hosted pages link the contest server's own pages; a static site has no server to link
  assert.match(index, /<a href="\/submit">Submit<\/a>/);
  assert.match(page, /<a href="\/review">Review<\/a>/);
  assert.doesNotMatch(plain, /href="\/submit"/);
});
