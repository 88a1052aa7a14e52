// Isolation of untrusted runs, with real namespaces and cgroups (skipped where the machine cannot):
// no network even to a server on the host's loopback, an unprivileged user that cannot write the
// inputs, a process limit that contains a fork bomb, a memory limit that kills a hog, and a hard
// wallclock kill that takes every process of the run along.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isolationSupport, runIsolated, type Limits } from "./isolation.js";

const support = isolationSupport();
const opts = support.ok ? {} : { skip: `isolation unavailable: ${support.problems.join("; ")}` };
const LIMITS: Limits = { memoryBytes: 256 * 1024 * 1024, cpus: 1, pids: 64, wallclockMs: 20_000 };
const PY = ["/usr/bin/env", "python3", "-c"];
const work = tempDir();
let port = 0;
const server = http.createServer((_req, res) => res.end("reachable"));

before(async () => {
  fs.chmodSync(work, 0o755);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

function env(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("PYENV"))) as Record<string, string> };
}

test("a run has no network, runs as nobody, and can write only its own folder", opts, async () => {
  // the host's server is reachable from here...
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "reachable");
  const out = fs.mkdtempSync(path.join(work, "out-"));
  const input = path.join(work, "input.txt");
  fs.writeFileSync(input, "read me");
  fs.chmodSync(input, 0o644);
  const code = [
    "import os, socket, sys",
    `print("uid", os.getuid())`,
    `print("input", open(${JSON.stringify(input)}).read())`,
    "try:",
    `    open(${JSON.stringify(input)}, "a").write("x"); print("input-writable")`,
    "except PermissionError: print('input-readonly')",
    `open(${JSON.stringify(path.join(out, "result.txt"))}, "w").write("ok"); print("out-writable")`,
    "try:",
    `    socket.create_connection(("127.0.0.1", ${port}), timeout=2); print("net-open")`,
    "except OSError as e: print('net-closed', e.errno)",
  ].join("\n");
  const r = await runIsolated([...PY, code], { cwd: work, env: env(), limits: LIMITS, writable: [out] });
  assert.equal(r.reason, "exit", r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^uid 65534$/m);
  assert.match(r.stdout, /^input read me$/m);
  assert.match(r.stdout, /^input-readonly$/m);
  assert.match(r.stdout, /^out-writable$/m);
  assert.match(r.stdout, /^net-closed /m, "the host's loopback server must not be reachable");
  assert.equal(fs.readFileSync(input, "utf8"), "read me");
});

test("a fork bomb is contained by the process limit", opts, async () => {
  const code = ["import os, sys", "n = 0", "for _ in range(500):", "    try:", "        pid = os.fork()", "    except OSError:", "        break", "    if pid == 0:", "        import time; time.sleep(30); os._exit(0)", "    n += 1", "print('forked', n)", "sys.stdout.flush()", "os._exit(0)"].join("\n");
  const r = await runIsolated([...PY, code], { cwd: work, env: env(), limits: { ...LIMITS, pids: 20, wallclockMs: 10_000 } });
  const forked = Number(/forked (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  assert.ok(forked < 20, `forked ${forked} with a limit of 20: ${r.stderr}`);
});

test("a memory hog is killed at the memory limit", opts, async () => {
  const r = await runIsolated([...PY, "x = bytearray(600 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); print('survived')"], { cwd: work, env: env(), limits: { ...LIMITS, memoryBytes: 128 * 1024 * 1024 } });
  assert.doesNotMatch(r.stdout, /survived/);
  assert.equal(r.reason, "memory", `code ${r.code} signal ${r.signal} ${r.stderr}`);
  assert.ok(r.peakMemoryBytes! <= 128 * 1024 * 1024 + 4096);
});

test("the wallclock kill ends the run and every process it started", opts, async () => {
  const marker = path.join(work, "still-alive");
  const code = ["import os, time", "if os.fork() == 0:", "    time.sleep(3)", `    open(${JSON.stringify(marker)}, "w").write("x")`, "    os._exit(0)", "time.sleep(60)"].join("\n");
  const r = await runIsolated([...PY, code], { cwd: work, env: env(), limits: { ...LIMITS, wallclockMs: 1000 }, writable: [work] });
  assert.equal(r.reason, "wallclock");
  assert.ok(r.seconds < 5, `took ${r.seconds} s`);
  await new Promise((res) => setTimeout(res, 3500));
  assert.ok(!fs.existsSync(marker), "a process of the run survived the kill");
  fs.chownSync(work, 0, 0);
});
