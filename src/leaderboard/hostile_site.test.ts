// Attacks on `pgolf leaderboard build`, which reads every record folder of a root (the records, their
// lineage, the versus-parent plots) and publishes what it read: hostile folders made by tampering
// with valid ones (test/support/hostile_record.ts) must not put a secret from outside the root on any
// page, must not pass off another record's atlas as theirs, and must not hang or swamp the build
// (a named pipe, a link to /dev/zero: tried on the built CLI in its own process, with a timeout).
// Each hostile record is built into the site with an unsafe-file finding, and fails.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { writeAtlasRecord } from "../../test/support/atlas_record.js";
import { built, pgolfProcess } from "../../test/support/cli_process.js";
import { tempDir } from "../../test/support/fixtures.js";
import { SECRET, swapForFifo, swapForLink, writeSecrets } from "../../test/support/hostile_record.js";
import { ORIGINAL_RECORDS, writeRoleRecord } from "../../test/support/original_record.js";
import { buildLeaderboard } from "./build.js";
import type { Leaderboard } from "./leaderboard.js";

const work = tempDir("pgolf-hostile-site-");
const secrets = writeSecrets(path.join(work, "secrets"));

/** Every file of a built site, by path relative to it. */
function siteFiles(site: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(site, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(site, r), "utf8"));
    }
  };
  walk("");
  return out;
}

function entryOf(site: string, id: string): Leaderboard["tracks"][number]["records"][number] {
  const lb = JSON.parse(fs.readFileSync(path.join(site, "leaderboard.json"), "utf8")) as Leaderboard;
  const e = lb.tracks.flatMap((t) => t.records).find((r) => r.id === id);
  assert.ok(e, `${id} is on the board`);
  return e;
}

/** The record page of `id` in a built site. */
function page(site: string, id: string): string {
  return fs.readFileSync(path.join(site, entryOf(site, id).page), "utf8");
}

/** A hostile record is on the board, unranked, failing on an unsafe-file error, and its page says so. */
function refusedOnBoard(site: string, id: string): void {
  const e = entryOf(site, id);
  assert.equal(e.passes, false, id);
  assert.equal(e.rank, null, id);
  assert.ok((e.findingsSummary.kinds["unsafe-file"] ?? 0) > 0, `${id}: ${JSON.stringify(e.findingsSummary)}`);
  assert.match(page(site, id), /<code>unsafe-file<\/code>/, `${id}'s page shows the unsafe-file finding`);
}

const VERSUS = /data-chart="versus-parent"/;
const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("pgolf leaderboard build on hostile record folders", () => {
  test("links to secrets and to another record's atlases: no secret on any page, no borrowed plot, each record fails", { timeout: 300_000 }, async () => {
    const root = path.join(work, "records");
    const track = path.join(root, "track_10min_16mb");
    const parent = writeAtlasRecord(path.join(track, "2026-03-18_atlas_parent"), { ...ORIGINAL_RECORDS.threeSeeds, name: "Atlas parent", date: "2026-03-18T10:00:00Z" });
    const child = writeAtlasRecord(path.join(track, "2026-03-19_atlas_child"), { ...ORIGINAL_RECORDS.threeSeeds, name: "Atlas child", date: "2026-03-19T10:00:00Z", seeds: ORIGINAL_RECORDS.threeSeeds.seeds.map((s) => ({ ...s, bpb: s.bpb - 0.01 })) });
    fs.writeFileSync(path.join(child, "README.md"), "Built on 2026-03-18_atlas_parent, with a longer warmdown.\n");

    // the honest build: the child is plotted against its parent, from its own atlases
    const honestSite = path.join(work, "site-honest");
    await buildLeaderboard(root, { out: honestSite });
    assert.match(page(honestSite, "2026-03-19_atlas_child"), VERSUS, "the honest child is plotted against its parent");

    // the child's atlases swapped for links to its parent's, their sha256 copied into submission.json
    const sub = JSON.parse(fs.readFileSync(path.join(child, "submission.json"), "utf8")) as { seeds: { seed: number; atlas_sha256: string }[] };
    for (const s of sub.seeds) {
      const rel = path.join("logs", `atlas_seed${s.seed}.json`);
      swapForLink(path.join(child, rel), path.join(parent, rel));
      s.atlas_sha256 = sha(path.join(parent, rel));
    }
    fs.writeFileSync(path.join(child, "submission.json"), JSON.stringify(sub, null, 2));
    // a log and the README linked to secrets; a submission.json linked to a secret JSON; a linked logs/ folder; linked code
    const files = writeRoleRecord(track, "threeSeeds", "2026-03-20_linked_files");
    swapForLink(path.join(files, "train_seed42.log"), secrets.log);
    fs.symlinkSync(secrets.text, path.join(files, "README.md"));
    fs.symlinkSync(secrets.text, path.join(files, "train_gpt.py"));
    const json = writeRoleRecord(track, "threeSeeds", "2026-03-21_linked_json");
    swapForLink(path.join(json, "submission.json"), secrets.json);
    const logs = writeRoleRecord(track, "threeSeeds", "2026-03-22_linked_logs");
    fs.symlinkSync(secrets.dir, path.join(logs, "logs"));

    const site = path.join(work, "site");
    await buildLeaderboard(root, { out: site });
    for (const [p, content] of siteFiles(site)) assert.ok(!content.includes(SECRET), `${p} shows the secret`);
    assert.doesNotMatch(page(site, "2026-03-19_atlas_child"), VERSUS, "the child is not plotted from its parent's atlases");
    for (const id of ["2026-03-19_atlas_child", "2026-03-20_linked_files", "2026-03-21_linked_json", "2026-03-22_linked_logs"]) refusedOnBoard(site, id);
    assert.equal(entryOf(site, "2026-03-18_atlas_parent").status, "started the frontier", "the honest parent stands");
  });
});

describe("pgolf leaderboard build as a separate process (built dist/)", { skip: built ? undefined : "dist/ not built (npm run build)" }, () => {
  test("a named pipe and links to /dev/zero as submission.json and README.md: the build returns promptly and reports them", { timeout: 120_000 }, async () => {
    const root = path.join(work, "cli-records");
    const track = path.join(root, "track_10min_16mb");
    writeRoleRecord(track, "baseline");
    swapForFifo(path.join(writeRoleRecord(track, "threeSeeds", "2026-04-09_fifo_json"), "submission.json"));
    swapForLink(path.join(writeRoleRecord(track, "threeSeeds", "2026-04-09_zero_json"), "submission.json"), "/dev/zero");
    const readme = writeRoleRecord(track, "threeSeeds", "2026-04-09_zero_readme");
    fs.symlinkSync("/dev/zero", path.join(readme, "README.md"));
    swapForFifo(path.join(writeRoleRecord(track, "threeSeeds", "2026-04-09_fifo_log"), "train_seed0.log"));

    const site = path.join(work, "cli-site");
    const r = await pgolfProcess(["leaderboard", "build", root, "--out", site, "--json"], 90_000);
    assert.ok(!r.timedOut, `pgolf leaderboard build was killed after ${r.ms} ms: it hung`);
    assert.equal(r.code, 0, `exit ${r.code} (signal ${r.signal}): ${r.err.slice(0, 2000)}`);
    for (const id of ["2026-04-09_fifo_json", "2026-04-09_zero_json", "2026-04-09_zero_readme", "2026-04-09_fifo_log"]) refusedOnBoard(site, id);
  });
});
