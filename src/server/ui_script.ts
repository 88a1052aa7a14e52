// The web UI's one script as the pages load it (/ui/app.js): ui/app.browser.ts and the modules it
// imports, bundled by esbuild into one classic script (an IIFE, ES2020) that ui_pages.ts serves.
//
// Where the bundle comes from depends on how pgolf runs, decided by this module's own file name:
//  - from dist/ (`node bin/pgolf.js serve`, the published package): dist/server/ui/app.js, which
//    `npm run build` (and so `prepare`) writes with scripts/build_ui.mjs. Bundled at build time
//    because the package ships dist/ and not src/ (package.json "files"), so the browser source is
//    not there to bundle at start, and a server need not run esbuild to serve a fixed file.
//  - from src/ (`node --import tsx`, as the tests run): bundled from the .ts source in memory, so
//    an edit to the browser code is what the next run serves, with no build step to forget.
// Either way it is made once per process and kept in memory.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PgolfError } from "../core/error.js";

/** Where `npm run build` writes the bundle: beside this module's compiled file, in dist/server/ui/. */
export const BUILT_UI_SCRIPT = new URL("./ui/app.js", import.meta.url);

/** The browser script's entry, relative to this module in src/server/. */
const SOURCE = new URL("./ui/app.browser.ts", import.meta.url);

/**
 * Bundles the browser entry at `entry` (a path) into one script. esbuild is loaded here, on first
 * use: the library an entry's sandboxed process imports (dist/index.js) must load without it.
 */
export function bundleUiScript(entry: string): string {
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2020",
    // the script runs strict ("use strict" on top), said here rather than read from whichever
    // tsconfig.json esbuild would find above the entry: the bundle's meaning must not hang on it
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

function readBuilt(): string {
  try {
    return fs.readFileSync(BUILT_UI_SCRIPT, "utf8");
  } catch (e) {
    const file = fileURLToPath(BUILT_UI_SCRIPT);
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new PgolfError("FILE_NOT_FOUND", "the web UI's script was not built", { file, fix: "run `npm run build` (tsc, then scripts/build_ui.mjs)", cause: e });
    throw new PgolfError("FILE_READ", `the web UI's script could not be read: ${(e as Error).message}`, { fix: "run `npm run build`, which bundles the web UI's script into dist/", file, cause: e });
  }
}

let script: string | undefined;

/** The bundled script, made on first call and kept. */
export function uiScript(): string {
  script ??= import.meta.url.endsWith(".ts") ? bundleUiScript(fileURLToPath(SOURCE)) : readBuilt();
  return script;
}
