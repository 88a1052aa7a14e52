// Running an untrusted command the way a verification worker must: in its own network namespace
// (no network at all, not even loopback to the host's services), its own PID namespace (it sees and
// can signal only its own processes, and all of them die with it), as an unprivileged user (inputs
// owned by root are read-only to it; only the folders it is given are writable), with
// no_new_privs, under cgroup limits on memory, CPU and process count, and with a hard wallclock
// kill. Linux only; needs root (to create namespaces and cgroups and to drop to the sandbox user).
//
// Processes join the cgroups before the command starts: a tiny shell writes its own PID into each
// cgroup.procs and then execs `unshare`, so nothing the command forks can escape the limits.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { PgolfError } from "../core/error.js";
import { processAlive, processStartTime } from "./process_alive.js";

export interface Limits {
  /** Memory (RSS + page cache charged to the group), bytes. */
  memoryBytes: number;
  /** CPU time per wallclock second, in cores (1.5 = 150% of one core). */
  cpus: number;
  /** Processes and threads at once. */
  pids: number;
  /** Wallclock before the whole group is killed, milliseconds. */
  wallclockMs: number;
}

export interface IsolatedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it ended: it exited, or it was killed for time or for memory. */
  reason: "exit" | "wallclock" | "memory";
  seconds: number;
  /** Peak memory of the group, bytes (cgroup's max_usage_in_bytes). */
  peakMemoryBytes: number | null;
  stdout: string;
  stderr: string;
}

export interface IsolatedOptions {
  cwd: string;
  /** The whole environment of the command (nothing is inherited). */
  env?: Record<string, string>;
  limits: Limits;
  /** Folders the command may write (made the sandbox user's). */
  writable?: string[];
  /** The sandbox user (default: nobody, 65534). */
  uid?: number;
  gid?: number;
  /** Keep at most this much of stdout and stderr, bytes. */
  maxOutputBytes?: number;
  /** The run's cgroups are named <prefix>-<owner pid>-<owner start>-<uuid>; default "pgolf" (what sweepOrphanRuns looks for). */
  groupPrefix?: string;
}

const CGROUP_ROOT = "/sys/fs/cgroup";
const CONTROLLERS = ["memory", "cpu", "pids"] as const;

/** What this machine offers for isolation; `problems` says what is missing. */
export function isolationSupport(): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push("isolation needs Linux namespaces and cgroups");
  if (process.getuid?.() !== 0) problems.push("isolation needs root (to create namespaces and cgroups and drop to the sandbox user)");
  for (const c of CONTROLLERS) if (!fs.existsSync(path.join(CGROUP_ROOT, c, "cgroup.procs"))) problems.push(`the cgroup v1 ${c} controller is not mounted at ${CGROUP_ROOT}/${c}`);
  for (const tool of ["/usr/bin/unshare", "/usr/bin/setpriv"]) if (!fs.existsSync(tool)) problems.push(`${tool} is missing (util-linux)`);
  return { ok: problems.length === 0, problems };
}

function write(file: string, value: string | number): void {
  fs.writeFileSync(file, String(value));
}

function readNumber(file: string): number | null {
  try {
    return Number(fs.readFileSync(file, "utf8").trim());
  } catch {
    return null;
  }
}

/** SIGKILL to every process in a cgroup, until it is empty (new forks are caught on the next round). */
function killGroup(group: string): void {
  for (let round = 0; round < 100; round++) {
    let procs: number[];
    try {
      procs = fs.readFileSync(path.join(group, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return;
    }
    if (procs.length === 0) return;
    for (const p of procs) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** OOM kills in a memory group (memory.oom_control's oom_kill), or 1 when the group hit its limit. */
function oomKills(group: string): number {
  try {
    const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(group, "memory.oom_control"), "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // older kernels: fall back to the usage
  }
  const peak = readNumber(path.join(group, "memory.max_usage_in_bytes"));
  const limit = readNumber(path.join(group, "memory.limit_in_bytes"));
  return peak !== null && limit !== null && peak >= limit ? 1 : 0;
}

/** How long past its wallclock a run whose worker died may live before its own timeout kills it, seconds. */
export const ORPHAN_GRACE_SECONDS = 5;

/**
 * Kills the runs of dead owners (a worker SIGKILLed mid-job) and removes their cgroups; returns how
 * many runs it found. Each run also dies by itself at its wallclock (+ ORPHAN_GRACE_SECONDS), so this
 * only frees the machine sooner: `pgolf worker` calls it when it starts.
 */
export async function sweepOrphanRuns(prefix = "pgolf"): Promise<number> {
  if (!isolationSupport().ok) return 0;
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new PgolfError("USAGE", `"${prefix}" is not a cgroup name prefix`, { fix: "letters and digits" });
  let found = 0;
  for (const name of fs.readdirSync(path.join(CGROUP_ROOT, "pids"))) {
    const m = new RegExp(`^${prefix}-(\\d+)-(\\d+)-[0-9a-f-]{36}$`).exec(name);
    if (!m || processAlive(Number(m[1]), m[2] === "0" ? null : m[2])) continue;
    found++;
    killGroup(path.join(CGROUP_ROOT, "pids", name));
    for (const c of CONTROLLERS) {
      const g = path.join(CGROUP_ROOT, c, name);
      for (let i = 0; i < 50 && fs.existsSync(g); i++) {
        try {
          fs.rmdirSync(g);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
  return found;
}

export async function runIsolated(command: string[], o: IsolatedOptions): Promise<IsolatedResult> {
  const support = isolationSupport();
  if (!support.ok) throw new PgolfError("ENTRY_ACCESS", `this machine cannot isolate a run: ${support.problems.join("; ")}`, { fix: "run workers as root on Linux with cgroup v1 controllers mounted" });
  const uid = o.uid ?? 65534;
  const gid = o.gid ?? 65534;
  // the owner's pid and start time in the name let sweepOrphanRuns find runs whose worker died
  const id = `${o.groupPrefix ?? "pgolf"}-${process.pid}-${processStartTime(process.pid) ?? 0}-${randomUUID()}`;
  const groups = CONTROLLERS.map((c) => path.join(CGROUP_ROOT, c, id));
  for (const g of groups) fs.mkdirSync(g);
  try {
    const [mem, cpu, pids] = groups;
    write(path.join(mem, "memory.limit_in_bytes"), o.limits.memoryBytes);
    if (fs.existsSync(path.join(mem, "memory.memsw.limit_in_bytes"))) write(path.join(mem, "memory.memsw.limit_in_bytes"), o.limits.memoryBytes);
    write(path.join(cpu, "cpu.cfs_period_us"), 100_000);
    write(path.join(cpu, "cpu.cfs_quota_us"), Math.max(1000, Math.round(o.limits.cpus * 100_000)));
    write(path.join(pids, "pids.max"), o.limits.pids);
    for (const w of o.writable ?? []) fs.chownSync(w, uid, gid);

    const join = groups.map((g) => `echo $$ > ${g}/cgroup.procs`).join(" && ");
    const argv = [
      "-c",
      `${join} && exec "$@"`,
      "sh",
      "/usr/bin/unshare",
      "--net",
      "--pid",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "--ipc",
      "--uts",
      "/usr/bin/setpriv",
      `--reuid=${uid}`,
      `--regid=${gid}`,
      "--clear-groups",
      "--no-new-privs",
      "--",
      // a second wallclock kill inside the run, for when this process dies without killing it (the
      // parent-death signal of unshare --kill-child does not survive the drop to the sandbox user)
      "/usr/bin/timeout",
      "--signal=KILL",
      `${Math.ceil(o.limits.wallclockMs / 1000) + ORPHAN_GRACE_SECONDS}s`,
      ...command,
    ];
    const t0 = performance.now();
    const child = spawn("/bin/sh", argv, { cwd: o.cwd, env: o.env ?? { PATH: "/usr/local/bin:/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] });
    const max = o.maxOutputBytes ?? 1 << 20;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString("utf8")).slice(-max)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-max)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // every process of the run is in the pids group: kill them all (the parent-death signal of
      // unshare --kill-child does not survive the drop to the sandbox user)
      killGroup(pids);
      child.kill("SIGKILL");
    }, o.limits.wallclockMs);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, s) => resolve({ code: c, signal: s }));
    }).finally(() => clearTimeout(timer));
    killGroup(pids); // anything left behind (a daemonized child) goes with the run
    const peak = readNumber(path.join(mem, "memory.max_usage_in_bytes"));
    const oom = oomKills(mem) > 0 && code !== 0;
    return { code, signal, reason: timedOut ? "wallclock" : oom ? "memory" : "exit", seconds: (performance.now() - t0) / 1000, peakMemoryBytes: peak, stdout, stderr };
  } finally {
    // the group is empty once its processes are gone; give the kernel a moment to reap them
    for (const g of groups) {
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(g);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}
