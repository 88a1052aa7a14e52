// `pgolf serve` in a process of its own for the benchmarks (bin/pgolf.js: build dist first), on the
// embedded PGlite, with the node flags of PGOLF_BENCH_SERVE_FLAGS (e.g. --cpu-prof) to see where its
// time goes.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The first JSON line a child prints (pgolf serve's hello, the flood's figures). */
export function jsonLine<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (line) resolve(JSON.parse(line) as T);
    });
    child.on("exit", (code) => reject(new Error(`${what} exited with code ${code}`)));
  });
}

export interface ServeChild {
  child: ChildProcess;
  /** The server's URL, without the trailing slash. */
  base: string;
  adminToken: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `pgolf serve --port 0 --json ARGS` and waits for its hello. */
export async function startServeChild(args: string[]): Promise<ServeChild> {
  const flags = (process.env.PGOLF_BENCH_SERVE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, path.join(PROJECT_ROOT, "bin/pgolf.js"), "serve", ...args, "--port", "0", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: "" },
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  };
  try {
    const hello = await jsonLine<{ url: string; admin_token: string }>(child, "pgolf serve");
    return { child, base: hello.url.replace(/\/$/, ""), adminToken: hello.admin_token, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
