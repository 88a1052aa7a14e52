// `pgolf run`, the main job, as one library call: on a fresh clone, prepare the embedded course, write
// the baseline entry if the folder has none, train it on the local track for each seed, score each
// artifact with the trusted evaluator, write a record folder when the runs may become one, and draw
// the loss curves (loss.svg beside the runs; a sparkline for the terminal).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { sparkline } from "../core/sparkline.js";
import { PALETTE, standaloneChart } from "../core/svg_chart.js";
import { DEFAULT_TRACK, track, type Track } from "../core/track.js";
import type { CourseSummary } from "../data/build.js";
import { DEFAULT_COURSE } from "../data/courses.js";
import { courseSafety, safetyOn, type TrackSafety } from "../data/course_safety.js";
import { prepareCourse } from "../data/prepare.js";
import { runSeeds } from "../eval/run_seeds.js";
import { initEntry } from "../train/init_entry.js";
import { writeRecord } from "./record.js";
import { readSeedRun, recordIneligibility, type SeedRunFolder } from "./seed_run.js";

export interface MainJobOptions {
  /** The entry folder (default entries/baseline); one with neither entry.ts nor config.json gets the baseline. */
  entryDir?: string;
  /** Where courses live (default ./data). */
  dataDir?: string;
  /** Run folder (default runs/<entry folder name>). */
  outDir?: string;
  seeds?: number[];
  minutes?: number;
  /** The record's author (default: the user's login name). */
  author?: string;
  /** Progress: the harness's log lines as they come, and the course once prepared. */
  echo?: boolean;
  onCourse?: (course: CourseSummary, practiceNote: string | null) => void;
}

export interface MainJobResult {
  course: { name: string; dir: string; safety: TrackSafety; practice: string | null };
  track: string;
  entry: string;
  /** The record folder, or null when the runs cannot become a record (record_skipped says why). */
  record: string | null;
  record_skipped: string | null;
  /** Train loss against step, one series per seed, as SVG. */
  loss_plot: string;
  /** The first seed's train loss curve in one line of text (▁..█, high to low reads as learning). */
  loss_sparkline: string;
  runs: Omit<SeedRunFolder, "train_curve">[];
}

export async function runMainJob(o: MainJobOptions = {}): Promise<MainJobResult> {
  const course = await prepareCourse({ dir: o.dataDir });
  const t: Track = track(DEFAULT_TRACK);
  // whether the course's validation split fits under the track's cap (an entry could carry it)
  const safety = safetyOn(await courseSafety(course.dir, { tracks: [t] }), t.name);
  const practice = safety.safe
    ? null
    : `${DEFAULT_COURSE} is a practice course on ${t.name}: its validation split compresses to ${safety.bound_bytes.toLocaleString("en-US")} bytes, under the ${safety.cap_bytes.toLocaleString("en-US")}-byte cap, so an entry could carry it; scores here are for practice, not ranked play (README, Course safety)`;
  o.onCourse?.(course, practice);
  const entryDir = o.entryDir ?? path.join("entries", "baseline");
  if (!fs.existsSync(path.join(entryDir, "entry.ts")) && !fs.existsSync(path.join(entryDir, "config.json"))) await initEntry(entryDir);
  const entryName = path.basename(path.resolve(entryDir));
  const outDir = o.outDir ?? path.join("runs", entryName);
  const runs = await runSeeds({ entryDir, courseDir: course.dir, track: t, seeds: o.seeds ?? [1337], minutes: o.minutes, outDir, echo: o.echo });
  const seedDirs = runs.map((r) => path.dirname(r.log));
  const folders = seedDirs.map((d) => readSeedRun(d));
  // a run over the caps, or without the sandbox, keeps its score; it just cannot become a record
  const ineligible = folders.map(recordIneligibility).find((x) => x !== null) ?? null;
  const record = ineligible
    ? null
    : writeRecord({
        seedDirs,
        outDir: path.join(outDir, "record"),
        author: o.author ?? os.userInfo().username,
        name: `${entryName} on ${DEFAULT_COURSE}`,
        blurb: `pgolf run: the entry in ${entryDir} trained on the ${t.name} track (${t.summary}) and scored by the trusted evaluator.`,
        replace: true,
      });
  const lossPlot = path.join(outDir, "loss.svg");
  await writeFileAtomic(
    lossPlot,
    standaloneChart({
      id: "train-loss",
      title: `Train loss by step: ${entryName} on ${DEFAULT_COURSE}`,
      xLabel: "step",
      yLabel: "train loss (nats/token)",
      yFocusAfter: 0.1,
      series: folders.map((f, i) => ({ name: `seed ${f.seed}`, mode: "line", color: PALETTE[i % PALETTE.length], points: f.train_curve.map(([x, y]) => ({ x, y })) })),
    }),
  );
  return {
    course: { name: DEFAULT_COURSE, dir: course.dir, safety, practice },
    track: t.name,
    entry: entryDir,
    record: record?.dir ?? null,
    record_skipped: ineligible ? `${ineligible.code}: ${ineligible.message}` : null,
    loss_plot: lossPlot,
    loss_sparkline: sparkline(folders[0]?.train_curve.map(([, y]) => y) ?? []),
    runs: folders.map(({ train_curve: _curve, ...r }) => r),
  };
}
