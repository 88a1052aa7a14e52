import * as path from "node:path";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { DEFAULT_COURSE, DEFAULT_DATA_DIR } from "../../data/courses.js";
import { runSeeds } from "../../eval/run_seeds.js";
import { defineCommand, str, usage } from "../command.js";

export function parseSeeds(s: string | undefined): number[] {
  if (s === undefined) return [1337];
  const seeds = s.split(",").map((x) => Number(x.trim()));
  if (seeds.length === 0 || seeds.some((x) => !Number.isInteger(x) || x < 0)) throw usage(`--seeds must be comma-separated non-negative integers, got "${s}"`);
  return seeds;
}

export function parseMinutes(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = Number(s);
  if (!(m > 0)) throw usage(`--minutes must be a positive number, got "${s}"`);
  return m;
}

export default defineCommand({
  name: "train",
  summary: "Train an entry for each seed under the track's cap (resumable), then score each artifact; one log and one artifact per seed.",
  usage: "DIR [--course C] [--dir DATA] [--track T] [--seeds 1,2,3] [--minutes N] [--out RUNS] [--require-confinement]",
  // --require-confinement: refuse to run a process entry that this machine cannot confine (verification workers pass it)
  options: { course: { type: "string" }, dir: { type: "string" }, track: { type: "string" }, seeds: { type: "string" }, minutes: { type: "string" }, out: { type: "string" }, "require-confinement": { type: "boolean" } },
  positionals: [1, 1],
  async run(v, [entryDir], io) {
    const course = str(v, "course") ?? DEFAULT_COURSE;
    const runs = await runSeeds({
      entryDir,
      courseDir: path.join(str(v, "dir") ?? DEFAULT_DATA_DIR, course),
      track: track(str(v, "track") ?? DEFAULT_TRACK),
      seeds: parseSeeds(str(v, "seeds")),
      minutes: parseMinutes(str(v, "minutes")),
      outDir: str(v, "out") ?? path.join("runs", path.basename(path.resolve(entryDir))),
      echo: !io.json,
      strictConfinement: v["require-confinement"] === true,
    });
    return { entry: entryDir, course, runs };
  },
  human: (r) =>
    r.runs
      .map((s) => `seed ${s.seed}: val_bpb ${s.val_bpb.toFixed(4)} val_loss ${s.val_loss.toFixed(4)}, ${s.bytes_total.toLocaleString("en-US")} bytes (model ${s.bytes_model.toLocaleString("en-US")} + code ${s.bytes_code.toLocaleString("en-US")}), trained ${s.train_seconds.toFixed(0)} s -> ${s.log}`)
      .concat(r.runs.flatMap((s) => s.warnings.map((w) => `warning: ${w}`)))
      .join("\n"),
});
