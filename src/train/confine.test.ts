// Confinement of process entries with real namespaces (skipped where the machine has none): the
// training view holds no validation shard; inside, the view reads through read-only, the course's
// validation data is hidden and cannot be unhidden, /proc shows only the run's own processes, and a
// real HTTP server on the host's loopback is unreachable (and sees no connection). Planning is pure:
// a machine without namespaces runs with a warning, or refuses when strict. config.json's command keys
// are typed: a misspelt one is refused.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { throwsCode } from "../../test/support/errors.js";
import { courseAndCanary } from "../../test/support/canary_server.js";
import { tempDir } from "../../test/support/fixtures.js";
import { processesWith } from "../../test/support/process_entry.js";
import { confineSupport, courseMasks, entryEnv, planConfinement, spawnConfined } from "./confine.js";
import { readEntryConfig } from "./entry_config.js";
import { trainingView } from "./training_view.js";

const work = tempDir();
const support = confineSupport();
const needsNamespaces = support.ok ? {} : { skip: `no namespaces here: ${support.problems.join("; ")}` };
const fx = courseAndCanary(work);

/** Runs `sh -c script` confined with the training view bound; resolves with exit code and output. */
async function confinedShell(script: string, extra: { keep?: string[] } = {}): Promise<{ code: number | null; out: string }> {
  const view = trainingView(fx.course, "bind");
  try {
    const child = spawnConfined(["/bin/sh", "-c", script], {
      plan: planConfinement("the test command", true),
      what: "the test command",
      cwd: work,
      env: entryEnv({ VIEW: view.dir }),
      stdio: ["ignore", "pipe", "pipe"],
      binds: view.binds,
      mask: courseMasks(fx.course),
      keep: [view.dir, ...(extra.keep ?? [])],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    return { code, out };
  } finally {
    view.remove();
  }
}

test("the training view holds the manifest, the tokenizer and the training shards, never a validation shard", async () => {
  for (const mode of ["bind", "link"] as const) {
    const view = trainingView(fx.course, mode);
    try {
      const files = fs.readdirSync(view.dir, { recursive: true, withFileTypes: true }).filter((d) => !d.isDirectory()).map((d) => path.relative(view.dir, path.join(d.parentPath, d.name))).sort();
      assert.deepEqual(files, ["datasets/sotu_sp1024/sotu_train_000000.bin", "manifest.json", "tokenizers/sotu_1024_bpe.model", "tokenizers/sotu_1024_bpe.vocab"]);
      assert.deepEqual(view.trainFiles, [path.join(view.dir, "datasets/sotu_sp1024/sotu_train_000000.bin")]);
      // "bind": empty placeholders outside the namespace; "link": the real files
      assert.equal(fs.statSync(view.trainFiles[0]).size, mode === "bind" ? 0 : fs.statSync(fx.course.trainFiles[0]).size);
      assert.equal(view.binds.length, mode === "bind" ? 4 : 0);
    } finally {
      view.remove();
    }
  }
});

test("inside: the view reads through read-only, validation data is hidden for good, /proc is the run's own, no network", { ...needsNamespaces, timeout: 60_000 }, async () => {
  const val = fx.course.valFiles[0];
  const script = [
    `wc -c < "$VIEW/datasets/sotu_sp1024/sotu_train_000000.bin" | sed 's/^ */train-bytes /'`,
    `test -e ${JSON.stringify(val)}; echo "val-exists $?"`,
    `ls ${JSON.stringify(fx.course.dir)} | wc -l | sed 's/^ */course-entries /'`,
    `umount ${JSON.stringify(fx.course.dir)} 2>/dev/null; echo "umount $?"`,
    `(echo x >> "$VIEW/manifest.json") 2>/dev/null; echo "view-write $?"`,
    `ls /proc | grep -c '^[0-9]' | sed 's/^/pids /'`,
    `test -e /proc/${process.pid}/root${val}; echo "via-proc $?"`,
    `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${fx.canary.port}), timeout=3)" 2>/dev/null; echo "net $?"`,
  ].join("\n");
  const r = await confinedShell(script);
  assert.equal(r.code, 0, r.out);
  // the view's placeholder reads as the course's training shard itself
  assert.match(r.out, new RegExp(`^train-bytes ${fs.statSync(fx.course.trainFiles[0]).size}$`, "m"), r.out);
  assert.match(r.out, /^val-exists 1$/m, "the validation shard is hidden");
  assert.match(r.out, /^course-entries 0$/m, "the course folder is an empty mask");
  assert.doesNotMatch(r.out, /^umount 0$/m, "the mask cannot be lifted");
  assert.doesNotMatch(r.out, /^view-write 0$/m, "the view is read-only");
  assert.ok(Number(/^pids (\d+)$/m.exec(r.out)![1]) < 10, r.out);
  assert.match(r.out, /^via-proc 1$/m, "the harness's files are not reachable through /proc");
  assert.match(r.out, /^net 1$/m);
  assert.equal(fx.canary.connections(), 0, "the host's server saw no connection");
  assert.ok(fs.statSync(val).size > 0, "the real validation shard is untouched outside");
});

test("when the harness dies, the confined run dies with it", { ...needsNamespaces, timeout: 30_000 }, async () => {
  const marker = `PGOLF_TEST_MARKER=${process.pid}-${Date.now()}`;
  const script = path.join(work, "harness.mts");
  fs.writeFileSync(
    script,
    [
      `import { entryEnv, planConfinement, spawnConfined } from ${JSON.stringify(path.resolve("src/train/confine.ts"))};`,
      `const [k, v] = ${JSON.stringify(marker.split("="))};`,
      `spawnConfined(["sleep", "600"], { plan: planConfinement("t", true), what: "t", cwd: "/", env: entryEnv({ [k]: v }), stdio: "ignore", mask: [], keep: [] });`,
      `setTimeout(() => console.log("started"), 500);`,
      `setInterval(() => {}, 1000);`,
    ].join("\n"),
  );
  const harness = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((r) => harness.stdout.once("data", () => r()));
  assert.ok(processesWith(marker).length > 0, "the confined run is up");
  harness.kill("SIGKILL");
  for (let i = 0; i < 50 && processesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(processesWith(marker), [], "no process of the run outlives the harness");
});

test("a run folder inside the hidden course folder is refused before anything starts", { ...needsNamespaces }, async () => {
  await assert.rejects(confinedShell("true", { keep: [path.join(fx.course.dir, "runs", "seed_1")] }), (e: Error & { code?: string }) => e.code === "CONFIG_INVALID" && /hidden from the entry/.test(e.message));
});

test("without namespaces: a local run goes on with a warning; a strict run (verification) is refused", () => {
  const none = { ok: false, problems: ["confinement needs Linux user, mount and network namespaces (this is darwin)"] };
  const plan = planConfinement("the train_command of x", false, none);
  assert.equal(plan.confinement, "none");
  assert.match(plan.warning!, /ran unconfined .*darwin.*could read the validation data/);
  throwsCode(() => planConfinement("the train_command of x", true, none), "ENTRY_CONFINEMENT");
  assert.deepEqual(planConfinement("x", true, { ok: true, problems: [] }), { confinement: "namespaces", warning: null });
});

test("config.json: commands are typed, a misspelt command key is refused, train_command needs eval_command", () => {
  const dir = (config: unknown) => {
    const d = fs.mkdtempSync(path.join(work, "cfg-"));
    fs.writeFileSync(path.join(d, "config.json"), JSON.stringify(config));
    return d;
  };
  const ok = readEntryConfig(dir({ train_command: ["python3", "train.py"], eval_command: ["python3", "entry.py"], mode: "honest" }));
  assert.deepEqual([ok.kind, ok.trainCommand, ok.evalCommand, ok.values.mode], ["process", ["python3", "train.py"], ["python3", "entry.py"], "honest"]);
  assert.equal(readEntryConfig(dir({ model: "cpu-small" })).kind, "pgolf");
  assert.equal(readEntryConfig(work).kind, "pgolf", "no config.json: a pgolf entry without settings");
  throwsCode(() => readEntryConfig(dir({ train_cmd: ["python3", "train.py"], eval_command: ["python3", "entry.py"] })), "CONFIG_UNKNOWN_KEY");
  throwsCode(() => readEntryConfig(dir({ trainCommand: ["python3", "train.py"] })), "CONFIG_UNKNOWN_KEY");
  throwsCode(() => readEntryConfig(dir({ train_command: ["python3", "train.py"] })), "CONFIG_INVALID");
  throwsCode(() => readEntryConfig(dir({ eval_command: "python3 entry.py" })), "CONFIG_INVALID");
  throwsCode(() => readEntryConfig(dir({ eval_command: [] })), "CONFIG_INVALID");
});
