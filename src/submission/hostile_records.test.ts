// Attacks on the readers of record and run folders, run against the real components: readRecord and
// checkRecords (`pgolf check`), compareRuns (`pgolf compare`) and the built CLI as a separate
// process. Each folder starts valid (original_record.ts, atlas_record.ts, a real trained run) and is
// then tampered with as a hostile participant could (hostile_record.ts): a log, README or
// submission.json linked to a secret outside the folder, a linked logs/ folder, an atlas linked to
// another record's, a named pipe, a link to /dev/zero, a sparse log over its limit, a '..' path.
// Each is refused (RECORD_FILE_UNSAFE) or reported (an unsafe-file finding, the record fails), at
// once, and the secret appears nowhere in what pgolf returns or prints.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { writeAtlasRecord } from "../../test/support/atlas_record.js";
import { built, pgolfProcess } from "../../test/support/cli_process.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { growSparse, SECRET, swapForFifo, swapForLink, writeSecrets } from "../../test/support/hostile_record.js";
import { ORIGINAL_RECORDS, writeRoleRecord } from "../../test/support/original_record.js";
import { isUnsafeFile } from "../core/confined_read.js";
import { isPgolfError } from "../core/error.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { CHUNK_TOKENS } from "../eval/stream_eval.js";
import { runSeeds } from "../eval/run_seeds.js";
import { checkRecords, type CheckedRecord } from "./check.js";
import { compareRuns } from "./compare.js";
import { findRecords, readRecord } from "./read_record.js";
import { RECORD_FILE_LIMITS } from "./record_file.js";

const work = tempDir("pgolf-hostile-");
const secrets = writeSecrets(path.join(work, "secrets"));
const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Every record under root, read and checked as `pgolf check ROOT` does. */
function check(root: string): CheckedRecord[] {
  return checkRecords(findRecords(root).map(readRecord));
}

function unsafeFindings(c: CheckedRecord): { file: string; message: string }[] {
  return c.findings.filter((f) => f.kind === "unsafe-file" && f.severity === "error").map((f) => ({ file: f.evidence[0]?.file ?? "", message: f.message }));
}

function byId(records: CheckedRecord[], id: string): CheckedRecord {
  const c = records.find((r) => r.id === id);
  assert.ok(c, `record ${id} was found (found: ${records.map((r) => r.id).join(", ")})`);
  return c;
}

/** compareRuns must throw RECORD_FILE_UNSAFE for `reason`, never mentioning the secret. */
function refusedCompare(a: string, b: string, reason: string): void {
  let caught: unknown;
  try {
    compareRuns(a, b, { resamples: 50 });
  } catch (e) {
    caught = e;
  }
  assert.ok(isUnsafeFile(caught), `expected RECORD_FILE_UNSAFE, got ${isPgolfError(caught) ? `${caught.code}: ${caught.message}` : String(caught)}`);
  assert.equal(caught.details?.reason, reason, caught.message);
  assert.ok(!caught.message.includes(SECRET.slice(0, 10)) && !caught.message.includes(SECRET), caught.message);
}

describe("pgolf check on hostile record folders", () => {
  const root = path.join(work, "check", "records", "track_10min_16mb");

  test("an honest record passes: the attacks below start from valid folders", () => {
    const honest = path.join(work, "honest", "track_10min_16mb");
    writeRoleRecord(honest, "threeSeeds");
    const [c] = check(honest);
    assert.equal(c.passes, true, JSON.stringify(c.findings));
    assert.deepEqual(unsafeFindings(c), []);
  });

  test("a log, README and submission.json linked to secrets outside the folder are reported, never read", () => {
    const dir = writeRoleRecord(root, "threeSeeds", "2026-04-09_linked_files");
    swapForLink(path.join(dir, "train_seed42.log"), secrets.log);
    fs.symlinkSync(secrets.text, path.join(dir, "README.md"));
    const json = writeRoleRecord(root, "threeSeeds", "2026-04-09_linked_json");
    swapForLink(path.join(json, "submission.json"), secrets.json);
    const records = check(root);
    const files = byId(records, "2026-04-09_linked_files");
    assert.equal(files.passes, false);
    assert.deepEqual(unsafeFindings(files).map((f) => f.file).sort(), ["README.md", "train_seed42.log"]);
    assert.match(unsafeFindings(files)[0].message, /symbolic link: not read/);
    const linkedJson = byId(records, "2026-04-09_linked_json");
    assert.equal(linkedJson.passes, false);
    assert.deepEqual(unsafeFindings(linkedJson).map((f) => f.file), ["submission.json"]);
    assert.ok(!JSON.stringify(records).includes(SECRET), "the secret is in no result");
  });

  test("a linked logs/ folder is reported and not entered", () => {
    const dir = path.join(work, "check-logs", "2026-04-09_linked_logs");
    writeRoleRecord(path.dirname(dir), "threeSeeds", path.basename(dir));
    fs.mkdirSync(path.join(dir, "logs"));
    fs.renameSync(path.join(dir, "train_seed42.log"), path.join(dir, "logs", "train_seed42.log"));
    assert.equal(check(dir)[0].passes, true, "logs/ as a real folder is read");
    swapForLink(path.join(dir, "logs"), secrets.dir);
    const [c] = check(dir);
    assert.equal(c.passes, false);
    assert.deepEqual(unsafeFindings(c).map((f) => f.file), ["logs"]);
    assert.ok(!c.seeds.some((s) => s.log.startsWith("logs/")), "nothing under the link was read as a log");
    assert.ok(!JSON.stringify(c).includes(SECRET));
  });

  test("a named pipe and a link to /dev/zero named as logs are reported at once", () => {
    const dir = writeRoleRecord(path.join(work, "check-odd"), "threeSeeds", "2026-04-09_odd");
    swapForFifo(path.join(dir, "train_seed0.log"));
    swapForLink(path.join(dir, "train_seed42.log"), "/dev/zero");
    const start = Date.now();
    const [c] = check(dir);
    assert.ok(Date.now() - start < 10_000, "returns promptly");
    assert.equal(c.passes, false);
    const found = unsafeFindings(c);
    assert.deepEqual(found.map((f) => f.file).sort(), ["train_seed0.log", "train_seed42.log"]);
    assert.match(found.find((f) => f.file === "train_seed0.log")!.message, /named pipe/);
  });

  test("a folder whose only record files are links is still found, and fails", () => {
    const dir = path.join(work, "check-only-links", "2026-04-09_only_links");
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(secrets.json, path.join(dir, "submission.json"));
    fs.symlinkSync(secrets.log, path.join(dir, "train_seed1.log"));
    const records = check(path.dirname(dir));
    const c = byId(records, "2026-04-09_only_links");
    assert.equal(c.passes, false);
    assert.deepEqual(unsafeFindings(c).map((f) => f.file), ["submission.json", "train_seed1.log"]);
    assert.ok(!JSON.stringify(records).includes(SECRET));
  });

  test("a log over its size limit (a sparse file) is refused by its size, not parsed", () => {
    const dir = writeRoleRecord(path.join(work, "check-big"), "threeSeeds", "2026-04-09_big_log");
    growSparse(path.join(dir, "train_seed42.log"), RECORD_FILE_LIMITS.log + 1);
    const [c] = check(dir);
    assert.equal(c.passes, false);
    const [big] = unsafeFindings(c);
    assert.equal(big?.file, "train_seed42.log");
    assert.match(big.message, /67,108,865 bytes, over the 67,108,864-byte limit for a training log: not read\. Fix: /);
    assert.ok(!c.seeds.some((s) => s.log === "train_seed42.log"), "its score is not taken");
  });
});

describe("pgolf compare on hostile record folders", () => {
  const root = path.join(work, "compare");
  const a = writeAtlasRecord(path.join(root, "a"), ORIGINAL_RECORDS.threeSeeds);
  const fresh = (name: string, bpb = 1.05) => writeAtlasRecord(path.join(root, name), { ...ORIGINAL_RECORDS.threeSeeds, seeds: ORIGINAL_RECORDS.threeSeeds.seeds.map((s) => ({ ...s, bpb })) });
  const setSeed = (dir: string, i: number, fields: Record<string, unknown>) => {
    const file = path.join(dir, "submission.json");
    const sub = JSON.parse(fs.readFileSync(file, "utf8")) as { seeds: Record<string, unknown>[] };
    Object.assign(sub.seeds[i], fields);
    fs.writeFileSync(file, JSON.stringify(sub, null, 2));
  };
  const atlasOfA = path.join(a, "logs", "atlas_seed0.json");

  test("honest atlas records compare", () => {
    const r = compareRuns(a, fresh("honest"), { resamples: 50 });
    assert.equal(r.b.kind, "record");
    assert.ok(r.delta_bpb < 0, String(r.delta_bpb));
  });

  test("an atlas linked to another record's, its sha256 copied, is refused (not compared as this record's)", () => {
    const b = fresh("linked-atlas");
    swapForLink(path.join(b, "logs", "atlas_seed0.json"), atlasOfA);
    setSeed(b, 0, { atlas_sha256: sha(atlasOfA) });
    refusedCompare(a, b, "symlink");
  });

  test("an atlas linked to a secret outside, its sha256 known, is refused before it is read", () => {
    const b = fresh("secret-atlas");
    swapForLink(path.join(b, "logs", "atlas_seed0.json"), secrets.log);
    setSeed(b, 0, { atlas_sha256: sha(secrets.log) });
    refusedCompare(a, b, "symlink");
  });

  test("a linked logs/ folder is refused", () => {
    const b = fresh("linked-logs");
    swapForLink(path.join(b, "logs"), path.join(a, "logs"));
    for (let i = 0; i < 3; i++) setSeed(b, i, { atlas_sha256: sha(path.join(a, "logs", `atlas_seed${ORIGINAL_RECORDS.threeSeeds.seeds[i].seed}.json`)) });
    refusedCompare(a, b, "symlink");
  });

  test("a '..' path in submission.json's atlas field is refused as leaving the folder", () => {
    const b = fresh("dotdot");
    for (const atlas of ["../a/logs/atlas_seed0.json", "logs/../../a/logs/atlas_seed0.json", atlasOfA]) {
      setSeed(b, 0, { atlas, atlas_sha256: sha(atlasOfA) });
      refusedCompare(a, b, "escapes");
    }
  });

  test("a submission.json linked to another record's is refused", () => {
    const b = fresh("linked-json");
    swapForLink(path.join(b, "submission.json"), path.join(a, "submission.json"));
    refusedCompare(a, b, "symlink");
  });
});

/** A real run folder (runs/<entry>/seed_1): the unigram entry trained for 3 seconds and scored on 4 chunks. */
async function trainedRun(name: string): Promise<string> {
  const courseDir = (await prepareCourse({ dir: path.join(work, "course") })).dir;
  const entryDir = path.join(work, `${name}-entry`);
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), entryDir, { recursive: true });
  const runDir = path.join(work, name);
  await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.05, outDir: runDir, maxTargets: 4 * CHUNK_TOKENS });
  return runDir;
}

describe("pgolf compare on a hostile run folder", () => {
  test("a real run's atlas, metrics and seed folder, each swapped for a link, are refused", { timeout: 300_000 }, async () => {
    const runDir = await trainedRun("runs");
    const seed = path.join(runDir, "seed_1");
    assert.equal(compareRuns(seed, runDir, { resamples: 50 }).delta_bpb, 0, "the honest run compares");

    // a copy outside, with the same bytes (so its sha256 matches what metrics.jsonl says)
    const copies = path.join(work, "run-copies");
    fs.cpSync(seed, copies, { recursive: true });
    for (const name of ["atlas.json", "metrics.jsonl"]) {
      const saved = path.join(work, `saved-${name}`);
      fs.copyFileSync(path.join(seed, name), saved);
      swapForLink(path.join(seed, name), path.join(copies, name));
      refusedCompare(runDir, seed, "symlink");
      fs.rmSync(path.join(seed, name));
      fs.copyFileSync(saved, path.join(seed, name));
    }
    // the seed folder itself a link (runs/<entry>/seed_2 -> elsewhere)
    fs.symlinkSync(copies, path.join(runDir, "seed_2"));
    refusedCompare(seed, runDir, "symlink");
    fs.rmSync(path.join(runDir, "seed_2"));
    assert.equal(compareRuns(seed, runDir, { resamples: 50 }).delta_bpb, 0, "restored, it compares again");
  });
});

describe("the CLI as a separate process (built dist/)", { skip: built ? undefined : "dist/ not built (npm run build)" }, () => {
  test("pgolf check --json on every attack at once: it returns promptly, reports each, and prints no secret", { timeout: 120_000 }, async () => {
    const root = path.join(work, "cli-check", "track_10min_16mb");
    const linked = writeRoleRecord(root, "threeSeeds", "2026-04-09_linked");
    swapForLink(path.join(linked, "train_seed42.log"), secrets.log);
    swapForLink(path.join(linked, "README.md"), secrets.text);
    const fifo = writeRoleRecord(root, "threeSeeds", "2026-04-09_fifo");
    swapForFifo(path.join(fifo, "train_seed0.log"));
    const zero = writeRoleRecord(root, "threeSeeds", "2026-04-09_zero");
    swapForLink(path.join(zero, "train_seed0.log"), "/dev/zero");
    const fifoJson = writeRoleRecord(root, "threeSeeds", "2026-04-09_fifo_json");
    swapForFifo(path.join(fifoJson, "submission.json"));
    const big = writeRoleRecord(root, "threeSeeds", "2026-04-09_big");
    growSparse(path.join(big, "train_seed0.log"), RECORD_FILE_LIMITS.log + 1);
    const logsDir = writeRoleRecord(root, "threeSeeds", "2026-04-09_logs_dir");
    fs.symlinkSync(secrets.dir, path.join(logsDir, "logs"));

    const r = await pgolfProcess(["check", path.dirname(root), "--json"], 60_000);
    assert.ok(!r.timedOut, `pgolf check was killed after ${r.ms} ms: it hung`);
    assert.equal(r.code, 0, `exit ${r.code} (signal ${r.signal}): ${r.err.slice(0, 2000)}`);
    const out = JSON.parse(r.out) as { records: CheckedRecord[] };
    const want: Record<string, string[]> = {
      "2026-04-09_linked": ["README.md", "train_seed42.log"],
      "2026-04-09_fifo": ["train_seed0.log"],
      "2026-04-09_zero": ["train_seed0.log"],
      "2026-04-09_fifo_json": ["submission.json"],
      "2026-04-09_big": ["train_seed0.log"],
      "2026-04-09_logs_dir": ["logs"],
    };
    for (const [id, files] of Object.entries(want)) {
      const c = byId(out.records, id);
      assert.equal(c.passes, false, id);
      assert.deepEqual(unsafeFindings(c).map((f) => f.file).sort(), files, id);
    }
    assert.ok(!r.out.includes(SECRET) && !r.err.includes(SECRET), "the secret is printed nowhere");
  });

  test("pgolf compare on a named pipe or /dev/zero as an atlas or submission.json: refused at once, not a hang", { timeout: 240_000 }, async () => {
    const root = path.join(work, "cli-compare");
    const a = writeAtlasRecord(path.join(root, "a"), ORIGINAL_RECORDS.threeSeeds);
    const cases: [string, (dir: string) => void][] = [
      ["fifo-atlas", (d) => swapForFifo(path.join(d, "logs", "atlas_seed0.json"))],
      ["zero-atlas", (d) => swapForLink(path.join(d, "logs", "atlas_seed0.json"), "/dev/zero")],
      ["fifo-json", (d) => swapForFifo(path.join(d, "submission.json"))],
      ["zero-json", (d) => swapForLink(path.join(d, "submission.json"), "/dev/zero")],
    ];
    for (const [name, tamper] of cases) {
      const b = writeAtlasRecord(path.join(root, name), ORIGINAL_RECORDS.threeSeeds);
      tamper(b);
      const r = await pgolfProcess(["compare", a, b, "--json"], 30_000);
      assert.ok(!r.timedOut, `${name}: pgolf compare was killed after ${r.ms} ms: it hung`);
      assert.equal(r.code, 1, `${name}: exit ${r.code} (signal ${r.signal}): ${r.err.slice(0, 500)}`);
      assert.equal(JSON.parse(r.out || r.err).error.code, "PGOLF_RECORD_FILE_UNSAFE", `${name}: ${r.out}${r.err}`);
    }
  });

  test("pgolf compare on a run whose artifact.bin is a named pipe or a link to /dev/zero: refused at once", { timeout: 300_000 }, async () => {
    const runDir = await trainedRun("cli-runs");
    const artifact = path.join(runDir, "seed_1", "artifact.bin");
    for (const [name, tamper] of [
      ["fifo", () => swapForFifo(artifact)],
      ["zero", () => swapForLink(artifact, "/dev/zero")],
    ] as const) {
      tamper();
      const r = await pgolfProcess(["compare", runDir, runDir, "--json"], 30_000);
      assert.ok(!r.timedOut, `${name}: pgolf compare was killed after ${r.ms} ms: it hung`);
      assert.equal(r.code, 1, `${name}: exit ${r.code} (signal ${r.signal}): ${r.err.slice(0, 500)}`);
      assert.equal(JSON.parse(r.out).error.code, "PGOLF_RECORD_FILE_UNSAFE", `${name}: ${r.out}${r.err}`);
    }
  });
});
