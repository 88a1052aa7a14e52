// `pgolf train`'s work: the course made ready (the embedded default prepared when none is named and
// none is there: course_for.ts), then each seed trained under the track's cap and scored (run_seeds.ts).
import * as path from "node:path";
import type { Track } from "../core/track.js";
import { courseFor } from "../data/course_for.js";
import { runSeeds, type SeedRun } from "./run_seeds.js";

export interface TrainEntryOptions {
  entryDir: string;
  /** The course's name (default: the embedded default, prepared when absent). */
  course?: string;
  /** The data folder holding courses (default data/). */
  dataDir?: string;
  track: Track;
  seeds: number[];
  minutes?: number;
  /** Where the runs go (default runs/<entry folder's name>). */
  outDir?: string;
  echo?: boolean;
  strictConfinement?: boolean;
  maxTargets?: number;
}

export interface TrainEntryResult {
  entry: string;
  course: string;
  /** Whether the course was prepared by this call. */
  course_prepared: boolean;
  runs: SeedRun[];
}

export async function trainEntry(o: TrainEntryOptions): Promise<TrainEntryResult> {
  const course = await courseFor({ course: o.course, dir: o.dataDir });
  const runs = await runSeeds({
    entryDir: o.entryDir,
    courseDir: course.dir,
    track: o.track,
    seeds: o.seeds,
    minutes: o.minutes,
    outDir: o.outDir ?? path.join("runs", path.basename(path.resolve(o.entryDir))),
    echo: o.echo,
    strictConfinement: o.strictConfinement,
    maxTargets: o.maxTargets,
  });
  return { entry: o.entryDir, course: course.name, course_prepared: course.prepared, runs };
}
