// pgolf data build's library function, called directly: its refusals name the option and the fix,
// before anything is built. (Building itself is tested in build.test.ts.)
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isPgolfError } from "../core/error.js";
import { buildCourseFromSource } from "./build_from_source.js";

test("buildCourseFromSource refuses a bad name, vocabulary or validation split, and builds nothing", async () => {
  const dir = tempDir();
  const from = path.join(dir, "docs.jsonl");
  fs.writeFileSync(from, ["one", "two", "three"].map((text) => JSON.stringify({ text })).join("\n") + "\n");
  const data = path.join(dir, "data");
  await assert.rejects(buildCourseFromSource({ from, name: "Bad Name", dir: data }), (e) => isPgolfError(e, "USAGE") && /lowercase/.test(e.message));
  await assert.rejects(buildCourseFromSource({ from, name: "c", vocab: 100, dir: data }), (e) => isPgolfError(e, "USAGE") && /between 260/.test(e.message) && /--vocab/.test(e.fix ?? ""));
  await assert.rejects(buildCourseFromSource({ from, name: "c", valDocs: 3, dir: data }), (e) => isPgolfError(e, "USAGE") && /the source has 3/.test(e.message) && /--val-docs/.test(e.fix ?? ""));
  assert.equal(fs.existsSync(data), false);
});
