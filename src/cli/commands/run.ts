import { runMainJob } from "../../submission/main_job.js";
import { defineCommand, parseMinutes, parseSeeds, str } from "../command.js";
import { describeCourse } from "./data-prepare.js";

// The main job (submission/main_job.ts): prepare the embedded course, write the baseline entry if
// missing, train it on the local track, score the artifact, write a record folder; prints a summary
// ending with the loss curve as a sparkline and where its plot is.
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
    return runMainJob({
      entryDir: str(v, "entry"),
      dataDir: str(v, "dir"),
      outDir: str(v, "out"),
      seeds: parseSeeds(str(v, "seeds")),
      minutes: parseMinutes(str(v, "minutes")),
      author: str(v, "author"),
      echo: !io.json,
      onCourse: io.json ? undefined : (course, practice) => io.stderr.write(describeCourse(course) + "\n" + (practice ? `note: ${practice}\n` : "")),
    });
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
      .concat([r.loss_sparkline ? `train loss ${r.loss_sparkline}  (first seed, by step; every seed plotted in ${r.loss_plot})` : `train loss: the entry logged none (plot: ${r.loss_plot})`])
      .concat([r.record ? `record ${r.record}` : `no record: ${r.record_skipped}`])
      .concat(r.course.practice ? [`note: ${r.course.practice}`] : [])
      .join("\n"),
});
