// The training view of a course: a folder with the course's layout that holds only what training may
// read — manifest.json, the tokenizer (.model and .vocab) and the training shards — and never a
// validation shard. A process entry is given this folder (PGOLF_DATA) instead of the course.
//
// Confined runs ("bind"): the view holds empty placeholder files, and confine.ts binds each real file
// onto its placeholder read-only inside the entry's mount namespace, before the course folder is
// hidden there; outside that namespace the placeholders stay empty. Unconfined runs ("link", where
// the machine has no namespaces): the view holds symbolic links to the real files.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Course } from "../data/course.js";
import { filesOf, MANIFEST_NAME } from "../data/manifest.js";

export interface TrainingView {
  /** The view folder (a fresh folder under the temp folder). */
  dir: string;
  /** Paths inside the view: the tokenizer model and the training shards, in the course's order. */
  tokenizer: string;
  trainFiles: string[];
  /** (real file, placeholder) pairs for confine.ts to bind; empty for a "link" view. */
  binds: { from: string; to: string }[];
  remove(): void;
}

export function trainingView(course: Course, mode: "bind" | "link", parent = os.tmpdir()): TrainingView {
  const dir = fs.mkdtempSync(path.join(parent, "pgolf-view-"));
  const rels = [MANIFEST_NAME, ...filesOf(course.manifest, "tokenizer").map((f) => f.path), ...filesOf(course.manifest, "vocab").map((f) => f.path), ...filesOf(course.manifest, "train").map((f) => f.path)];
  const binds: { from: string; to: string }[] = [];
  try {
    for (const rel of rels) {
      const from = fs.realpathSync(path.join(course.dir, rel));
      const to = path.join(dir, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if (mode === "link") fs.symlinkSync(from, to);
      else {
        fs.writeFileSync(to, "");
        binds.push({ from, to });
      }
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    tokenizer: path.join(dir, path.relative(course.dir, course.tokenizerFile)),
    trainFiles: course.trainFiles.map((f) => path.join(dir, path.relative(course.dir, f))),
    binds,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
