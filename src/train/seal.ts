// Sealing an entry: a private copy of exactly its counted code files (code_bytes.ts), from which the
// harness runs it. Files the size rule does not count (README.md, submission.json, logs, the
// dependency list) are not in the copy, so an entry cannot hide weights in them and read them at run
// time; every file it can read is a file it pays for. For pgolf entries, TypeScript files are compiled
// to JavaScript (esbuild, type stripping only: the byte count is of the source as written) and the
// copy's package.json is written fresh as {"type": "module"}. A process entry (config.json's
// train_command / eval_command, any language) is copied verbatim: its commands name its files.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { transformSync } from "esbuild";
import { PgolfError } from "../core/error.js";
import { codeFiles, type CodeFile } from "./code_bytes.js";

export interface SealedEntry {
  /** The private copy (a fresh folder under the OS temp folder). */
  dir: string;
  /** The counted files of the original, and their total. */
  files: CodeFile[];
  codeBytes: number;
  remove(): void;
}

const TS = /\.(m?)ts$/;

export function sealEntry(entryDir: string, opts: { verbatim?: boolean } = {}): SealedEntry {
  const files = codeFiles(entryDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-entry-"));
  try {
    for (const f of files) {
      const src = path.join(entryDir, f.path);
      const dst = path.join(dir, f.path);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      if (!opts.verbatim && TS.test(f.path) && !f.path.endsWith(".d.ts")) {
        let js: string;
        try {
          js = transformSync(fs.readFileSync(src, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: src, sourcemap: "inline" }).code;
        } catch (e) {
          throw new PgolfError("CONFIG_INVALID", `the entry's ${f.path} does not compile: ${(e as Error).message.split("\n")[0]}`, { file: src, fix: "fix the syntax error", cause: e });
        }
        fs.writeFileSync(dst.replace(TS, ".$1js"), js);
      } else fs.copyFileSync(src, dst);
    }
    if (!opts.verbatim) fs.writeFileSync(path.join(dir, "package.json"), '{"type": "module"}\n');
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, files, codeBytes: files.reduce((a, f) => a + f.bytes, 0), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
