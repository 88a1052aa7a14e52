import * as path from "node:path";
import { DEFAULT_COURSE, DEFAULT_DATA_DIR } from "../../data/courses.js";
import { describeSafety } from "../../data/course_safety.js";
import { verifyCourse } from "../../data/verify.js";
import { defineCommand, str } from "../command.js";
import { PgolfError } from "../../core/error.js";

export default defineCommand({
  name: "data verify",
  summary: "Recompute every checksum of a course, re-validate its shards, prove no validation document occurs in training, and measure its memorization bound (safe for ranked play on which tracks).",
  usage: "[--course NAME] [--dir DIR] | [PATH]",
  options: { course: { type: "string" }, dir: { type: "string" } },
  positionals: [0, 1],
  async run(v, p) {
    const dir = p[0] ?? path.join(str(v, "dir") ?? DEFAULT_DATA_DIR, str(v, "course") ?? DEFAULT_COURSE);
    const report = await verifyCourse(dir);
    if (!report.ok) {
      throw new PgolfError("COURSE_VERIFY", `course does not verify: ${report.problems.join("; ")}`, {
        file: dir,
        fix: "rebuild it with `pgolf data prepare --force` (or re-fetch it)",
        details: report as unknown as Record<string, unknown>,
      });
    }
    return report;
  },
  human: (r) =>
    [
      `course ${r.course} verifies: ${r.files_checked} files (${(r.bytes_checked / 1e6).toFixed(2)} MB) match their sha256, ${r.shards} shards, ${r.tokens.toLocaleString("en-US")} tokens, ${r.docs_train} train / ${r.docs_val} val documents, ${r.leaks} leaks, document hashes ${r.doc_hashes_match ? "match" : "not recorded"} (${r.seconds.toFixed(1)} s)`,
      ...(r.safety ? describeSafety(r.safety) : []),
      ...(r.safety?.practice ? [`${r.course} is a practice course: its validation split fits compressed under a ranked track's cap, so an entry could carry it`] : []),
    ].join("\n"),
});
