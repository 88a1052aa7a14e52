// The course a command plays on, ready: the folder of `course` under `dir`. When no course is named
// and the embedded default is not there yet, it is prepared (built offline from its npm package, as
// `pgolf run` does), so `pgolf train e` works in an empty folder. A named course that is missing is
// an error that names the command that gets it.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { COURSES, DEFAULT_COURSE, DEFAULT_DATA_DIR } from "./courses.js";
import { MANIFEST_NAME } from "./manifest.js";
import { prepareCourse } from "./prepare.js";

export interface CourseFor {
  /** The course folder (holds manifest.json). */
  dir: string;
  name: string;
  /** Whether this call prepared it (the embedded default, absent before). */
  prepared: boolean;
}

export async function courseFor(o: { course?: string; dir?: string; threads?: number }): Promise<CourseFor> {
  const name = o.course ?? DEFAULT_COURSE;
  const root = o.dir ?? DEFAULT_DATA_DIR;
  const dir = path.join(root, name);
  if (fs.existsSync(path.join(dir, MANIFEST_NAME))) return { dir, name, prepared: false };
  if (o.course === undefined) {
    const summary = await prepareCourse({ dir: root, course: name, threads: o.threads });
    return { dir: summary.dir, name, prepared: true };
  }
  const spec = COURSES[name];
  const how = !spec
    ? `no course is called ${name}: the known ones are ${Object.keys(COURSES).join(", ")}`
    : spec.kind === "built"
      ? `run \`pgolf data prepare --course ${name} --dir ${root}\` (built offline)`
      : `run \`pgolf data fetch --course ${name} --train-shards 1 --dir ${root}\` (downloads it)`;
  throw new PgolfError("FILE_NOT_FOUND", `course ${name} is not in ${root}`, { file: path.join(dir, MANIFEST_NAME), fix: how });
}
