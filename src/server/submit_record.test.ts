// pgolf submit's library function, called directly: the provenance block from its strings, and the
// refusals that come before anything is written.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isPgolfError } from "../core/error.js";
import { expandSeedDirs, provenanceOf, submitRecord } from "./submit_record.js";

test("provenance: parents typed as pull requests, records or other; assistance as tool, how and reviewer", () => {
  const dir = tempDir();
  const p = provenanceOf({
    parents: ["https://github.com/openai/parameter-golf/pull/77", "#12", dir, "records/track_10min_16mb/x", "arXiv:2401.00001"],
    techniques: ["muon"],
    assistance: ["claude:wrote the quantizer:alice"],
  });
  assert.deepEqual(p.parents.map((x) => x.kind), ["pr", "pr", "record", "record", "other"]);
  assert.deepEqual(p.assistance, [{ tool: "claude", how: "wrote the quantizer", reviewed_by: "alice" }]);
  assert.throws(() => provenanceOf({ assistance: ["claude:wrote it"] }), (e) => isPgolfError(e, "USAGE") && /TOOL:HOW:REVIEWER/.test(e.message) && /--assistance/.test(e.fix ?? ""));
});

test("submitRecord refuses an upload without a token, a resubmission without a server, and folders that are not runs, writing nothing", async () => {
  const dir = tempDir();
  const out = path.join(dir, "record");
  const base = { runs: [dir], out, author: "alice", name: "n" };
  await assert.rejects(submitRecord({ ...base, to: "http://127.0.0.1:9" }), (e) => isPgolfError(e, "USAGE") && /PGOLF_TOKEN/.test(e.fix ?? ""));
  await assert.rejects(submitRecord({ ...base, resubmit: "0b7e0c4e-0000-4000-8000-000000000000" }), (e) => isPgolfError(e, "USAGE") && /--to URL/.test(e.fix ?? ""));
  await assert.rejects(submitRecord(base), (e) => isPgolfError(e, "USAGE") && e.file === dir && /seed_<N>/.test(e.fix ?? ""));
  assert.equal(fs.existsSync(out), false, "no record folder was written");
  fs.mkdirSync(path.join(dir, "seed_7"));
  fs.writeFileSync(path.join(dir, "seed_7", "metrics.jsonl"), "");
  fs.mkdirSync(path.join(dir, "seed_1"));
  fs.writeFileSync(path.join(dir, "seed_1", "metrics.jsonl"), "");
  assert.deepEqual(expandSeedDirs([dir]), [path.join(dir, "seed_1"), path.join(dir, "seed_7")]);
  assert.deepEqual(expandSeedDirs([path.join(dir, "seed_7")]), [path.join(dir, "seed_7")]);
});
