// A real pgolf-format record made in seconds, for tests of the contest server and its fleet: an entry
// trained for a few seconds per seed on the embedded course and scored by the trusted evaluator, then
// assembled by writeRecord. By default the entry is test/entries/ts_modes (a unigram model with legal
// test-time training, deterministic, so a reproduction scores exactly what the record claims).
import * as fs from "node:fs";
import * as path from "node:path";
import { track } from "../../src/core/track.js";
import { prepareCourse } from "../../src/data/prepare.js";
import { runSeeds, type SeedRun } from "../../src/eval/run_seeds.js";
import { writeRecord } from "../../src/submission/record.js";
import { PROJECT_ROOT } from "./fixtures.js";

export interface FastRecordOptions {
  /** Scratch folder: the course, the entry, the runs and the record go under it. */
  work: string;
  /** Distinguishes several records in one work folder. */
  tag: string;
  seeds: number[];
  name: string;
  /** The entry folder to copy (default test/entries/ts_modes); `make` builds one instead. */
  make?: (dir: string) => string;
  minutes?: number;
  /** Score only this many validation targets (faster; the default scores the whole split). */
  maxTargets?: number;
}

export async function fastRecord(o: FastRecordOptions): Promise<{ courseDir: string; runs: SeedRun[]; record: string }> {
  const courseDir = (await prepareCourse({ dir: path.join(o.work, "course") })).dir;
  const target = path.join(o.work, `${o.tag}-entry`);
  let entryDir = target;
  if (o.make) entryDir = o.make(target);
  else fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "ts_modes"), target, { recursive: true });
  const runs = await runSeeds({ entryDir, courseDir, track: track("cpu-10min-2mb"), seeds: o.seeds, minutes: o.minutes ?? 0.05, outDir: path.join(o.work, `${o.tag}-runs`), maxTargets: o.maxTargets });
  const record = writeRecord({ seedDirs: runs.map((r) => path.dirname(r.log)), outDir: path.join(o.work, `${o.tag}-record`), author: "alice", name: o.name }).dir;
  return { courseDir, runs, record };
}
