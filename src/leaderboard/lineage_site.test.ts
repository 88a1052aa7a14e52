// The leaderboard site shows lineage measured from code: inferred edges (dashed) beside declared
// ones (solid) on lineage.html, and on each record page what it is built on, what is new in it
// and its credit findings. A records root is written here with code in its record folders.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { pgolf } from "../../test/support/cli.js";
import { tempDir } from "../../test/support/fixtures.js";
import { pythonModule, renamed } from "../../test/support/planted_python.js";
import { buildLeaderboard } from "./build.js";

function record(root: string, folder: string, meta: Record<string, unknown>, code: string, readme = ""): void {
  const dir = path.join(root, "track_10min_16mb", folder);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify({ track: "10min_16mb", bytes_total: 15_000_000, ...meta }, null, 2));
  fs.writeFileSync(path.join(dir, "train_gpt.py"), code);
  if (readme) fs.writeFileSync(path.join(dir, "README.md"), readme);
}

describe("leaderboard lineage measured from code", () => {
  it("draws inferred edges dashed and shows built-on, new code and credit findings on record pages", async () => {
    const root = tempDir("pgolf-lineage-site-");
    const base = pythonModule({ seed: 11, functions: 25 });
    const modA = pythonModule({ seed: 12, functions: 20 });
    record(root, "2026-03-01_Baseline", { name: "Baseline", author: "organizers", date: "2026-03-01T00:00:00Z", val_bpb: 1.22 }, base);
    record(root, "2026-03-02_AliceModule", { name: "Alice module", author: "alice", date: "2026-03-02T00:00:00Z", val_bpb: 1.2 }, base + modA);
    record(root, "2026-03-03_BobCopies", { name: "Bob copies", author: "bob", date: "2026-03-03T00:00:00Z", val_bpb: 1.19 }, base + pythonModule({ seed: 12, functions: 20, names: renamed }) + pythonModule({ seed: 13, functions: 6 }));
    record(root, "2026-03-04_CarolCredits", { name: "Carol credits", author: "carol", date: "2026-03-04T00:00:00Z", val_bpb: 1.18 }, base + modA + pythonModule({ seed: 14, functions: 6 }), "Builds on 2026-03-02_AliceModule.\n");
    const out = path.join(root, "..", path.basename(root) + "-site");
    const built = await buildLeaderboard(root, { out });
    assert.ok(built.files.includes("lineage.html"));
    const lineage = fs.readFileSync(path.join(out, "lineage.html"), "utf8");
    // bob's reuse is inferred (dashed), carol's credit is declared (solid)
    assert.match(lineage, /<path class="edge inferred"[^>]*stroke-dasharray="6 4"/);
    assert.match(lineage, /<path class="edge declared"/);
    assert.match(lineage, /<tr class="inferred"><td><a href="[^"]*">Bob copies<\/a><\/td><td><a href="[^"]*">Alice module<\/a><\/td>/);
    assert.match(lineage, /<tr class="declared"><td><a href="[^"]*">Carol credits<\/a><\/td><td><a href="[^"]*">Alice module<\/a><\/td>/);
    const pages = fs.readdirSync(path.join(out, "records"));
    const bob = fs.readFileSync(path.join(out, "records", pages.find((p) => /bob/i.test(p))!), "utf8");
    assert.match(bob, /Built on \(measured from code\)/);
    assert.match(bob, /<ul class="built-on"><li><a href="[^"]*">Alice module<\/a>: \d+% of this record's own code/);
    assert.match(bob, /New in this record<\/h3>\s*<p class="novel">\d+% of its own code is in no earlier record/);
    assert.match(bob, /data-kind="uncredited-reuse"/);
    const carol = fs.readFileSync(path.join(out, "records", pages.find((p) => /carol/i.test(p))!), "utf8");
    assert.doesNotMatch(carol, /data-kind="uncredited-reuse"/);

    // pgolf check reports the credit findings when given the earlier records
    const bobDir = path.join(root, "track_10min_16mb", "2026-03-03_BobCopies");
    const checked = await pgolf("check", bobDir, "--earlier", root, "--json");
    assert.equal(checked.code, 0, checked.err);
    const r = JSON.parse(checked.out);
    const f = r.records[0].lineage.findings.find((x: { kind: string }) => x.kind === "uncredited-reuse");
    assert.equal(f.source, "track_10min_16mb/2026-03-02_AliceModule");
    assert.equal(r.summary.creditFindings, 1);
    const plain = JSON.parse((await pgolf("check", bobDir, "--json")).out);
    assert.equal(plain.records[0].lineage, undefined);
  });
});
