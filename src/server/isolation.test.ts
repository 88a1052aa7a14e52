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

test("a run outlives no dead worker: its own timeout ends it, and the next worker's sweep ends it at once", opts, async () => {
  const { spawn } = await import("node:child_process");
  const { sweepOrphanRuns, ORPHAN_GRACE_SECONDS } = await import("./isolation.js");
  const module = new URL("./isolation.ts", import.meta.url).pathname;
  // a prefix of this test's own: workers started by other tests meanwhile sweep only "pgolf-" runs
  const prefix = `pgolftest${process.pid}`;
  // a "worker": a node process that starts an isolated `sleep 300` with this wallclock, then is SIGKILLed
  const worker = (wallclockMs: number) =>
    spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `import { runIsolated } from ${JSON.stringify(module)}; await runIsolated(["/bin/sleep", "300"], { cwd: "/tmp", limits: { memoryBytes: 64 << 20, cpus: 1, pids: 8, wallclockMs: ${wallclockMs} }, groupPrefix: ${JSON.stringify(prefix)} });`], { stdio: "ignore" });
  const groupsOf = (pid: number) => fs.readdirSync("/sys/fs/cgroup/pids").filter((n) => n.startsWith(`${prefix}-${pid}-`));
  const procsOf = (name: string) => {
    try {
      return fs.readFileSync(`/sys/fs/cgroup/pids/${name}/cgroup.procs`, "utf8").split("\n").filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  const running = async (pid: number): Promise<string> => {
    for (let i = 0; i < 300; i++) {
      const g = groupsOf(pid)[0];
      if (g && procsOf(g) >= 2) return g; // timeout and sleep
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the run of worker ${pid} did not start`);
  };
  const short = worker(2000);
  const long = worker(600_000);
  const [shortGroup, longGroup] = [await running(short.pid!), await running(long.pid!)];
  short.kill("SIGKILL");
  long.kill("SIGKILL");
  // the short run ends by itself, within its wallclock plus the grace, though nobody is watching it
  const t0 = performance.now();
  while (procsOf(shortGroup) > 0 && performance.now() - t0 < (2 + ORPHAN_GRACE_SECONDS + 5) * 1000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(procsOf(shortGroup), 0, "the orphaned run's own timeout killed it");
  assert.ok(procsOf(longGroup) > 0, "the long run is still going");
  // a worker starting now sweeps both: the long run is killed and every group is removed
  assert.equal(await sweepOrphanRuns(prefix), 2);
  assert.equal(procsOf(longGroup), 0);
  for (const c of ["pids", "memory", "cpu"]) for (const g of [shortGroup, longGroup]) assert.ok(!fs.existsSync(`/sys/fs/cgroup/${c}/${g}`), `${c}/${g} removed`);
});
