// Malicious and broken process entries (the Python bigram of test/entries/python_bigram_train with a
// misbehaving mode), trained by the harness and scored by the trusted evaluator with real processes:
// reading the validation shard fails (it is hidden), so does connecting to a real HTTP server on the
// host's loopback (which sees no connection), on both the training and the scoring side; a run past
// its cap is killed with every process it started; a missing artifact or program is a clear error.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { courseAndCanary } from "../../test/support/canary_server.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { processesWith, pythonProcessEntry } from "../../test/support/process_entry.js";
import { track } from "../core/track.js";
import { sandboxSupport } from "../entry/sandbox.js";
import { trainSeed, type TrainSeedOptions } from "../train/harness.js";
import { scoreArtifact } from "./run_seeds.js";

const work = tempDir();
const LOCAL = track("cpu-10min-2mb");
const support = sandboxSupport();
const needsNamespaces = support.ok ? {} : { skip: `no namespaces here: ${support.problems.join("; ")}` };
const fx = courseAndCanary(work);

let n = 0;
function entry(settings: Record<string, unknown> = {}): string {
  return pythonProcessEntry(path.join(work, `entry-${++n}`), settings);
}

function train(entryDir: string, extra: Partial<TrainSeedOptions> = {}) {
  return trainSeed({ entryDir, course: fx.course, track: LOCAL, seed: 1, outDir: path.join(work, `runs-${++n}`), minutes: 0.5, ...extra });
}

test("training: an entry that reads the validation shard fails, directly and through /proc: it is hidden", { ...needsNamespaces, timeout: 60_000 }, async () => {
  const outDir = path.join(work, "reader-run");
  await rejectsWith(train(entry({ mode: "reader", path: fx.course.valFiles[0], host_pid: process.pid }), { outDir }), "ENTRY_CRASHED", (e) => {
    assert.match(e.message, /train could not read the validation shard/);
    assert.match(e.message, /No such file or directory/);
  });
  assert.ok(!fs.existsSync(path.join(outDir, "artifact.bin")), "a failed run leaves no artifact");
});

test("training: an entry that connects to a server on the host's loopback fails, and the server sees nothing", { ...needsNamespaces, timeout: 60_000 }, async () => {
  await rejectsWith(train(entry({ mode: "socket", port: fx.canary.port })), "ENTRY_ACCESS", (e) => assert.match(e.message, /tried to use the network.*Network is unreachable/));
  assert.equal(fx.canary.connections(), 0);
});

test("training: an entry that runs past its cap is killed with every process it started (ENTRY_TIMEOUT)", { timeout: 60_000 }, async () => {
  const t0 = performance.now();
  const seed = 424242;
  const outDir = path.join(work, "sleepy-run");
  await rejectsWith(train(entry({ mode: "sleepy" }), { seed, outDir, minutes: 0.02, killAfterCapMs: 1000 }), "ENTRY_TIMEOUT", (e) => assert.match(e.message, /past the training cap by 1 s\) and was stopped without an artifact/));
  assert.ok(performance.now() - t0 < 15_000, `took ${(performance.now() - t0) / 1000} s`);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(processesWith(`PGOLF_SEED=${seed}`), [], "no process of the run survives");
  assert.match(fs.readFileSync(path.join(outDir, `train_seed${seed}.log`), "utf8"), /^over_cap: train_time:\d+ms cap:1200ms killed$/m);
});

test("training: a clean exit without an artifact, a program not on PATH and a scoring-only entry are clear errors", { timeout: 60_000 }, async () => {
  await rejectsWith(train(entry({ train_command: ["python3", "-c", "print('nothing to see')"] })), "ENTRY_CRASHED", (e) => assert.match(e.message, /wrote no artifact to \$PGOLF_ARTIFACT/));
  await rejectsWith(train(entry({ train_command: ["no-such-python", "train.py"] })), "CONFIG_INVALID", (e) => assert.match(e.message, /"no-such-python", which is not on (the sandbox's )?PATH/));
  const scoringOnly = path.join(work, "scoring-only");
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "python_bigram"), scoringOnly, { recursive: true });
  await rejectsWith(train(scoringOnly), "CONFIG_INVALID", (e) => assert.match(e.message, /eval_command but neither train_command nor entry\.ts/));
});

test("scoring: a model that reads the validation shard or opens a socket fails; no score is given", { ...needsNamespaces, timeout: 120_000 }, async () => {
  const trained = await train(entry());
  assert.equal(trained.confinement, "namespaces");
  const score = (settings: Record<string, unknown>) => scoreArtifact({ entryDir: entry(settings), artifactFile: trained.artifact, courseDir: fx.course.dir, track: LOCAL, maxTargets: 8192, strictConfinement: true });
  const honest = await score({});
  assert.equal(honest.confinement, "namespaces");
  assert.ok(Number.isFinite(honest.val_bpb));
  await rejectsWith(score({ mode: "reader", path: fx.course.valFiles[0] }), "ENTRY_CRASHED", (e) => {
    assert.match(e.message, /eval could not read the validation shard/);
    assert.equal((e.details?.partial as { targets_scored: number }).targets_scored, 0);
  });
  await rejectsWith(score({ mode: "socket", port: fx.canary.port }), "ENTRY_ACCESS", (e) => assert.match(e.message, /Network is unreachable.*tried to use the network/));
  assert.equal(fx.canary.connections(), 0);
});
