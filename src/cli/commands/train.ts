import { DEFAULT_TRACK, track } from "../../core/track.js";
import { trainEntry } from "../../eval/train_entry.js";
import { defineCommand, parseMinutes, parseSeeds, str } from "../command.js";

export default defineCommand({
  name: "train",
  summary: "Train an entry for each seed under the track's cap (resumable), then score each artifact; one log and one artifact per seed.",
  usage: "DIR [--course C (default: the embedded sotu-sp1024, prepared when absent)] [--dir DATA] [--track T] [--seeds 1,2,3] [--minutes N] [--out RUNS] [--require-confinement]",
  // --require-confinement: refuse to run a process entry that this machine cannot confine (verification workers pass it)
  options: { course: { type: "string" }, dir: { type: "string" }, track: { type: "string" }, seeds: { type: "string" }, minutes: { type: "string" }, out: { type: "string" }, "require-confinement": { type: "boolean" } },
  positionals: [1, 1],
  async run(v, [entryDir], io) {
    return trainEntry({
      entryDir,
      course: str(v, "course"),
      dataDir: str(v, "dir"),
      track: track(str(v, "track") ?? DEFAULT_TRACK),
      seeds: parseSeeds(str(v, "seeds")),
      minutes: parseMinutes(str(v, "minutes")),
      outDir: str(v, "out"),
      echo: !io.json,
      strictConfinement: v["require-confinement"] === true,
    });
  },
  human: (r) =>
    (r.course_prepared ? [`prepared the embedded course ${r.course} (no course was named and none was there)`] : [])
      .concat(r.runs
      .map((s) => `seed ${s.seed}: val_bpb ${s.val_bpb.toFixed(4)} val_loss ${s.val_loss.toFixed(4)}, ${s.bytes_total.toLocaleString("en-US")} bytes (model ${s.bytes_model.toLocaleString("en-US")} + code ${s.bytes_code.toLocaleString("en-US")}), trained ${s.train_seconds.toFixed(0)} s -> ${s.log}`)
      .concat(r.runs.flatMap((s) => s.warnings.map((w) => `warning: ${w}`))))
      .join("\n"),
});
