// Which artifact `pgolf eval DIR` scores by default (latest_artifact.ts).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { latestArtifact } from "./latest_artifact.js";

test("the newest of the entry's trained artifacts is chosen and the others are listed; none is FILE_NOT_FOUND saying to train", () => {
  const work = tempDir();
  const entry = path.join(work, "my-entry");
  const runs = path.join(work, "runs");
  fs.mkdirSync(entry, { recursive: true });
  assert.throws(() => latestArtifact(entry, undefined, runs), (e: { code?: string; fix?: string }) => e.code === "FILE_NOT_FOUND" && /pgolf train/.test(e.fix ?? ""));
  const write = (f: string, secondsAgo: number) => {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, "artifact");
    const t = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(f, t, t);
  };
  write(path.join(runs, "my-entry", "seed_1", "artifact.bin"), 300);
  write(path.join(runs, "my-entry", "seed_2", "artifact.bin"), 100);
  write(path.join(runs, "my-entry", "notes", "artifact.bin"), 10); // not a seed folder
  write(path.join(runs, "other-entry", "seed_1", "artifact.bin"), 5); // another entry's
  write(path.join(entry, "artifact.bin"), 200);
  const c = latestArtifact(entry, undefined, runs);
  assert.equal(c.file, path.join(runs, "my-entry", "seed_2", "artifact.bin"));
  assert.deepEqual(c.candidates.map((x) => x.file), [path.join(runs, "my-entry", "seed_2", "artifact.bin"), path.join(entry, "artifact.bin"), path.join(runs, "my-entry", "seed_1", "artifact.bin")]);
  // one given is used as given
  assert.equal(latestArtifact(entry, path.join(entry, "artifact.bin"), runs).file, path.join(entry, "artifact.bin"));
  assert.throws(() => latestArtifact(entry, path.join(work, "nope.bin"), runs), (e: { code?: string }) => e.code === "FILE_NOT_FOUND");
});
