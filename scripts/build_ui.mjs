// Writes the web UI's bundled script to dist/server/ui/app.js, the file `pgolf serve` sends as
// /ui/app.js when it runs from dist/ (src/server/ui_script.ts says why the bundle is made at build
// time). Runs after tsc (`npm run build`), through the compiled ui_script.js: one definition of
// how the script is bundled, for the build and for runs from source alike.
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { BUILT_UI_SCRIPT, bundleUiScript } from "../dist/server/ui_script.js";

const entry = fileURLToPath(new URL("../src/server/ui/app.browser.ts", import.meta.url));
fs.mkdirSync(new URL(".", BUILT_UI_SCRIPT), { recursive: true });
fs.writeFileSync(BUILT_UI_SCRIPT, bundleUiScript(entry));
