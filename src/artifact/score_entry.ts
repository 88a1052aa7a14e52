// `pgolf eval`'s work: an entry folder or a pack scored with the trusted evaluator, with the exact
// size rule. A folder's artifact is the one given, or its latest trained one (latest_artifact.ts); the
// course is the one named, or the embedded default, prepared when absent (course_for.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Track } from "../core/track.js";
import { courseFor } from "../data/course_for.js";
import { accountSize } from "../entry/size_rule.js";
import { latestArtifact, type ArtifactChoice } from "../eval/latest_artifact.js";
import { writeAtlas } from "../eval/atlas.js";
import { scoreArtifact } from "../eval/run_seeds.js";
import { unpack } from "./pack.js";

export interface ScoreEntryOptions {
  /** An entry folder or a .pgpack. */
  target: string;
  artifact?: string;
  course?: string;
  dataDir?: string;
  track: Track;
  probes?: number;
  probeSeed?: number;
  maxTargets?: number;
  echoStderr?: boolean;
  onProgress?: (p: { targets: number; total: number }) => void;
  /** Where training runs are looked for (default runs/). */
  runsRoot?: string;
  /** Write the atlas (nats and bytes per document and token class) to this file. */
  atlasOut?: string;
}

export async function scoreEntry(o: ScoreEntryOptions) {
  const course = await courseFor({ course: o.course, dir: o.dataDir });
  let tmp: string | undefined;
  let entryDir = o.target;
  let choice: ArtifactChoice;
  if (fs.statSync(o.target, { throwIfNoEntry: false })?.isFile()) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-pack-"));
    const u = unpack(o.target, tmp);
    entryDir = u.entryDir;
    choice = { file: u.artifactFile, candidates: [] };
  } else choice = latestArtifact(o.target, o.artifact, o.runsRoot);
  try {
    const size = accountSize(entryDir, choice.file, o.track);
    const report = await scoreArtifact({
      entryDir,
      artifactFile: choice.file,
      courseDir: course.dir,
      track: o.track,
      probes: o.probes,
      probeSeed: o.probeSeed,
      maxTargets: o.maxTargets,
      echoStderr: o.echoStderr,
      onProgress: o.onProgress,
    });
    const { files, ...bytes } = size;
    // the atlas goes to a file when asked; the result stays a summary
    const { atlas, ...summary } = report;
    if (o.atlasOut) await writeAtlas(o.atlasOut, atlas);
    return {
      entry: o.target,
      course: course.name,
      course_prepared: course.prepared,
      artifact: tmp ? null : choice.file,
      artifact_candidates: choice.candidates,
      ...summary,
      atlas: o.atlasOut ?? null,
      eval_seconds: report.seconds,
      ...bytes,
      code_files: files,
    };
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export type ScoreEntryResult = Awaited<ReturnType<typeof scoreEntry>>;
