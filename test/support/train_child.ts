// A training run in its own process (tests kill it to check that a run resumes from its checkpoint).
// argv[2]: JSON {entryDir, courseDir, outDir, seed, minutes, configOverrides}
import { track } from "../../src/core/track.js";
import { openCourse } from "../../src/data/course.js";
import { trainSeed } from "../../src/train/harness.js";

const a = JSON.parse(process.argv[2]) as { entryDir: string; courseDir: string; outDir: string; seed: number; minutes: number; configOverrides: Record<string, unknown> };
const r = await trainSeed({ entryDir: a.entryDir, course: openCourse(a.courseDir), track: track("cpu-10min-2mb"), seed: a.seed, outDir: a.outDir, minutes: a.minutes, configOverrides: a.configOverrides });
process.stdout.write(JSON.stringify(r) + "\n");
