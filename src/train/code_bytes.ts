// Code bytes of an entry: every file in the entry folder except README.md, submission.json, logs
// (*.log, logs/) and the dependency list (package.json, package-lock.json, requirements.txt).
// Symbolic links are counted as the bytes they point to, and refused when they lead outside.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";

const EXCLUDED_NAMES = new Set(["README.md", "submission.json", "package.json", "package-lock.json", "requirements.txt"]);

export interface CodeFile {
  path: string;
  bytes: number;
}

export function codeFiles(entryDir: string): CodeFile[] {
  const root = fs.realpathSync(entryDir);
  const out: CodeFile[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const rel = path.relative(root, p);
      const real = fs.realpathSync(p);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new PgolfError("CONFIG_INVALID", `${rel} is a link to ${real}, outside the entry folder`, { file: p, fix: "copy the file into the entry folder (it counts as code)" });
      }
      const st = fs.statSync(real);
      if (st.isDirectory()) {
        if (name === "logs" || name === "node_modules") continue;
        walk(p);
      } else if (!EXCLUDED_NAMES.has(name) && !name.endsWith(".log")) out.push({ path: rel.split(path.sep).join("/"), bytes: st.size });
    }
  };
  walk(root);
  return out;
}

export function codeBytes(entryDir: string): number {
  return codeFiles(entryDir).reduce((a, f) => a + f.bytes, 0);
}
