import { scoreEntry } from "../../artifact/score_entry.js";
import { Progress } from "../../core/progress.js";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { defineCommand, int, str } from "../command.js";

// Scores an entry's artifact with the trusted evaluator and prints the score, the checks and the size
// verdict. DIR is an entry folder (its latest trained artifact unless --artifact) or a pack
// (`pgolf pack --out`); the work is scoreEntry's (artifact/score_entry.ts).
export default defineCommand({
  name: "eval",
  summary: "Score an artifact with the trusted evaluator (score-first streaming, causality probes, exact size rule); DIR is an entry folder or a .pgpack.",
  usage: "DIR|PACK [--artifact FILE (default: the entry's latest trained one)] [--course C] [--dir DATA] [--track T] [--probes N] [--probe-seed S] [--max-targets N] [--atlas FILE (per-document nats and bytes, for pgolf compare)] [--echo]",
  options: {
    artifact: { type: "string" },
    course: { type: "string" },
    dir: { type: "string" },
    track: { type: "string" },
    probes: { type: "string" },
    "probe-seed": { type: "string" },
    "max-targets": { type: "string" },
    echo: { type: "boolean" },
    atlas: { type: "string" },
  },
  positionals: [1, 1],
  async run(v, [target], io) {
    let progress: Progress | undefined;
    const r = await scoreEntry({
      target,
      artifact: str(v, "artifact"),
      course: str(v, "course"),
      dataDir: str(v, "dir"),
      track: track(str(v, "track") ?? DEFAULT_TRACK),
      probes: int(v, "probes"),
      probeSeed: int(v, "probe-seed"),
      maxTargets: int(v, "max-targets"),
      echoStderr: v.echo === true,
      atlasOut: str(v, "atlas"),
      onProgress: (p) => {
        progress ??= new Progress("scoring", p.total, { unit: " targets", enabled: io.json ? false : undefined });
        progress.tick(p.targets - progress.done);
      },
    });
    progress?.finish();
    return r;
  },
  human: (r) =>
    [
      ...(r.course_prepared ? [`prepared the embedded course ${r.course} (no course was named and none was there)`] : []),
      ...(r.artifact ? [`artifact ${r.artifact}${r.artifact_candidates.length > 1 ? ` (the newest of ${r.artifact_candidates.length}: ${r.artifact_candidates.slice(1).map((c) => c.file).join(", ")}; --artifact picks another)` : ""}`] : []),
      `val_bpb ${r.val_bpb.toFixed(8)}  val_loss ${r.val_loss.toFixed(8)}${r.truncated ? "  (TRUNCATED: not a comparable score)" : ""}`,
      `  ${r.targets.toLocaleString("en-US")} targets, ${r.bytes.toLocaleString("en-US")} bytes, ${r.chunks} chunks, ${r.eval_seconds.toFixed(1)} s (${r.model} model)`,
      `  distributions: ${r.checks.distributions.rows.toLocaleString("en-US")} rows, max |sum - 1| ${r.checks.distributions.max_sum_error.toExponential(2)} (tolerance ${r.checks.distributions.tolerance})`,
      `  causality: ${r.checks.causality.probes} probes answered by a fresh instance, ${r.checks.causality.rows_compared.toLocaleString("en-US")} rows compared exactly, ${r.checks.causality.mismatched_rows} differ (seed ${r.checks.causality.seed})`,
      `  verdicts: ${Object.entries(r.verdicts).map(([k, v]) => `${k} ${v.pass ? "pass" : "FAIL"}`).join(", ")}`,
      `  bytes: table total ${r.checks.bytes.table_total.toLocaleString("en-US")} = manifest ${r.checks.bytes.manifest_table?.toLocaleString("en-US") ?? "(not recorded)"}; raw UTF-8 ${r.checks.bytes.raw_utf8?.toLocaleString("en-US") ?? "(not recorded)"}`,
      `size: ${r.bytes_total.toLocaleString("en-US")} = code ${r.bytes_code.toLocaleString("en-US")} + model ${r.bytes_model.toLocaleString("en-US")}: ${r.within_cap ? "within" : "OVER"} the ${r.cap_bytes.toLocaleString("en-US")}-byte cap of ${r.track}`,
      ...(r.atlas ? [`atlas ${r.atlas}`] : []),
      ...r.warnings.map((w) => `warning: ${w}`),
    ].join("\n"),
});
