// The training view of a course: what training may read, laid out as a course folder — manifest.json,
// the tokenizer (.model and .vocab), the training shards and the training documents' raw text (for an
// entry's own tokenizer) — and nothing of the validation split. Its
// manifest is the course's with every validation file, the validation document hashes and the official
// manifest copy removed and the validation byte totals cleared, so it names no size, checksum or hash
// of held-out data.
//
// In the sandbox the view is /data: each file bound read-only at its place. Unconfined (no namespaces),
// it is a fresh folder of symbolic links to the real files beside the filtered manifest.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Course } from "../data/course.js";
import { filesOf, MANIFEST_NAME, type CourseManifest } from "../data/manifest.js";
import { INSIDE, type Sandbox } from "./sandbox.js";

export interface TrainingView {
  /** The view folder as the process sees it. */
  dir: string;
  /** The tokenizer model and the training shards as the process sees them, in the course's order. */
  tokenizer: string;
  trainFiles: string[];
  /** The training documents' raw text (JSONL, one {"text"} per document), when the course carries it. */
  trainText: string[];
  remove(): void;
}

/** Pure: the course manifest as training may see it (no validation file, hash or byte total). */
export function trainingManifest(m: CourseManifest): CourseManifest {
  const keep = new Set(["tokenizer", "vocab", "train", "text-train"]);
  return {
    ...m,
    pgolf: {
      ...m.pgolf,
      val_bytes: { raw_utf8: null, table: 0, table_seq_len: null },
      files: m.pgolf.files.filter((f) => keep.has(f.role)),
    },
  };
}

/** The relative paths a training view holds besides its manifest. */
function viewFiles(course: Course): string[] {
  return [...filesOf(course.manifest, "tokenizer"), ...filesOf(course.manifest, "vocab"), ...filesOf(course.manifest, "train"), ...filesOf(course.manifest, "text-train")].map((f) => f.path);
}

/** Keeps the course folder and every folder holding a validation shard hidden, wherever the runtime would show them. */
export function hideCourse(sb: Sandbox, course: Course): void {
  sb.hide(course.dir);
  for (const f of course.valFiles) sb.hide(path.dirname(f));
}

/** Makes the training view of `course` visible to the sandbox's process (see the top of this file). */
export function bindTrainingView(sb: Sandbox, course: Course): TrainingView {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-view-"));
  const remove = () => fs.rmSync(stage, { recursive: true, force: true });
  try {
    const manifest = path.join(stage, MANIFEST_NAME);
    fs.writeFileSync(manifest, JSON.stringify(trainingManifest(course.manifest), null, 2) + "\n");
    const rels = viewFiles(course);
    let dir: string;
    if (sb.confined) {
      sb.bind(manifest, path.posix.join(INSIDE.data, MANIFEST_NAME));
      for (const rel of rels) sb.bind(path.join(course.dir, rel), path.posix.join(INSIDE.data, rel));
      dir = INSIDE.data;
    } else {
      for (const rel of rels) {
        const to = path.join(stage, rel);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.symlinkSync(fs.realpathSync(path.join(course.dir, rel)), to);
      }
      dir = stage;
    }
    const at = (abs: string) => (sb.confined ? path.posix.join(dir, path.relative(course.dir, abs).split(path.sep).join("/")) : path.join(dir, path.relative(course.dir, abs)));
    const trainText = filesOf(course.manifest, "text-train").map((f) => at(path.join(course.dir, f.path)));
    return { dir, tokenizer: at(course.tokenizerFile), trainFiles: course.trainFiles.map(at), trainText, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
