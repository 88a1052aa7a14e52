// Entry templates: `golf` is the baseline's code with its own config.json (template.json extends),
// an unchanged copy of either is recognized as that template, and a template that does not exist or
// extends in a cycle is refused by name.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { isPgolfError } from "../core/error.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { initEntry, pristineTemplate, TEMPLATES_DIR, templateFiles, templateNames } from "./init_entry.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-init-"));

test("golf: the baseline's entry.ts and package.json byte for byte, its own config.json; each copy is recognized as its template", async () => {
  assert.ok(templateNames().includes("golf") && templateNames().includes("baseline"));
  const base = tmp();
  const golf = tmp();
  await initEntry(base);
  const r = await initEntry(golf, { template: "golf" });
  assert.deepEqual(r.files, ["config.json", "entry.ts", "package.json"]);
  for (const f of ["entry.ts", "package.json"]) assert.ok(fs.readFileSync(path.join(golf, f)).equals(fs.readFileSync(path.join(base, f))), f);
  assert.ok(!fs.existsSync(path.join(golf, "template.json")));
  const cfg = JSON.parse(fs.readFileSync(path.join(golf, "config.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(cfg, JSON.parse(fs.readFileSync(new URL("golf/config.json", TEMPLATES_DIR), "utf8")));
  assert.notDeepEqual(cfg, JSON.parse(fs.readFileSync(path.join(base, "config.json"), "utf8")));
  readEntryConfig(golf); // the entry's config reads as any entry's does
  assert.equal(pristineTemplate(base), "baseline");
  assert.equal(pristineTemplate(golf), "golf");
  fs.appendFileSync(path.join(golf, "entry.ts"), "\n// changed\n");
  assert.equal(pristineTemplate(golf), null);
});

test("an unknown template, a path as a name and a cycle of extends are refused", async () => {
  await assert.rejects(initEntry(tmp(), { template: "nope" }), (e) => isPgolfError(e, "CONFIG_INVALID") && /baseline/.test(e.fix ?? ""));
  await assert.rejects(initEntry(tmp(), { template: "../templates/baseline" }), (e) => isPgolfError(e, "CONFIG_INVALID"));
  const root = pathToFileURL(tmp() + "/");
  for (const [name, ext] of [["loop-a", "loop-b"], ["loop-b", "loop-a"]]) {
    fs.mkdirSync(new URL(`${name}/`, root));
    fs.writeFileSync(new URL(`${name}/template.json`, root), JSON.stringify({ extends: ext }));
  }
  assert.throws(() => templateFiles("loop-a", root), (e) => isPgolfError(e, "CONFIG_INVALID") && /cycle: loop-a -> loop-b -> loop-a/.test(e.message));
});
