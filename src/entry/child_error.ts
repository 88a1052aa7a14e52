// What went wrong inside an entry's process, as a stable error the harness can pass on: the child
// scripts (train_child.ts, entry_host.ts) describe a failure with this, the harness maps the sandbox's
// inside paths back to the user's entry folder (so no message names a temporary folder), and the text
// of a failed process (a Python traceback) is classified the same way.
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { INSIDE } from "./sandbox.js";

export interface ChildError {
  code: string;
  message: string;
  file?: string;
  fix?: string;
}

const NETWORK = new Set(["ENETUNREACH", "EAI_AGAIN", "ENOTFOUND", "ECONNREFUSED", "EHOSTUNREACH", "ENETDOWN"]);

/** Maps a failure inside an entry's process to a stable error (ENTRY_ACCESS, ENTRY_NATIVE_CODE or what it carries). */
export function describeChildError(e: unknown, entryDir: string): ChildError {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) {
    const err = c as { code?: string; resource?: string; permission?: string; message?: string; path?: string; syscall?: string; hostname?: string; address?: string };
    if (err.code === "ERR_ACCESS_DENIED") {
      const what = err.resource ? `${err.permission ?? "access"} to ${err.resource}` : (err.permission ?? "a restricted capability");
      return {
        code: "ENTRY_ACCESS",
        message: `the entry was denied ${what}: an entry may read only its own files and what the harness gives it (never validation data), may write nothing, and may not start processes`,
        file: err.resource,
        fix: "keep every file the entry needs inside its folder (it counts as code) and take data only from the context",
      };
    }
    if (err.code && NETWORK.has(err.code)) {
      return { code: "ENTRY_ACCESS", message: `the entry tried to use the network (${err.code} ${err.hostname ?? err.address ?? ""}): entries run without one`.replace(/ \)/, ")"), fix: "ship what the entry needs in its code or artifact (both are counted)" };
    }
    if (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND") {
      const spec = /Cannot find (?:package|module) '([^']+)'/.exec(err.message ?? "")?.[1] ?? "a module";
      return {
        code: "ENTRY_ACCESS",
        message: `the entry imports ${spec}, which does not exist where it runs: an entry may import only "pgolf", Node's built-in modules and its own files`,
        fix: "import what the entry needs from pgolf, or ship it as a file of the entry (it counts as code)",
      };
    }
    if (err.code === "ERR_DLOPEN_FAILED") {
      return { code: "ENTRY_NATIVE_CODE", message: `the entry tried to load native code: ${err.message ?? ""}`, fix: "entries may not load native code of their own; write it in TypeScript or WebAssembly" };
    }
    if ((err.code === "ENOENT" || err.code === "EACCES" || err.code === "EROFS" || err.code === "EPERM") && err.path) {
      const p = err.path;
      const own = p === INSIDE.entry || p.startsWith(INSIDE.entry + "/") || p.startsWith(entryDir + path.sep);
      if (own && err.code === "ENOENT") {
        const rel = p.startsWith(INSIDE.entry) ? p.slice(INSIDE.entry.length + 1) : path.relative(entryDir, p);
        return {
          code: "ENTRY_ACCESS",
          message: `the entry tried to read ${rel}, which is not part of it at run time: README.md, submission.json, logs and the dependency list are not counted as code, so the entry runs without them`,
          file: rel,
          fix: "put what the entry reads in a file that counts as code (any other name), or in the artifact",
        };
      }
      const verb = err.syscall === "open" || err.syscall === "read" || err.syscall === "scandir" || err.syscall === "stat" || err.syscall === "lstat" ? "reach" : (err.syscall ?? "use");
      return {
        code: "ENTRY_ACCESS",
        message: `the entry tried to ${verb} ${p} (${err.code}): an entry sees only its own files and what the harness gives it, and can write only its private scratch (/tmp, HOME), which is gone when the process ends`,
        file: p,
        fix: "take data only from the context (training data, the artifact) and keep everything else in the entry's counted files",
      };
    }
  }
  if (e instanceof PgolfError) return { code: e.code, message: e.message, file: e.file, fix: e.fix };
  return { code: "ENTRY_CRASHED", message: (e as Error)?.stack ?? String(e), fix: "fix the error in the entry's code" };
}

/** Signs in a process's last words that say which rule it ran into (for entries in any language). */
const TEXT_RULES: { re: RegExp; code: string; why: string }[] = [
  { re: /Network is unreachable|Temporary failure in name resolution|Name or service not known|ENETUNREACH|EAI_AGAIN/, code: "ENTRY_ACCESS", why: "it tried to use the network, and entries run without one" },
  { re: /failed to map segment from shared object|ERR_DLOPEN_FAILED/, code: "ENTRY_NATIVE_CODE", why: "it tried to load native code, which entries may not ship" },
  { re: /Read-only file system|EROFS/, code: "ENTRY_ACCESS", why: "it tried to write outside its private scratch (/tmp, HOME), which is all an entry may write" },
];

/** The code and reason a failed process's stderr shows, or null when it shows no rule. */
export function classifyLastWords(text: string): { code: string; why: string } | null {
  for (const r of TEXT_RULES) if (r.re.test(text)) return { code: r.code, why: r.why };
  return null;
}

/** Replaces the sandbox's inside path of the entry (and file URLs of it) with the entry's own folder. */
export function outsidePaths(text: string, entryDir: string): string {
  const dir = entryDir.endsWith(path.sep) ? entryDir : entryDir + path.sep;
  return text.split(`file://${INSIDE.entry}/`).join(dir).split(`${INSIDE.entry}/`).join(dir);
}
