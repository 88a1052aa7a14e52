// Record folders are assembled from scored seed runs only: three seeds of a (fast) entry trained and
// scored by the real harness become a record whose submission.json validates against the published
// schema and whose every number is the runs'. Tampering with a run or the schema is refused.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { sha256 } from "../core/hash.js";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { stableJson } from "../core/json.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { runSeeds } from "../eval/run_seeds.js";
import { codeBytes } from "../entry/code_bytes.js";
import { checkRecords } from "./check.js";
import { readRecord } from "./read_record.js";
import { mean, sampleStd, writeRecord } from "./record.js";
import { readSeedRun } from "./seed_run.js";
import { assertSubmission, SUBMISSION_SCHEMA, submissionProblems } from "./submission_schema.js";

const work = tempDir();

test("the published JSON Schema is the one declared in code", () => {
  const published = fs.readFileSync(path.join(PROJECT_ROOT, "assets", "schemas", "submission.v1.schema.json"), "utf8");
  assert.equal(published, stableJson(SUBMISSION_SCHEMA), "regenerate assets/schemas/submission.v1.schema.json from SUBMISSION_SCHEMA");
});

test("three scored seeds become a valid record; every number comes from the runs", { timeout: 300_000 }, async () => {
  const courseDir = (await prepareCourse({ dir: path.join(work, "data") })).dir;
  const entryDir = path.join(work, "entry");
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), entryDir, { recursive: true });
  const runs = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1, 2, 3], minutes: 0.05, outDir: path.join(work, "runs") });
  const seedDirs = runs.map((r) => path.dirname(r.log));
  const out = path.join(work, "record");
  const r = writeRecord({ seedDirs, outDir: out, author: "Test Author", githubId: "tester", name: "Unigram TTT", blurb: "a test", provenance: { techniques: ["ttt"], assistance: [{ tool: "agent", how: "wrote the test", reviewed_by: "tester" }] } });
  assert.deepEqual(r.files, ["README.md", "config.json", "entry.ts", "logs/atlas_seed1.json", "logs/atlas_seed2.json", "logs/atlas_seed3.json", "package.json", "submission.json", "train_seed1.log", "train_seed2.log", "train_seed3.log"]);
  const s = assertSubmission(JSON.parse(fs.readFileSync(path.join(out, "submission.json"), "utf8")), "submission.json");
  assert.equal(s.seeds.length, 3);
  assert.equal(s.val_bpb, mean(runs.map((x) => x.val_bpb)));
  assert.equal(s.val_bpb_std, sampleStd(runs.map((x) => x.val_bpb)));
  assert.equal(s.bytes_code, codeBytes(entryDir));
  assert.equal(s.bytes_code, codeBytes(out), "the record's own code bytes equal the entry's");
  assert.equal(s.bytes_total, Math.max(...runs.map((x) => x.bytes_total)));
  for (const [i, seed] of s.seeds.entries()) {
    assert.equal(seed.val_loss, runs[i].val_loss);
    assert.equal(seed.artifact_sha256, runs[i].artifact_sha256);
    assert.equal(fs.readFileSync(path.join(out, seed.log), "utf8"), fs.readFileSync(runs[i].log, "utf8"));
    // the evaluator's atlas, carried under logs/ with its sha256
    assert.equal(seed.atlas, `logs/atlas_seed${seed.seed}.json`);
    assert.equal(sha256(fs.readFileSync(path.join(out, seed.atlas!))), seed.atlas_sha256);
  }
  assert.equal(s.track, "cpu-10min-2mb");
  assert.match(s.course.manifest_sha256, /^[0-9a-f]{64}$/);
  assert.match(fs.readFileSync(path.join(out, "README.md"), "utf8"), /\| 2 \| \d\.\d{4} \|/);
  // the record passes every check; grown code is caught by the size rule, not taken from the claim
  const [ok] = checkRecords([readRecord(out)]);
  assert.deepEqual(ok.findings, [], JSON.stringify(ok.findings));
  assert.equal(ok.frontier?.outcome, "started");
  const grown = path.join(work, "grown");
  fs.cpSync(out, grown, { recursive: true });
  fs.appendFileSync(path.join(grown, "entry.ts"), "/*" + "x".repeat(2_000_000) + "*/\n");
  const [bad] = checkRecords([readRecord(grown)]);
  assert.ok(bad.findings.some((f) => f.kind === "score-mismatch" && /bytes_code/.test(f.message)), JSON.stringify(bad.findings));
  assert.ok(bad.findings.some((f) => f.kind === "over-size" && /by the size rule/.test(f.message)));
  // an existing record is not overwritten unless asked
  throwsCode(() => writeRecord({ seedDirs, outDir: out, author: "x", name: "y" }), "FILE_EXISTS");
  // a run whose artifact changed after scoring is refused
  fs.appendFileSync(path.join(seedDirs[1], "artifact.bin"), "x");
  throwsCode(() => readSeedRun(seedDirs[1]), "RECORD_FILE");
  // a seed passed twice is refused
  throwsCode(() => writeRecord({ seedDirs: [seedDirs[0], seedDirs[0]], outDir: path.join(work, "dup"), author: "x", name: "y" }), "RECORD_FILE");
  await rejectsWith(Promise.resolve().then(() => writeRecord({ seedDirs: [path.join(work, "nowhere")], outDir: path.join(work, "none"), author: "x", name: "y" })), "RECORD_FILE");
});

test("the schema rejects missing, unknown and malformed fields", () => {
  const problems = submissionProblems({ schema: "pgolf-submission/1", author: "a", extra: 1, seeds: [] });
  assert.ok(problems.some((p) => /required property 'name'/.test(p)));
  assert.ok(problems.some((p) => /additional properties/.test(p)));
  assert.ok(problems.some((p) => /\/seeds/.test(p)));
  throwsCode(() => assertSubmission({}, "submission.json"), "RECORD_SCHEMA");
});
