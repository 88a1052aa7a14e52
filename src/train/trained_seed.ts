// The end of a trained seed, the same for every kind of entry: the size lines of the reference log
// (serialized model, code, total), the result the harness returns and the "trained" metric.
import * as path from "node:path";
import { sha256 } from "../core/hash.js";
import type { Track } from "../core/track.js";
import type { Course } from "../data/course.js";
import type { TrainSeedResult } from "./harness.js";
import { logLines } from "./log_lines.js";
import type { RunLog } from "./run_log.js";

export interface TrainedSeed {
  entryDir: string;
  course: Course;
  track: Track;
  seed: number;
  log: RunLog;
  logFile: string;
  metricsFile: string;
  artifactFile: string;
  /** The artifact as written to artifactFile. */
  artifact: Uint8Array;
  /** Counted code bytes of the entry (size_rule.ts). */
  codeBytes: number;
  /** Training wallclock and the cap it ran under, milliseconds. */
  trainMs: number;
  capMs: number;
  resumed: boolean;
  confinement: TrainSeedResult["confinement"];
  warnings: string[];
}

export function finishTrainedSeed(t: TrainedSeed): TrainSeedResult {
  const total = t.artifact.length + t.codeBytes;
  t.log.line(logLines.serialized(t.artifact.length));
  t.log.line(logLines.codeSize(t.codeBytes));
  t.log.line(logLines.totalSize(total));
  const result: TrainSeedResult = {
    entry_dir: path.resolve(t.entryDir),
    course: t.course.name,
    course_manifest_sha256: t.course.manifestSha256,
    track: t.track.name,
    seed: t.seed,
    log: t.logFile,
    metrics: t.metricsFile,
    artifact: t.artifactFile,
    artifact_sha256: sha256(t.artifact),
    bytes_model: t.artifact.length,
    bytes_code: t.codeBytes,
    bytes_total: total,
    train_seconds: t.trainMs / 1000,
    cap_seconds: t.capMs / 1000,
    cap_bytes: t.track.maxBytes,
    within_cap: total <= t.track.maxBytes,
    resumed: t.resumed,
    confinement: t.confinement,
    warnings: t.warnings,
  };
  t.log.metric({ event: "trained", ...result });
  return result;
}
