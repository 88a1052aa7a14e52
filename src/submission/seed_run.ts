// A seed's run folder as `pgolf train` / `pgolf run` leave it (runs/<entry>/seed_<N>/): the log in the
// reference's formats, metrics.jsonl (one JSON object per line: per-step records from the entry, and
// the harness's "trained" and "scored" events), and artifact.bin. Records are filled from here only.
// A run folder may be someone else's (`pgolf compare` on a shared run), so its files are read through
// record_file.ts: no links, regular files only, bounded.
import * as path from "node:path";
import { fileSizeConfined, isMissing } from "../core/confined_read.js";
import { PgolfError } from "../core/error.js";
import { ATLAS_FILE } from "../eval/atlas.js";
import type { SeedRun } from "../eval/run_seeds.js";
import { readRecordText, recordFileSha256 } from "./record_file.js";

export interface SeedRunFolder extends SeedRun {
  dir: string;
  /** From the entry's per-step metrics: last step, training tokens seen, tokens per training second. */
  steps: number;
  train_tokens: number;
  tokens_per_s: number;
  /** (step, train_loss) and (step, val_bpb) points for curves. */
  train_curve: [number, number][];
}

export function readSeedRun(dir: string): SeedRunFolder {
  const metricsFile = path.join(dir, "metrics.jsonl");
  let metrics: string;
  try {
    metrics = readRecordText(dir, "metrics.jsonl", "metrics");
  } catch (e) {
    if (!isMissing(e)) throw e;
    throw new PgolfError("RECORD_FILE", "not a pgolf run folder: it has no metrics.jsonl", { file: dir, fix: "pass a seed folder written by `pgolf train` or `pgolf run` (runs/<entry>/seed_<N>)" });
  }
  let trained: SeedRun | undefined;
  let scored: SeedRun | undefined;
  let steps = 0;
  let tokens = 0;
  let timeMs = 0;
  const curve: [number, number][] = [];
  const lines = metrics.split("\n");
  lines.forEach((line, i) => {
    if (!line) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new PgolfError("RECORD_FILE", `line ${i + 1} of metrics.jsonl is not JSON`, { file: metricsFile, fix: "run the seed again; the file was damaged" });
    }
    if (m.source === "entry") {
      // the entry's own per-step records: curves and counts for display, never a result
      if (typeof m.step === "number") {
        steps = m.step;
        if (typeof m.tokens === "number") tokens = m.tokens;
        if (typeof m.train_time_ms === "number") timeMs = m.train_time_ms;
        if (typeof m.train_loss === "number") curve.push([m.step, m.train_loss]);
      }
      return;
    }
    if (m.event === "start") {
      // a fresh start (not a resume) clears what an earlier attempt in the same folder recorded
      trained = scored = undefined;
      curve.length = 0;
      steps = tokens = timeMs = 0;
    } else if (m.event === "trained") {
      trained = m as unknown as SeedRun;
      scored = undefined;
    } else if (m.event === "scored") {
      // a score counts only as the evaluator's verdict on the harness's own training run
      if (trained && typeof m.run === "string" && m.run === trained.run && m.artifact_sha256 === trained.artifact_sha256) scored = m as unknown as SeedRun;
    }
  });
  if (!scored) {
    throw new PgolfError("RECORD_FILE", `this seed was not scored (no "scored" event of the harness follows its "trained" event in metrics.jsonl)`, {
      file: metricsFile,
      fix: "finish the run: `pgolf train` scores each seed after training",
    });
  }
  const artifact = path.join(dir, "artifact.bin");
  // the log's name comes from metrics.jsonl: only its last part, and only a plain file of the folder
  const logName = path.basename(String(scored.log));
  const log = path.join(dir, logName);
  for (const f of ["artifact.bin", logName]) if (fileSizeConfined(dir, f) === null) throw new PgolfError("RECORD_FILE", `${f} is missing from the run folder`, { file: path.join(dir, f), fix: "run the seed again" });
  const actual = recordFileSha256(dir, "artifact.bin", "artifact");
  if (actual !== scored.artifact_sha256) {
    throw new PgolfError("RECORD_FILE", `artifact.bin has sha256 ${actual.slice(0, 12)}…, the scored artifact had ${scored.artifact_sha256.slice(0, 12)}…`, {
      file: artifact,
      fix: "the artifact changed after it was scored; run the seed again",
    });
  }
  // the atlas the evaluator wrote with this score, when it did (runs scored before atlases have none)
  let atlas: string | undefined;
  if (scored.atlas_sha256) {
    atlas = path.join(dir, ATLAS_FILE);
    const got = fileSizeConfined(dir, ATLAS_FILE) === null ? "(missing)" : recordFileSha256(dir, ATLAS_FILE, "atlas");
    if (got !== scored.atlas_sha256) {
      throw new PgolfError("RECORD_FILE", `${ATLAS_FILE} has sha256 ${got.slice(0, 12)}…, the evaluator wrote ${scored.atlas_sha256.slice(0, 12)}…`, { file: atlas, fix: "the atlas changed after it was written; train the seed again into a fresh run folder (pgolf train ENTRY --seeds N --out NEW)" });
    }
  }
  return { ...scored, dir, artifact, log, atlas, metrics: metricsFile, steps, train_tokens: tokens, tokens_per_s: timeMs > 0 ? tokens / (timeMs / 1000) : 0, train_curve: curve };
}

/**
 * Why a scored seed cannot become a record, or null when it can: it must have been trained and scored
 * in the sandbox, within the track's time and byte caps, on the whole validation split.
 */
export function recordIneligibility(r: SeedRunFolder): PgolfError | null {
  if (r.confinement !== "namespaces" || r.eval_confinement !== "namespaces") {
    return new PgolfError("RECORD_UNCONFINED", `seed ${r.seed} was ${r.confinement !== "namespaces" ? "trained" : "scored"} without the sandbox (confinement: none): its numbers are not the harness's alone`, {
      file: r.dir,
      fix: "train and score it on Linux with unprivileged user namespaces enabled (see README, Trust), then submit again",
    });
  }
  if (Object.keys(r.config_overrides ?? {}).length > 0) {
    return new PgolfError("RECORD_INELIGIBLE", `seed ${r.seed} was trained with config overrides (${Object.keys(r.config_overrides).join(", ")}) that are not in the entry's config.json: the record's code would not reproduce it`, {
      file: r.dir,
      fix: "put the settings in config.json (it counts as code) and train the seed again",
    });
  }
  if (!r.within_time) {
    return new PgolfError("RECORD_INELIGIBLE", `seed ${r.seed} trained ${r.train_seconds.toFixed(1)} s against a ${r.cap_seconds.toFixed(0)} s cap and exported for ${r.export_seconds.toFixed(1)} s against ${r.export_cap_seconds === null ? "no" : `a ${r.export_cap_seconds.toFixed(0)} s`} budget: it is over the cap`, {
      file: r.dir,
      fix: "stop training earlier (ctx.clock), call ctx.trainingDone() before exporting, and train the seed again",
    });
  }
  if (!r.within_cap) {
    return new PgolfError("RECORD_INELIGIBLE", `seed ${r.seed} weighs ${r.bytes_total} bytes, over the ${r.cap_bytes}-byte cap`, { file: r.dir, fix: "make the artifact or the code smaller" });
  }
  if (r.eval_truncated) {
    return new PgolfError("RECORD_INELIGIBLE", `seed ${r.seed} was scored on part of the validation split only (--max-targets)`, { file: r.dir, fix: "score it on the whole split: pgolf train without --max-targets" });
  }
  return null;
}
