// Code bytes of an entry: every file in the entry folder except README.md, submission.json, logs
// (*.log, logs/) and the dependency list (package.json, package-lock.json, requirements.txt), each
// counted as its content plus its relative path (UTF-8 bytes): a name is data the entry can read at
// run time (readdir), so a name pays for itself. At most MAX_CODE_FILES files, at most MAX_CODE_DEPTH
// folders deep. Symbolic links to files inside the entry are counted as the bytes they point to;
// links that lead outside, links to folders, and anything that is not a regular file (a FIFO would
// hang the reader, a device is not code) are refused, as are names that are not clean UTF-8.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { MAX_CODE_DEPTH, MAX_CODE_FILES } from "./rules.js";

const EXCLUDED_NAMES = new Set(["README.md", "submission.json", "package.json", "package-lock.json", "requirements.txt"]);

export interface CodeFile {
  /** Relative path with "/" separators. */
  path: string;
  /** Content bytes. */
  bytes: number;
  /** UTF-8 bytes of `path`, counted as code too. */
  path_bytes: number;
}

/** Content plus path bytes of a list of counted files. */
export function countedBytes(files: CodeFile[]): number {
  return files.reduce((a, f) => a + f.bytes + f.path_bytes, 0);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function cleanName(raw: Buffer, dir: string): string {
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    throw new PgolfError("ENTRY_FILES", `a file name in ${dir} is not valid UTF-8`, { file: dir, fix: "rename it with plain UTF-8 characters" });
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new PgolfError("ENTRY_FILES", `the name ${JSON.stringify(name)} holds a control character`, { file: path.join(dir, name.replace(/[\u0000-\u001f\u007f]/g, "?")), fix: "rename it without control characters" });
  return name;
}

export function codeFiles(entryDir: string): CodeFile[] {
  const root = fs.realpathSync(entryDir);
  const out: CodeFile[] = [];
  const walk = (dir: string, depth: number) => {
    const names = fs.readdirSync(dir, { encoding: "buffer" }).map((b) => cleanName(b, dir)).sort();
    for (const name of names) {
      const p = path.join(dir, name);
      const rel = path.relative(root, p);
      const link = fs.lstatSync(p);
      const real = fs.realpathSync(p);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new PgolfError("CONFIG_INVALID", `${rel} is a link to ${real}, outside the entry folder`, { file: p, fix: "copy the file into the entry folder (it counts as code)" });
      }
      const st = fs.statSync(real);
      if (st.isDirectory()) {
        if (name === "logs" || name === "node_modules") continue;
        if (link.isSymbolicLink()) throw new PgolfError("CONFIG_INVALID", `${rel} is a link to a folder`, { file: p, fix: "replace the link with the folder itself" });
        if (depth + 1 > MAX_CODE_DEPTH) throw new PgolfError("ENTRY_FILES", `${rel} is nested more than ${MAX_CODE_DEPTH} folders deep`, { file: p, fix: `keep the entry's files at most ${MAX_CODE_DEPTH} folders deep` });
        walk(p, depth + 1);
      } else if (!EXCLUDED_NAMES.has(name) && !name.endsWith(".log")) {
        if (!st.isFile()) throw new PgolfError("CONFIG_INVALID", `${rel} is not a regular file`, { file: p, fix: "remove it (pipes, sockets and devices are not code)" });
        const relPath = rel.split(path.sep).join("/");
        out.push({ path: relPath, bytes: st.size, path_bytes: Buffer.byteLength(relPath, "utf8") });
        if (out.length > MAX_CODE_FILES) {
          throw new PgolfError("ENTRY_FILES", `the entry has more than ${MAX_CODE_FILES} counted files`, { file: root, fix: `an entry may have at most ${MAX_CODE_FILES} files that count as code; merge them` });
        }
      }
    }
  };
  walk(root, 0);
  return out;
}

export function codeBytes(entryDir: string): number {
  return countedBytes(codeFiles(entryDir));
}
