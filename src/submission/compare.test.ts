// pgolf compare on real runs: a unigram entry (test/entries/ts_modes) and a bigram entry
// (test/entries/ts_bigram), each trained for seconds on the embedded course and scored by the trusted
// evaluator, which writes each seed's atlas. The bigram must come out better, significantly, document
// by document; a run compared with itself differs by nothing; runs scored on different targets, or a
// record whose atlas was edited, are refused.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { pgolf } from "../../test/support/cli.js";
import { rejectsWith } from "../../test/support/errors.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { readAtlas } from "../eval/atlas.js";
import { CHUNK_TOKENS } from "../eval/stream_eval.js";
import { runSeeds } from "../eval/run_seeds.js";
import { TOKEN_CLASS_NAMES } from "../eval/token_classes.js";
import { compareRuns, pairedTest } from "./compare.js";
import { writeRecord } from "./record.js";

const work = tempDir("pgolf-compare-");
const QUICK = 8 * CHUNK_TOKENS;

/** Trains and scores `entry` (the whole validation split unless maxTargets: a record needs it whole). */
async function train(entry: string, seeds: number[], maxTargets?: number): Promise<string> {
  const courseDir = (await prepareCourse({ dir: path.join(work, "course") })).dir;
  const entryDir = path.join(work, `${entry}-entry`);
  if (!fs.existsSync(entryDir)) fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", entry), entryDir, { recursive: true });
  const outDir = path.join(work, `${entry}-${maxTargets ?? "all"}-runs`);
  await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds, minutes: 0.05, outDir, maxTargets });
  return outDir;
}

test("compare: a bigram beats a unigram document by document, significantly; a run against itself differs by nothing; mismatches are refused", { timeout: 600_000 }, async () => {
  const unigram = await train("ts_modes", [1, 2]);
  const bigram = await train("ts_bigram", [1, 2]);

  // the atlas adds up to the seed's score
  const atlas = readAtlas(path.join(bigram, "seed_1", "atlas.json"));
  const metrics = fs.readFileSync(path.join(bigram, "seed_1", "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const scored = metrics.find((m) => m.event === "scored");
  const bytes = atlas.documents.bytes.reduce((a, b) => a + b, 0);
  assert.equal(atlas.targets, scored.eval_targets);
  assert.equal(bytes, scored.eval_bytes);
  assert.ok(Math.abs(atlas.documents.nats.reduce((a, b) => a + b, 0) / Math.LN2 / bytes - scored.val_bpb) < 1e-9);

  const r = compareRuns(unigram, bigram);
  assert.equal(r.a.seeds.length, 2);
  assert.equal(r.b.kind, "run");
  assert.ok(r.documents > 3, `${r.documents} documents`);
  const seedMean = (xs: { val_bpb: number | null }[]) => xs.reduce((s, x) => s + x.val_bpb!, 0) / xs.length;
  assert.ok(Math.abs(r.b.val_bpb - seedMean(r.b.seeds)) < 1e-9, "a side's bpb is its seeds' mean (same bytes for every seed)");
  assert.ok(r.delta_bpb < -0.1, `the bigram is better: ${r.delta_bpb}`);
  assert.ok(r.bootstrap.low <= r.delta_bpb && r.delta_bpb <= r.bootstrap.high && r.bootstrap.high < 0, JSON.stringify(r.bootstrap));
  assert.ok(r.paired.p < 0.01 && r.paired.t < 0, JSON.stringify(r.paired));
  assert.ok(r.where.gained.length > 0 && r.where.gained.every((d) => d.delta_bits < 0));
  assert.ok(r.where.gained[0].delta_bits <= r.where.gained.at(-1)!.delta_bits, "largest gain first");
  for (const c of TOKEN_CLASS_NAMES) assert.ok(Number.isFinite(r.where.classes[c].delta_bits));
  // the token classes' bits are the documents' bits where every token is in a class: space + not-space cover all
  assert.ok(r.where.classes.space.targets > 0 && r.where.classes.space.targets < r.targets);
  // the paired test by seed count: one seed a side already shows the gain; subsets are C(2, k)
  assert.deepEqual(r.by_seed_count!.tests.map((t) => [t.seeds, t.subsets]), [[1, 2], [2, 1]]);
  assert.ok(r.by_seed_count!.tests.every((t) => t.all_significant && t.worst_p < 0.01 && t.best_p <= t.worst_p), JSON.stringify(r.by_seed_count));
  assert.ok(Math.abs(r.by_seed_count!.tests[1].worst_p / r.paired.p - 1) < 1e-9, "all seeds: the full paired test");
  assert.equal(r.by_seed_count!.seeds_needed, 1);
  // the same inputs give the same interval
  assert.deepEqual(compareRuns(unigram, bigram).bootstrap, r.bootstrap);

  // a run against itself: no difference, p 1, an interval of [0, 0]
  const same = compareRuns(bigram, bigram);
  assert.equal(same.delta_bpb, 0);
  assert.equal(same.paired.p, 1);
  assert.deepEqual([same.bootstrap.low, same.bootstrap.high], [0, 0]);
  assert.equal(same.by_seed_count!.seeds_needed, null, "no difference: no seed count shows one");

  // a record folder carries its seeds' atlases (under logs/, not counted as code) and compares the same
  const record = writeRecord({ seedDirs: [path.join(bigram, "seed_1"), path.join(bigram, "seed_2")], outDir: path.join(work, "bigram-record"), author: "alice", name: "bigram" });
  const entry = record.submission.seeds[0];
  assert.equal(entry.atlas, "logs/atlas_seed1.json");
  assert.ok(!record.files.includes("logs/atlas_seed1.json") || fs.existsSync(path.join(record.dir, "logs", "atlas_seed1.json")));
  const fromRecord = compareRuns(unigram, record.dir);
  assert.equal(fromRecord.b.kind, "record");
  assert.equal(fromRecord.delta_bpb, r.delta_bpb);

  // the CLI: the same result as JSON, and a human summary
  const cli = await pgolf("compare", unigram, record.dir, "--json");
  assert.equal(cli.code, 0, cli.err);
  assert.equal(JSON.parse(cli.out).delta_bpb, r.delta_bpb);
  const human = await pgolf("compare", unigram, bigram);
  assert.match(human.out, /^B - A: -\d\.\d{4} bpb over \d+ documents .*95% bootstrap interval/m);
  assert.match(human.out, /^paired t test on per-document bpb: .* p /m);
  assert.match(human.out, /^seeds the paired test needs: 1$/m);
  assert.equal((await pgolf("compare", unigram, bigram, "--alpha", "2")).code, 2);
  // both entries are deterministic: every seed scores the same, so there is no seed-level test to run
  assert.equal(r.seeds, null);
  assert.match(human.out, /^ {2}space +-?\d/m);

  // an edited atlas in a record is refused; so are runs scored over different targets
  fs.appendFileSync(path.join(record.dir, "logs", "atlas_seed2.json"), " ");
  await rejectsWith(Promise.resolve().then(() => compareRuns(unigram, record.dir)), "RECORD_FILE");
  const part = await train("ts_bigram", [1], QUICK);
  const e = await rejectsWith(Promise.resolve().then(() => compareRuns(unigram, part)), "COMPARE_MISMATCH");
  assert.match(e.fix ?? "", /--max-targets/);
});

test("the paired test: two-sided, its degenerate cases decided without a t distribution", () => {
  const r = pairedTest([-0.2, -0.1, -0.15, -0.12, 0.01]);
  assert.ok(r.t < 0 && r.p < 0.05 && r.p > 0, JSON.stringify(r));
  assert.equal(r.b_better_documents, 4);
  assert.equal(pairedTest([0, 0, 0]).p, 1);
  assert.equal(pairedTest([-0.1, -0.1]).p, 0);
  assert.equal(pairedTest([0.3]).p, 1, "one document decides nothing");
});
