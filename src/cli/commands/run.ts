import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { DEFAULT_COURSE } from "../../data/courses.js";
import { courseSafety, safetyOn } from "../../data/course_safety.js";
import { prepareCourse } from "../../data/prepare.js";
import { runSeeds } from "../../eval/run_seeds.js";
import { writeRecord } from "../../submission/record.js";
import { readSeedRun, recordIneligibility } from "../../submission/seed_run.js";
import { initEntry } from "../../train/init_entry.js";
import { defineCommand, str } from "../command.js";
import { describeCourse } from "./data-prepare.js";
import { parseMinutes, parseSeeds } from "./train.js";

// The main job: on a fresh clone, prepare the embedded course, write the baseline entry if missing,
// train it on the local track, score the artifact, write a record folder and print a summary.
export default defineCommand({
  name: "run",
  summary: "The main job: prepare the embedded course, train the baseline entry on the local track, score it and print a summary.",
  usage: "[--entry entries/baseline] [--minutes N] [--seeds 1337] [--dir DATA] [--out RUNS] [--author NAME]",
  options: {
    entry: { type: "string" },
    minutes: { type: "string" },
    seeds: { type: "string" },
    dir: { type: "string" },
    out: { type: "string" },
    author: { type: "string" },
  },
  async run(v, _p, io) {
    const course = await prepareCourse({ dir: str(v, "dir") });
    if (!io.json) io.stderr.write(describeCourse(course) + "\n");
    const t = track(DEFAULT_TRACK);
    // whether the course's validation split fits under the track's cap (an entry could carry it)
    const safety = safetyOn(await courseSafety(course.dir, { tracks: [t] }), t.name);
    const practice = safety.safe
      ? null
      : `${DEFAULT_COURSE} is a practice course on ${t.name}: its validation split compresses to ${safety.bound_bytes.toLocaleString("en-US")} bytes, under the ${safety.cap_bytes.toLocaleString("en-US")}-byte cap, so an entry could carry it; scores here are for practice, not ranked play (README, Course safety)`;
    if (practice && !io.json) io.stderr.write(`note: ${practice}\n`);
    const entryDir = str(v, "entry") ?? path.join("entries", "baseline");
    // a folder with neither entry.ts nor config.json (a process entry's declaration) gets the baseline
    if (!fs.existsSync(path.join(entryDir, "entry.ts")) && !fs.existsSync(path.join(entryDir, "config.json"))) await initEntry(entryDir);
    const outDir = str(v, "out") ?? path.join("runs", path.basename(path.resolve(entryDir)));
    const runs = await runSeeds({
      entryDir,
      courseDir: course.dir,
      track: t,
      seeds: parseSeeds(str(v, "seeds")),
      minutes: parseMinutes(str(v, "minutes")),
      outDir,
      echo: !io.json,
    });
    const seedDirs = runs.map((r) => path.dirname(r.log));
    const folders = seedDirs.map((d) => readSeedRun(d));
    // a run over the caps, or without the sandbox, keeps its score; it just cannot become a record
    const ineligible = folders.map(recordIneligibility).find((x) => x !== null) ?? null;
    const record = ineligible
      ? null
      : writeRecord({
          seedDirs,
          outDir: path.join(outDir, "record"),
          author: str(v, "author") ?? os.userInfo().username,
          name: `${path.basename(path.resolve(entryDir))} on ${DEFAULT_COURSE}`,
          blurb: `pgolf run: the entry in ${entryDir} trained on the ${t.name} track (${t.summary}) and scored by the trusted evaluator.`,
          replace: true,
        });
    return {
      course: { name: DEFAULT_COURSE, dir: course.dir, safety, practice },
      track: t.name,
      entry: entryDir,
      record: record?.dir ?? null,
      record_skipped: ineligible ? `${ineligible.code}: ${ineligible.message}` : null,
      runs: folders.map(({ train_curve: _curve, ...r }) => r),
    };
  },
  human: (r) =>
    r.runs
      .map((s) =>
        [
          `pgolf run (${r.track}, entry ${r.entry}, seed ${s.seed})`,
          `  val_bpb ${s.val_bpb.toFixed(4)}  (val_loss ${s.val_loss.toFixed(4)} nats, ${s.eval_targets.toLocaleString("en-US")} targets, ${s.eval_bytes.toLocaleString("en-US")} bytes)`,
          `  bytes ${s.bytes_total.toLocaleString("en-US")} = model ${s.bytes_model.toLocaleString("en-US")} + code ${s.bytes_code.toLocaleString("en-US")} (${s.within_cap ? "within" : "OVER"} the ${s.cap_bytes.toLocaleString("en-US")}-byte cap)`,
          `  steps ${s.steps}, ${s.train_tokens.toLocaleString("en-US")} tokens in ${s.train_seconds.toFixed(0)} s (${s.tokens_per_s.toFixed(0)} tokens/s), export ${s.export_seconds.toFixed(1)} s, eval ${s.eval_seconds.toFixed(1)} s${s.within_time ? "" : "  (OVER the time cap: not eligible for a record)"}`,
          `  sandbox: training ${s.confinement}, evaluation ${s.eval_confinement}; ${Object.entries(s.eval_verdicts).map(([k, x]) => `${k.split("_")[0]} ${x.pass ? "pass" : "FAIL"}`).join(", ")}`,
          ...s.warnings.map((w) => `  warning: ${w}`),
          `  log ${s.log}`,
        ].join("\n"),
      )
      .concat([r.record ? `record ${r.record}` : `no record: ${r.record_skipped}`])
      .concat(r.course.practice ? [`note: ${r.course.practice}`] : [])
      .join("\n"),
});
