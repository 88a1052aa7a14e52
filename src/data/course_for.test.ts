// The course a command plays on (course_for.ts): the embedded default is prepared when absent; a
// named course that is absent is an error naming the command that gets it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { courseFor } from "./course_for.js";

test("no course named and none there: the embedded default is prepared, once; a named absent course is FILE_NOT_FOUND with the command to run", { timeout: 180_000 }, async () => {
  const dir = path.join(tempDir(), "data");
  const first = await courseFor({ dir });
  assert.equal(first.name, "sotu-sp1024");
  assert.equal(first.prepared, true);
  assert.ok(fs.existsSync(path.join(first.dir, "manifest.json")));
  const again = await courseFor({ dir });
  assert.deepEqual(again, { ...first, prepared: false }, "found, not prepared again");
  assert.equal((await courseFor({ dir, course: "sotu-sp1024" })).prepared, false);
  await assert.rejects(courseFor({ dir, course: "fineweb-sp1024" }), (e: { code?: string; fix?: string; file?: string }) => e.code === "FILE_NOT_FOUND" && /pgolf data fetch --course fineweb-sp1024/.test(e.fix ?? "") && e.file === path.join(dir, "fineweb-sp1024", "manifest.json"));
  await assert.rejects(courseFor({ dir, course: "no-such" }), (e: { code?: string; fix?: string }) => e.code === "FILE_NOT_FOUND" && /known ones are .*sotu-sp1024/.test(e.fix ?? ""));
});
