// `pgolf init DIR`: writes the baseline entry (entry.ts + config.json) into DIR.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";

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
