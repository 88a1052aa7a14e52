// Running an entry's code in a child Node process under Node's permission model: the process may
// read only what it is given (the library, the sealed entry, the files of its job) and write only
// its output folder; it may not spawn processes or open inspector sessions. Native addons are
// allowed (onnxruntime), and worker threads (module loader hooks run in one on Node 20).
//
// The child always runs the built library (dist/), because a TypeScript loader in the child would
// need to spawn esbuild; `npm ci` builds dist/ (the "prepare" script) and `npm test` rebuilds it.
// This is what makes "an entry cannot read validation data during training" hard rather than polite:
// the validation shards are simply not readable in the process that trains.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PgolfError } from "../core/error.js";

/** The pgolf package root (holds package.json, dist/, assets/). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A built library module the child runs, e.g. "train/train_child.js". */
export function distScript(rel: string): string {
  const file = path.join(PACKAGE_ROOT, "dist", rel);
  if (!fs.existsSync(file)) {
    throw new PgolfError("FILE_NOT_FOUND", `the built library is missing ${path.join("dist", rel)}`, { file, fix: "build it: npm run build (npm ci does it too)" });
  }
  return file;
}

/** The node_modules folder that holds the library's dependencies (the package's own, or the one it is installed in). */
function dependencyRoot(): string {
  const req = createRequire(import.meta.url);
  let dir = path.dirname(req.resolve("onnxruntime-node/package.json"));
  while (path.basename(dir) !== "node_modules") {
    const up = path.dirname(dir);
    if (up === dir) throw new PgolfError("FILE_NOT_FOUND", "could not locate node_modules", { file: PACKAGE_ROOT, fix: "reinstall pgolf (npm ci)" });
    dir = up;
  }
  return dir;
}

/** Paths a sandboxed child needs to run the library itself. */
export function libraryReadPaths(): string[] {
  return [path.join(PACKAGE_ROOT, "dist"), path.join(PACKAGE_ROOT, "assets"), path.join(PACKAGE_ROOT, "package.json"), dependencyRoot()];
}

export interface SandboxOptions {
  /** Files or folders the child may read, besides the library. */
  read: string[];
  /** Files or folders the child may write (and read). */
  write: string[];
  /** Child stdio (default: stdin ignored, stdout piped, stderr inherited). */
  stdio?: ("pipe" | "ignore" | "inherit")[];
  env?: Record<string, string>;
}

function permissionFlag(): string {
  // Node 22.13+ / 23.5+ name it --permission; Node 20 only knows the experimental flag.
  return process.allowedNodeEnvironmentFlags.has("--permission") ? "--permission" : "--experimental-permission";
}

export function sandboxArgs(o: Pick<SandboxOptions, "read" | "write">): string[] {
  const read = [...libraryReadPaths(), ...o.read, ...o.write].map((p) => path.resolve(p));
  return [
    permissionFlag(),
    "--allow-addons",
    "--allow-worker",
    ...read.map((p) => `--allow-fs-read=${p}`),
    ...o.write.map((p) => `--allow-fs-write=${path.resolve(p)}`),
    "--no-warnings=ExperimentalWarning",
    "--disable-warning=SecurityWarning",
  ].filter((a) => a !== "--disable-warning=SecurityWarning" || process.allowedNodeEnvironmentFlags.has("--disable-warning"));
}

/** Starts `node <sandbox flags> <script> ...args`. */
export function spawnSandboxed(script: string, args: string[], o: SandboxOptions): ChildProcess {
  return spawn(process.execPath, [...sandboxArgs(o), script, ...args], {
    stdio: o.stdio ?? ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "", ...(process.env.CI ? { CI: process.env.CI } : {}), ...(o.env ?? {}) },
  });
}

/** Maps a failure inside a sandboxed child to a stable error: access denials become ENTRY_ACCESS. */
export function describeChildError(e: unknown, sealedDir?: string): { code: string; message: string; file?: string; fix?: string } {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    const err = c as { code?: string; resource?: string; permission?: string; message?: string; path?: string };
    if (err.code === "ENOENT" && sealedDir && err.path && path.resolve(err.path).startsWith(path.resolve(sealedDir) + path.sep)) {
      const rel = path.relative(sealedDir, err.path);
      return {
        code: "ENTRY_ACCESS",
        message: `the entry tried to read ${rel}, which is not part of it at run time: README.md, submission.json, logs and the dependency list are not counted as code, so the entry runs without them`,
        file: rel,
        fix: "put what the entry reads in a file that counts as code (any other name), or in the artifact",
      };
    }
    if (err.code === "ERR_ACCESS_DENIED") {
      const what = err.resource ? `${err.permission ?? "access"} to ${err.resource}` : (err.permission ?? "a restricted capability");
      return {
        code: "ENTRY_ACCESS",
        message: `the entry was denied ${what}: an entry may read only its own folder and the files the harness gives it (never validation data), and may not start processes`,
        file: err.resource,
        fix: "keep every file the entry needs inside its folder (it counts as code) and take data only from the context",
      };
    }
  }
  if (e instanceof PgolfError) return { code: e.code, message: e.message, file: e.file, fix: e.fix };
  return { code: "ENTRY_CRASHED", message: (e as Error)?.stack ?? String(e), fix: "fix the error in the entry's code" };
}
