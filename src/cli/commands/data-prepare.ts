import { prepareCourse } from "../../data/prepare.js";
import type { CourseSummary } from "../../data/build.js";
import { defineCommand, int, str } from "../command.js";

export function describeCourse(r: CourseSummary): string {
  return [
    `course ${r.course} ${r.built ? `built in ${r.seconds.toFixed(1)} s` : "ready (already built)"} at ${r.dir}`,
    `  train: ${r.docs_train} docs, ${r.tokens_train.toLocaleString("en-US")} tokens`,
    `  val:   ${r.docs_val} docs, ${r.tokens_val.toLocaleString("en-US")} tokens, ${r.val_raw_bytes.toLocaleString("en-US")} bytes (raw UTF-8), ${r.val_table_bytes.toLocaleString("en-US")} bytes (byte table)`,
    `  vocab: ${r.vocab_size}; ${r.files} files, ${(r.bytes_on_disk / 1e6).toFixed(2)} MB`,
  ].join("\n");
}

export default defineCommand({
  name: "data prepare",
  summary: "Prepare a course (default: the embedded sotu-sp1024, built offline); reuses an intact existing one unless --force.",
  usage: "[--course NAME] [--dir DIR] [--force] [--threads N]",
  options: { course: { type: "string" }, dir: { type: "string" }, force: { type: "boolean" }, threads: { type: "string" } },
  async run(v) {
    return prepareCourse({ course: str(v, "course"), dir: str(v, "dir"), force: v.force === true, threads: int(v, "threads") });
  },
  human: describeCourse,
});
