// A record page plots the record against its declared parent, document by document, from the atlases
// the trusted evaluator wrote: two real records (a unigram entry and a bigram entry that names it as
// its parent), trained for seconds on the embedded course.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { runSeeds } from "../eval/run_seeds.js";
import { compareRuns } from "../submission/compare.js";
import { writeRecord } from "../submission/record.js";
import { buildLeaderboard } from "./build.js";

test("a record page plots per-document bpb against its declared parent", { timeout: 600_000 }, async () => {
  const work = tempDir("pgolf-versus-");
  const courseDir = (await prepareCourse({ dir: path.join(work, "course") })).dir;
  const root = path.join(work, "records");
  const record = async (entry: string, name: string, parent?: string) => {
    const entryDir = path.join(work, `${entry}-entry`);
    fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", entry), entryDir, { recursive: true });
    const runs = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.05, outDir: path.join(work, `${entry}-runs`) });
    return writeRecord({ seedDirs: runs.map((r) => path.dirname(r.log)), outDir: path.join(root, name), author: "alice", name, provenance: { parents: parent ? [{ ref: parent, kind: "record" }] : [] } }).dir;
  };
  const unigram = await record("ts_modes", "unigram");
  const bigram = await record("ts_bigram", "bigram", "unigram");
  const site = path.join(work, "site");
  await buildLeaderboard(root, { out: site });
  const pages = fs.readdirSync(path.join(site, "records"));
  const html = (name: string) => fs.readFileSync(path.join(site, "records", pages.find((f) => f.includes(name))!), "utf8");
  const plot = /<svg class="chart"[^>]*data-chart="versus-parent"[^>]*data-series="2"[\s\S]*?<g class="series" data-name="documents" data-points="(\d+)">/.exec(html("bigram"));
  assert.ok(plot, "the bigram's page plots it against the unigram");
  const c = compareRuns(unigram, bigram);
  assert.equal(Number(plot[1]), c.paired.documents, "one point per document");
  assert.match(html("bigram"), /Per document against <a href="[^"]+">unigram<\/a>/);
  assert.match(html("bigram"), new RegExp(`better on ${c.paired.b_better_documents} of ${c.paired.documents} documents`));
  assert.doesNotMatch(html("unigram"), /versus-parent/, "a record without a parent has no such plot");
});
