// `pgolf init DIR`: writes the baseline entry (entry.ts + config.json) into DIR.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { codeFiles } from "../entry/code_bytes.js";

export const TEMPLATES_DIR = new URL("../../templates/", import.meta.url);

export interface InitResult {
  dir: string;
  template: string;
  files: string[];
}

export async function initEntry(dir: string, opts: { template?: string; force?: boolean } = {}): Promise<InitResult> {
  const template = opts.template ?? "baseline";
  const src = new URL(`${template}/`, TEMPLATES_DIR);
  if (!fs.existsSync(src)) throw new PgolfError("CONFIG_INVALID", `no entry template named "${template}"`, { fix: `use one of: ${fs.readdirSync(TEMPLATES_DIR).join(", ")}` });
  const names = fs.readdirSync(src).sort();
  for (const n of names) {
    const target = path.join(dir, n);
    if (fs.existsSync(target) && !opts.force) {
      throw new PgolfError("FILE_WRITE", `${n} already exists in the entry folder`, { file: target, fix: "choose another folder, or pass --force to overwrite" });
    }
  }
  for (const n of names) await writeFileAtomic(path.join(dir, n), fs.readFileSync(new URL(n, src)));
  return { dir, template, files: names };
}

/**
 * The name of the template `dir` is an unchanged copy of, or null: every counted file of the entry is
 * one of the template's, byte for byte, and every file of the template is there.
 */
export function pristineTemplate(dir: string): string | null {
  let counted: string[];
  try {
    counted = codeFiles(dir).map((f) => f.path);
  } catch {
    return null;
  }
  for (const template of fs.readdirSync(TEMPLATES_DIR)) {
    const src = new URL(`${template}/`, TEMPLATES_DIR);
    const names = fs.readdirSync(src);
    const same = (n: string) => fs.existsSync(path.join(dir, n)) && fs.readFileSync(path.join(dir, n)).equals(fs.readFileSync(new URL(n, src)));
    if (names.length > 0 && names.every(same) && counted.every((f) => names.includes(f))) return template;
  }
  return null;
}

/**
 * An error from running an entry pgolf wrote itself and nobody changed: its fix must not tell the user
 * to fix code they never wrote. Other errors pass through.
 */
export function ownEntryError(e: unknown, entryDir: string): unknown {
  if (!(e instanceof PgolfError) || !e.code.startsWith("ENTRY_")) return e;
  const template = pristineTemplate(entryDir);
  if (!template) return e;
  return new PgolfError(e.code, `${e.message} (the entry is pgolf's own "${template}" template, unchanged)`, {
    file: e.file,
    fix: "this is not a problem in your code: run it again (a machine busy with other work slows training), and if it persists report it with `pgolf --version` and the messages above",
    details: e.details,
    cause: e,
  });
}
