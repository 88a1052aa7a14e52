// The end of a trained seed, the same for every kind of entry: the harness's timing line, the size
// lines of the reference log (serialized model, code, total), the result the harness returns and its
// "trained" event. Every figure here is the harness's: its clock, its byte counts.
import * as path from "node:path";
import { sha256 } from "../core/hash.js";
import type { Track } from "../core/track.js";
import type { Course } from "../data/course.js";
import { withinTime, type TrainSeedResult } from "./harness.js";
import { logLines } from "./log_lines.js";
import type { RunLog } from "./run_log.js";

export interface TrainedSeed {
  entryDir: string;
  course: Course;
  track: Track;
  seed: number;
  run: string;
  log: RunLog;
  logFile: string;
  metricsFile: string;
  artifactFile: string;
  /** The artifact as written to artifactFile. */
  artifact: Uint8Array;
  /** Counted code bytes of the entry (entry/size_rule.ts). */
  codeBytes: number;
  /** Training loop and export wallclock by the harness's clock, and their caps, milliseconds. */
  trainMs: number;
  exportMs: number;
  capMs: number;
  exportCapMs: number;
  resumed: boolean;
  confinement: TrainSeedResult["confinement"];
  configOverrides: Record<string, unknown>;
  warnings: string[];
  echo: boolean;
}

export function finishTrainedSeed(t: TrainedSeed): TrainSeedResult {
  const total = t.artifact.length + t.codeBytes;
  // judged against the stricter of the run's cap and the track's: `--minutes 11` on a 10-minute track
  // trains past the track's rule however it was asked
  const ruleCapMs = Math.min(t.capMs, (t.track.trainSeconds ?? Infinity) * 1000);
  const within = withinTime(t.trainMs, t.exportMs, ruleCapMs, t.exportCapMs);
  t.log.line(logLines.harnessTiming(t.trainMs, t.exportMs, t.capMs, t.exportCapMs, within));
  t.log.line(logLines.serialized(t.artifact.length));
  t.log.line(logLines.codeSize(t.codeBytes));
  t.log.line(logLines.totalSize(total));
  const warnings = [...t.warnings];
  if (!within) {
    const what =
      t.trainMs > ruleCapMs
        ? `trained ${(t.trainMs / 1000).toFixed(1)} s against a ${(ruleCapMs / 1000).toFixed(0)} s cap`
        : `exported for ${(t.exportMs / 1000).toFixed(1)} s against a ${(t.exportCapMs / 1000).toFixed(0)} s export budget`;
    warnings.push(`seed ${t.seed} ${what}: its score is kept, but it is over the cap and cannot become a record`);
    if (t.echo) process.stderr.write(`warning: ${warnings.at(-1)}\n`);
  }
  const result: TrainSeedResult = {
    entry_dir: path.resolve(t.entryDir),
    course: t.course.name,
    course_manifest_sha256: t.course.manifestSha256,
    track: t.track.name,
    seed: t.seed,
    run: t.run,
    log: t.logFile,
    metrics: t.metricsFile,
    artifact: t.artifactFile,
    artifact_sha256: sha256(t.artifact),
    bytes_model: t.artifact.length,
    bytes_code: t.codeBytes,
    bytes_total: total,
    train_seconds: t.trainMs / 1000,
    cap_seconds: t.capMs / 1000,
    export_seconds: t.exportMs / 1000,
    export_cap_seconds: Number.isFinite(t.exportCapMs) ? t.exportCapMs / 1000 : null,
    within_time: within,
    cap_bytes: t.track.maxBytes,
    within_cap: total <= t.track.maxBytes,
    resumed: t.resumed,
    confinement: t.confinement,
    config_overrides: t.configOverrides,
    warnings,
  };
  t.log.metric({ event: "trained", ...result });
  return result;
}
