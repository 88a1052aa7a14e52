// A broken onnxruntime install, for real (issue 15): the installed bin runs in a child process
// against a copy of the package whose onnxruntime-node has a corrupt native binding, or has lost the
// shared library the binding links to. The user must get ENGINE_BACKEND naming what was tried and
// the fix, exit 1, and no stack trace; commands that need no engine must still work.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";

const ORT = path.join(PROJECT_ROOT, "node_modules", "onnxruntime-node");
const built = fs.existsSync(path.join(PROJECT_ROOT, "dist/cli/main.js"));

/** The folder of the native binding for this machine, e.g. bin/napi-v6/linux/x64. */
function bindingDir(): string {
  const napi = fs.readdirSync(path.join(ORT, "bin")).find((d) => fs.existsSync(path.join(ORT, "bin", d, process.platform, process.arch)));
  if (!napi) throw new Error(`onnxruntime-node has no binding for ${process.platform}/${process.arch}`);
  return path.join("bin", napi, process.platform, process.arch);
}

/**
 * A copy of the installed package (bin, dist, assets, templates, package.json) whose node_modules links every dependency
 * of the real install except onnxruntime-node, which is a real copy (Node resolves a symlinked
 * package to its real path, so a link would load the working binding) broken by `breakIt`.
 */
function brokenInstall(breakIt: (bindings: string) => void): string {
  const root = tempDir("pgolf-broken-ort-");
  // what the published package holds (package.json "files")
  for (const f of ["bin", "dist", "assets", "templates", "package.json"]) fs.cpSync(path.join(PROJECT_ROOT, f), path.join(root, f), { recursive: true });
  const modules = path.join(root, "node_modules");
  fs.mkdirSync(modules);
  for (const name of fs.readdirSync(path.join(PROJECT_ROOT, "node_modules"))) {
    if (name === "onnxruntime-node" || name === ".bin") continue;
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules", name), path.join(modules, name));
  }
  const copy = path.join(modules, "onnxruntime-node");
  for (const f of ["package.json", "dist", "lib"]) fs.cpSync(path.join(ORT, f), path.join(copy, f), { recursive: true });
  const binding = bindingDir();
  fs.cpSync(path.join(ORT, binding), path.join(copy, binding), { recursive: true });
  breakIt(path.join(copy, binding));
  return root;
}

function run(root: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "bin", "pgolf.js"), ...argv], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const cases: [string, (bindings: string) => void, RegExp][] = [
  ["a corrupt native binding", (b) => fs.writeFileSync(path.join(b, "onnxruntime_binding.node"), "this is not an ELF file\n"), /onnxruntime_binding\.node|invalid ELF|file too short/],
  ["a missing shared library", (b) => fs.rmSync(path.join(b, "libonnxruntime.so.1")), /libonnxruntime\.so\.1/],
];

for (const [what, breakIt, cause] of cases) {
  test(`onnxruntime-node with ${what}: ENGINE_BACKEND with what was tried and the fix, exit 1, no stack trace`, { skip: built ? undefined : "dist/ not built (npm run build)", timeout: 120_000 }, async () => {
    const root = brokenInstall(breakIt);
    const r = await run(root, "bench", "train", "--config", "cpu-small", "--steps", "1", "--no-peer");
    assert.equal(r.code, 1, `exit code 1 (a coded error), got ${r.code}: ${r.err}`);
    assert.match(r.err, /^error: PGOLF_ENGINE_BACKEND/m, r.err);
    assert.match(r.err, /onnxruntime-node could not be loaded on linux\/x64 with Node/, r.err);
    assert.ok(r.err.includes(path.join(root, "node_modules", "onnxruntime-node")), `names the package it tried: ${r.err}`);
    assert.match(r.err, cause, "quotes the loader's reason");
    assert.ok(r.err.includes(`${path.join(root, "node_modules", "onnxruntime-node", bindingDir())} (holds `), `lists the binding folder and what it holds: ${r.err}`);
    assert.match(r.err, /npm ci/, "names the fix");
    assert.doesNotMatch(r.err, /^\s+at /m, "no stack trace");
    assert.doesNotMatch(r.err, /internal error/);
    // --json: the same error as one JSON object on stdout
    const j = await run(root, "bench", "train", "--config", "cpu-small", "--steps", "1", "--no-peer", "--json");
    assert.equal(j.code, 1);
    const e = JSON.parse(j.out).error;
    assert.equal(e.code, "PGOLF_ENGINE_BACKEND");
    assert.match(e.fix, /npm ci/);
    // commands that need no engine never load it
    const version = await run(root, "--version");
    assert.equal(version.code, 0, version.err);
    const init = await run(root, "init", "e");
    assert.equal(init.code, 0, init.err);
  });
}
