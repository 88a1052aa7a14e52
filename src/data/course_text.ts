// A course's raw text (the text-train and text-val files of its manifest): one {"text": ...} JSON line
// per document, in the order of the documents in the shards. Read with its size and sha256 checked
// against the manifest, so the text the evaluator scores is the text the course was built from.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import type { Course } from "./course.js";
import { filesOf } from "./manifest.js";

/** The documents of one split, in stream order. */
export function readCourseText(c: Course, split: "train" | "val"): string[] {
  const files = filesOf(c.manifest, split === "val" ? "text-val" : "text-train");
  if (files.length === 0) {
    throw new PgolfError("COURSE_MANIFEST", `the course ${c.name} holds no raw ${split} text (it was built before courses carried it, or fetched without it)`, {
      file: path.join(c.dir, "manifest.json"),
      fix: `rebuild it with \`pgolf data prepare --course ${c.name} --force\` (or \`pgolf data build\` for your own text)`,
    });
  }
  const docs: string[] = [];
  for (const f of files) {
    const file = path.join(c.dir, f.path);
    const data = fs.readFileSync(file);
    if (data.byteLength !== f.bytes || sha256(data) !== f.sha256) {
      throw new PgolfError("CHECKSUM_MISMATCH", `${f.path} does not match the course manifest`, { file, fix: "run `pgolf data verify`, then rebuild the course with `pgolf data prepare --force`" });
    }
    docs.push(...textLines(data.toString("utf8"), file));
  }
  return docs;
}

/** The documents of a text file's {"text": ...} lines (blank lines skipped). */
function textLines(content: string, file: string): string[] {
  const docs: string[] = [];
  for (const [i, line] of content.split("\n").entries()) {
    if (line === "") continue;
    const text = (JSON.parse(line) as { text?: unknown }).text;
    if (typeof text !== "string") throw new PgolfError("COURSE_MANIFEST", `${path.basename(file)} line ${i + 1} has no "text" string`, { file, fix: "rebuild the course with `pgolf data prepare --force`" });
    docs.push(text);
  }
  return docs;
}

/** The training view's text files (inside an entry's process: already the course's checked files). */
export function readTrainingText(files: string[]): string[] {
  if (files.length === 0) {
    throw new PgolfError("COURSE_MANIFEST", "this course carries no raw training text", { fix: "rebuild the course with `pgolf data prepare --force` (courses built by pgolf 0.1 after this change carry it)" });
  }
  return files.flatMap((f) => textLines(fs.readFileSync(f, "utf8"), f));
}
