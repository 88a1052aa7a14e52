import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { DEFAULT_COURSE } from "../../data/courses.js";
import { prepareCourse } from "../../data/prepare.js";
import { runSeeds } from "../../eval/run_seeds.js";
import { initEntry } from "../../train/init_entry.js";
import { defineCommand, str } from "../command.js";
import { describeCourse } from "./data-prepare.js";
import { parseMinutes, parseSeeds } from "./train.js";

/** Steps, training tokens and tokens/s from a seed's metrics.jsonl (the entry's per-step records). */
function stepStats(metricsFile: string): { steps: number; train_tokens: number; tokens_per_s: number } {
  let steps = 0;
  let tokens = 0;
  let timeMs = 0;
  for (const line of fs.readFileSync(metricsFile, "utf8").split("\n")) {
    if (!line) continue;
    const m = JSON.parse(line) as { step?: number; tokens?: number; train_time_ms?: number };
    if (typeof m.step === "number") {
      steps = m.step;
      tokens = m.tokens ?? tokens;
      timeMs = m.train_time_ms ?? timeMs;
    }
  }
  return { steps, train_tokens: tokens, tokens_per_s: timeMs > 0 ? tokens / (timeMs / 1000) : 0 };
}

// The main job: on a fresh clone, prepare the embedded course, write the baseline entry if missing,
// train it on the local track, score the artifact, and print a summary.
export default defineCommand({
  name: "run",
  summary: "The main job: prepare the embedded course, train the baseline entry on the local track, score it and print a summary.",
  usage: "[--entry entries/baseline] [--minutes N] [--seeds 1337] [--dir DATA] [--out RUNS]",
  options: { entry: { type: "string" }, minutes: { type: "string" }, seeds: { type: "string" }, dir: { type: "string" }, out: { type: "string" } },
  async run(v, _p, io) {
    const course = await prepareCourse({ dir: str(v, "dir") });
    if (!io.json) io.stderr.write(describeCourse(course) + "\n");
    const entryDir = str(v, "entry") ?? path.join("entries", "baseline");
    if (!fs.existsSync(path.join(entryDir, "entry.ts"))) await initEntry(entryDir);
    const t = track(DEFAULT_TRACK);
    const runs = await runSeeds({
      entryDir,
      courseDir: course.dir,
      track: t,
      seeds: parseSeeds(str(v, "seeds")),
      minutes: parseMinutes(str(v, "minutes")),
      outDir: str(v, "out") ?? path.join("runs", path.basename(path.resolve(entryDir))),
      echo: !io.json,
    });
    return {
      course: { name: DEFAULT_COURSE, dir: course.dir },
      track: t.name,
      entry: entryDir,
      runs: runs.map((r) => ({ ...r, ...stepStats(r.metrics) })),
    };
  },
  human: (r) =>
    r.runs
      .map((s) =>
        [
          `pgolf run (${r.track}, entry ${r.entry}, seed ${s.seed})`,
          `  val_bpb ${s.val_bpb.toFixed(4)}  (val_loss ${s.val_loss.toFixed(4)} nats, ${s.eval_targets.toLocaleString("en-US")} targets, ${s.eval_bytes.toLocaleString("en-US")} bytes)`,
          `  bytes ${s.bytes_total.toLocaleString("en-US")} = model ${s.bytes_model.toLocaleString("en-US")} + code ${s.bytes_code.toLocaleString("en-US")} (${s.within_cap ? "within" : "OVER"} the ${s.cap_bytes.toLocaleString("en-US")}-byte cap)`,
          `  steps ${s.steps}, ${s.train_tokens.toLocaleString("en-US")} tokens in ${s.train_seconds.toFixed(0)} s (${s.tokens_per_s.toFixed(0)} tokens/s), eval ${s.eval_seconds.toFixed(1)} s`,
          `  log ${s.log}`,
        ].join("\n"),
      )
      .join("\n"),
});
