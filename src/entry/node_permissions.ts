// A pgolf entry's process: Node running one of the library's child scripts (train/train_child.js,
// eval/entry_host.js) in the sandbox (sandbox.ts), with Node's permission model as a second layer:
// it may read only the library, the allow-listed packages and what the caller names (the sealed
// entry, the training view or the artifact), write nothing, start no process, and open no inspector.
// Native addons are allowed because the engine's backend is one (onnxruntime); the sandbox mounts
// everything but the runtime and the allow-listed packages noexec, so the only addons that can load
// are those, and sealing refuses an entry that ships its own (seal.ts). Worker threads are allowed:
// module loader hooks run in one on Node 20.
//
// The child always runs the built library (dist/), because a TypeScript loader in the child would
// need to spawn esbuild; `npm ci` builds dist/ (the "prepare" script) and `npm test` rebuilds it.
import { distScript, libraryPaths, PACKAGE_ROOT, runtimePackages } from "./runtime_packages.js";
import type { Sandbox } from "./sandbox.js";

function permissionFlag(): string {
  // Node 22.13+ / 23.5+ name it --permission; Node 20 only knows the experimental flag.
  return process.allowedNodeEnvironmentFlags.has("--permission") ? "--permission" : "--experimental-permission";
}

/** Node's permission flags: read `read`, write nothing. */
export function permissionArgs(read: string[]): string[] {
  return [
    permissionFlag(),
    "--allow-addons",
    "--allow-worker",
    ...read.map((p) => `--allow-fs-read=${p}`),
    "--no-warnings=ExperimentalWarning",
    ...(process.allowedNodeEnvironmentFlags.has("--disable-warning") ? ["--disable-warning=SecurityWarning"] : []),
    "--enable-source-maps",
  ];
}

/**
 * The command that runs the library's `script` (e.g. "train/train_child.js") for a pgolf entry in
 * `sb`: binds the library and the runtime packages (at their own paths, so Node resolves them), and
 * lets Node read those and `read` (paths as the process sees them). The install itself is hidden
 * wherever the runtime would show it, then only those parts are bound back.
 */
export function libraryCommand(sb: Sandbox, script: string, read: string[]): string[] {
  sb.hide(PACKAGE_ROOT);
  const lib = libraryPaths().map((p) => sb.bindSame(p));
  const pkgs = runtimePackages().map((p) => sb.bindSame(p.dir, { exec: true }));
  return [process.execPath, ...permissionArgs([...lib, ...pkgs, ...read]), distScript(script)];
}
