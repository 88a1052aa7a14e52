// `pgolf init DIR [--template T]`: writes an entry template (entry.ts + config.json + package.json)
// into DIR. A template folder holds its files, or (template.json {"extends": "baseline"}) the files it
// changes over another template's: "golf" is the baseline's code with its own config.json, so the
// two cannot drift apart.
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

const TEMPLATE_META = "template.json";

/** The templates pgolf ships. */
export function templateNames(root: URL = TEMPLATES_DIR): string[] {
  return fs.readdirSync(root).sort();
}

/** A template's files, file name -> where its bytes are (an extending template's own files win); `root`: the templates folder. */
export function templateFiles(template: string, root: URL = TEMPLATES_DIR, seen: string[] = []): Map<string, URL> {
  const src = new URL(`${template}/`, root);
  if (!/^[a-z0-9_-]+$/.test(template) || !fs.existsSync(src)) throw new PgolfError("CONFIG_INVALID", `no entry template named "${template}"`, { fix: `use one of: ${templateNames(root).join(", ")}` });
  if (seen.includes(template)) throw new PgolfError("CONFIG_INVALID", `entry templates extend each other in a cycle: ${[...seen, template].join(" -> ")}`, { fix: "report this: the templates pgolf ships are broken" });
  const own = fs.readdirSync(src).sort();
  const files = new Map<string, URL>();
  if (own.includes(TEMPLATE_META)) {
    const meta = JSON.parse(fs.readFileSync(new URL(TEMPLATE_META, src), "utf8")) as { extends?: string };
    if (meta.extends) for (const [n, u] of templateFiles(meta.extends, root, [...seen, template])) files.set(n, u);
  }
  for (const n of own) if (n !== TEMPLATE_META) files.set(n, new URL(n, src));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export async function initEntry(dir: string, opts: { template?: string; force?: boolean } = {}): Promise<InitResult> {
  const template = opts.template ?? "baseline";
  const files = templateFiles(template);
  const names = [...files.keys()];
  for (const n of names) {
    const target = path.join(dir, n);
    if (fs.existsSync(target) && !opts.force) {
      throw new PgolfError("FILE_WRITE", `${n} already exists in the entry folder`, { file: target, fix: "choose another folder, or pass --force to overwrite" });
    }
  }
  for (const [n, u] of files) await writeFileAtomic(path.join(dir, n), fs.readFileSync(u));
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
  for (const template of templateNames()) {
    const files = templateFiles(template);
    const names = [...files.keys()];
    const same = (n: string) => fs.existsSync(path.join(dir, n)) && fs.readFileSync(path.join(dir, n)).equals(fs.readFileSync(files.get(n)!));
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
