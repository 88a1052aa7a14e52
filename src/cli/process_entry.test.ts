// A process entry (Python) through the CLI as a user runs it: `pgolf train` trains it with its declared
// train_command, confined, and scores the artifact through the process protocol; `pgolf submit` makes
// a record folder of the seeds and `pgolf check` passes it. The bigram beats the uniform model.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { pgolf } from "../../test/support/cli.js";
import { pythonProcessEntry } from "../../test/support/process_entry.js";
import { accountSize } from "../entry/size_rule.js";
import { track } from "../core/track.js";
import { prepareCourse } from "../data/prepare.js";
import { sandboxSupport } from "../entry/sandbox.js";

const work = tempDir();


test("pgolf train trains and scores a Python process entry; pgolf submit and pgolf check accept its record", { timeout: 300_000 }, async () => {
  const data = path.join(work, "data");
  await prepareCourse({ dir: data });
  const entry = pythonProcessEntry(path.join(work, "py-bigram"));
  const runsDir = path.join(work, "runs");
  const t0 = performance.now();
  const r = await pgolf("train", entry, "--dir", data, "--seeds", "1,2", "--minutes", "0.5", "--out", runsDir, "--json");
  assert.equal(r.code, 0, r.err + r.out);
  const runs = (JSON.parse(r.out) as { runs: Record<string, any>[] }).runs;
  assert.equal(runs.length, 2);
  const trainAndScoreSeconds = (performance.now() - t0) / 1000;
  const confined = sandboxSupport().ok;
  for (const run of runs) {
    assert.ok(Number.isFinite(run.val_bpb), `val_bpb ${run.val_bpb}`);
    // the uniform model pays log2(1024) = 10 bits per target token
    const uniformBpb = 10 * run.tokens_per_byte;
    assert.ok(run.val_bpb < uniformBpb - 1, `val_bpb ${run.val_bpb} vs uniform ${uniformBpb}`);
    assert.equal(run.eval_truncated, false);
    assert.equal(run.confinement, confined ? "namespaces" : "none");
    assert.equal(run.eval_confinement, confined ? "namespaces" : "none");
    assert.deepEqual(run.warnings.length === 0, confined);
    assert.ok(run.train_seconds > 0 && run.train_seconds < run.cap_seconds, `trained ${run.train_seconds} s`);
    // the size rule counts the process entry's files, as it does for pgolf entries
    const files = ["config.json", "entry.py", "modes.py", "pgolf_protocol.py", "train.py"];
    // content plus the bytes of each file's path (a name is data the entry can read)
    assert.equal(run.bytes_code, files.reduce((a, f) => a + fs.statSync(path.join(entry, f)).size + Buffer.byteLength(f), 0));
    assert.equal(accountSize(entry, run.artifact, track("cpu-10min-2mb")).bytes_total, run.bytes_total);
    assert.equal(run.within_cap, true);
    const log = fs.readFileSync(run.log, "utf8");
    assert.match(log, /^pgolf \S+ track:cpu-10min-2mb seed:\d+ threads:2$/m);
    assert.match(log, /^train_command: python3 train\.py$/m);
    assert.match(log, /^step:1\/1 train_loss:\d+\.\d{4} train_time:\d+ms step_avg:\d+\.\d{2}ms$/m);
    assert.match(log, /^Total submission size int8\+zlib: \d+ bytes$/m);
    assert.match(log, /^final_int8_zlib_roundtrip_exact val_loss:\d+\.\d{8} val_bpb:\d+\.\d{8}$/m);
    const metrics = fs.readFileSync(run.metrics, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(metrics.map((m) => m.event ?? "step"), ["start", "step", "trained", "scored"]);
    assert.equal(metrics[1].tokens, 3349273);
  }
  // a deterministic trainer: both seeds give the same artifact and score
  assert.equal(runs[0].artifact_sha256, runs[1].artifact_sha256);
  assert.equal(runs[0].val_bpb, runs[1].val_bpb);

  const record = path.join(work, "record");
  const s = await pgolf("submit", path.join(runsDir, "seed_1"), path.join(runsDir, "seed_2"), "--out", record, "--author", "alice", "--name", "Python bigram", "--json");
  assert.equal(s.code, 0, s.err + s.out);
  assert.deepEqual(fs.readdirSync(record).sort(), ["README.md", "config.json", "entry.py", "logs", "modes.py", "pgolf_protocol.py", "submission.json", "train.py", "train_seed1.log", "train_seed2.log"]);
  const c = await pgolf("check", record, "--json");
  assert.equal(c.code, 0, c.err);
  const checked = JSON.parse(c.out) as { records: { passes: boolean; findings: unknown[]; val_bpb: number }[] };
  assert.equal(checked.records.length, 1);
  assert.ok(checked.records[0].passes, JSON.stringify(checked.records[0].findings));
  assert.ok(Math.abs(checked.records[0].val_bpb - runs[0].val_bpb) < 1e-6);
  console.log(`python bigram: val_bpb ${runs[0].val_bpb.toFixed(4)} (uniform ${(10 * runs[0].tokens_per_byte).toFixed(4)}), ${runs[0].bytes_total} bytes, train ${runs[0].train_seconds.toFixed(1)} s, eval ${runs[0].eval_seconds.toFixed(1)} s; 2 seeds in ${trainAndScoreSeconds.toFixed(1)} s`);
});
