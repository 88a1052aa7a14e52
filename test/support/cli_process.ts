// pgolf as a separate process (the built bin, dist/), for tests of input that could hang or swamp
// the reader: the process is killed after a timeout, and where prlimit(1) exists it runs under a
// 2 GiB data limit, so a reader that never stops (a link to /dev/zero) dies instead of filling the
// machine's memory. Needs `npm run build` (`built` says whether it ran).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./fixtures.js";

export const built = fs.existsSync(path.join(PROJECT_ROOT, "dist/cli/main.js"));

/** RLIMIT_DATA of the child, bytes (2 GiB: pgolf's commands here use well under 1 GiB). */
const DATA_LIMIT_BYTES = 2 * 1024 ** 3;
const prlimit = spawnSync("prlimit", ["--version"], { stdio: "ignore" }).status === 0;

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Wallclock milliseconds until it exited or was killed. */
  ms: number;
  timedOut: boolean;
}

/** `pgolf ...argv` in its own process, killed (SIGKILL) after timeoutMs. */
export function pgolfProcess(argv: string[], timeoutMs: number, cwd = PROJECT_ROOT): Promise<ProcessResult> {
  const node = [process.execPath, path.join(PROJECT_ROOT, "bin/pgolf.js"), ...argv];
  const [cmd, ...args] = prlimit ? ["prlimit", `--data=${DATA_LIMIT_BYTES}`, ...node] : node;
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - start, timedOut });
    });
  });
}
