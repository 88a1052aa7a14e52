// Loads an entry's module (TypeScript through tsx, or the compiled entry.js of a sealed copy) with its `import ... from "pgolf"` bound to this
// library, and checks it honours the contract.
import * as fs from "node:fs";
import { register } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { PgolfError } from "../core/error.js";
import { readJsonFile } from "../core/json.js";
import type { EntryModule } from "./contract.js";
import { readEntryConfig } from "./entry_config.js";

export const ENTRY_MODULE = "entry.ts";
/** The entry module as a sealed copy holds it (compiled, see seal.ts). */
export const SEALED_ENTRY_MODULE = "entry.js";
export { ENTRY_CONFIG } from "./entry_config.js";

let hooked = false;

/**
 * Makes `import "pgolf"` in an entry resolve to this very library instance (the same modules, so
 * engine settings such as the backend and thread count are shared), and TypeScript loadable: under
 * tsx (tests, benchmarks) it already is; built, tsx's loader is registered once.
 */
async function installHooks(typescript: boolean): Promise<void> {
  const underTsx = import.meta.url.endsWith(".ts");
  if (!hooked) {
    hooked = true;
    const target = new URL(underTsx ? "../index.ts" : "../index.js", import.meta.url).href;
    register(new URL("../../assets/pgolf-resolve-hook.mjs", import.meta.url), { data: { target } });
  }
  if (typescript && !underTsx && !tsxRegistered) {
    tsxRegistered = true;
    (await import("tsx/esm/api")).register();
  }
}
let tsxRegistered = false;

export interface LoadedEntry {
  dir: string;
  module: EntryModule;
  config: Record<string, unknown>;
}

export async function loadEntry(dir: string): Promise<LoadedEntry> {
  const ts = path.resolve(dir, ENTRY_MODULE);
  const file = fs.existsSync(ts) ? ts : path.resolve(dir, SEALED_ENTRY_MODULE);
  if (!fs.existsSync(file)) {
    throw new PgolfError("FILE_NOT_FOUND", `no ${ENTRY_MODULE} in the entry folder`, { file: dir, fix: "create one with `pgolf init DIR`" });
  }
  const config = readEntryConfig(dir).values;
  // Entries are ES modules (so `import ... from "pgolf"` goes through the resolve hook).
  const pkgFile = path.join(dir, "package.json");
  const pkg = fs.existsSync(pkgFile) ? readJsonFile<{ type?: string }>(pkgFile, "entry package.json") : {};
  if (pkg.type !== "module") {
    throw new PgolfError("CONFIG_INVALID", 'the entry folder must declare ES modules: package.json with "type": "module"', {
      file: pkgFile,
      fix: 'add a package.json containing {"type": "module"} (pgolf init writes one)',
    });
  }
  await installHooks(file === ts);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new PgolfError("CONFIG_INVALID", `the entry module failed to load: ${(e as Error).message}`, { file, fix: "fix the error in the entry's code", cause: e });
  }
  for (const fn of ["train", "load"]) {
    if (typeof mod[fn] !== "function") throw new PgolfError("CONFIG_INVALID", `the entry module does not export a function "${fn}"`, { file, fix: "export train(ctx) and load(artifact, ctx)" });
  }
  return { dir, module: mod as unknown as EntryModule, config };
}
