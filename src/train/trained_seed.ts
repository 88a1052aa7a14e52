// The beginning and the end of a trained seed, the same for every kind of entry: the seed's files,
// the log's header and the "start" event; at the end the harness's timing line, the size lines of the
// reference log (serialized model, code, total), the result the harness returns and its "trained"
// event. Every figure here is the harness's: its clock, its byte counts.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { VERSION } from "../core/version.js";
import { sha256 } from "../core/hash.js";
import { planConfinement, type ConfinementPlan } from "../entry/sandbox.js";
import { capMsOf, exportCapMsOf, withinTime, type TrainSeedOptions, type TrainSeedResult } from "./harness.js";
import { logLines } from "./log_lines.js";
import { RunLog } from "./run_log.js";

/** The files of a seed's folder, all written by the harness. */
export interface SeedFiles {
  log: string;
  metrics: string;
  artifact: string;
  checkpoint: string;
}

export function seedFiles(outDir: string, seed: number): SeedFiles {
  return { log: path.join(outDir, `train_seed${seed}.log`), metrics: path.join(outDir, "metrics.jsonl"), artifact: path.join(outDir, "artifact.bin"), checkpoint: path.join(outDir, "checkpoint.bin") };
}

/** What every training run starts with: its sandbox plan (ENTRY_CONFINEMENT when strict and impossible) and its folder's files. */
export function prepareSeed(o: TrainSeedOptions, what: string): { plan: ConfinementPlan; files: SeedFiles } {
  const plan = planConfinement(what, o.strictConfinement ?? false);
  const outDir = path.resolve(o.outDir);
  fs.mkdirSync(outDir, { recursive: true });
  return { plan, files: seedFiles(outDir, o.seed) };
}

/** A seed's run as it starts: its id, its log (header written), threads and caps, milliseconds. */
export interface SeedStart {
  run: string;
  log: RunLog;
  threads: number;
  capMs: number;
  exportCapMs: number;
}

/** Opens a seed's log: the header lines (a resume's, or the harness's with `extra` lines), and the start event. */
export function startSeed(o: TrainSeedOptions, plan: ConfinementPlan, files: SeedFiles, h: { resumedMs: number | null; extra?: string[] }): SeedStart {
  const run = randomUUID();
  const threads = o.track.threads ?? os.availableParallelism();
  const capMs = capMsOf(o);
  const exportCapMs = exportCapMsOf(o.track, capMs);
  const log = new RunLog(files.log, files.metrics, run, { echo: o.echo });
  log.line(h.resumedMs !== null ? `resumed_from_checkpoint train_time:${h.resumedMs.toFixed(0)}ms` : `pgolf ${VERSION} track:${o.track.name} seed:${o.seed} threads:${threads}`);
  log.line(`confinement:${plan.confinement} run:${run}`);
  for (const l of h.extra ?? []) log.line(l);
  if (plan.warning) log.line(`warning: ${plan.warning}`);
  log.line(`train_loader:dataset:${o.course.name} train_shards:${o.course.trainFiles.length}`);
  log.line(`max_wallclock_seconds:${(capMs / 1000).toFixed(3)}`);
  log.metric({ event: h.resumedMs !== null ? "resume" : "start", seed: o.seed, track: o.track.name, threads, cap_ms: Number.isFinite(capMs) ? capMs : null, confinement: plan.confinement });
  return { run, log, threads, capMs, exportCapMs };
}

export interface TrainedSeed {
  /** What the run was asked: the entry, course, track, seed, overrides, echo. */
  options: TrainSeedOptions;
  /** How the training process was held. */
  plan: ConfinementPlan;
  /** The run as it started (id, log, caps). */
  start: SeedStart;
  files: SeedFiles;
  /** The artifact as written to files.artifact. */
  artifact: Uint8Array;
  /** Counted code bytes of the entry (entry/size_rule.ts). */
  codeBytes: number;
  /** Training loop and export wallclock by the harness's clock, milliseconds. */
  trainMs: number;
  exportMs: number;
  resumed: boolean;
}

export function finishTrainedSeed(t: TrainedSeed): TrainSeedResult {
  const { entryDir, course, track, seed } = t.options;
  const { run, log, capMs, exportCapMs } = t.start;
  const total = t.artifact.length + t.codeBytes;
  // judged against the stricter of the run's cap and the track's: `--minutes 11` on a 10-minute track
  // trains past the track's rule however it was asked
  const ruleCapMs = Math.min(capMs, (track.trainSeconds ?? Infinity) * 1000);
  const within = withinTime(t.trainMs, t.exportMs, ruleCapMs, exportCapMs);
  log.line(logLines.harnessTiming(t.trainMs, t.exportMs, capMs, exportCapMs, within));
  log.line(logLines.serialized(t.artifact.length));
  log.line(logLines.codeSize(t.codeBytes));
  log.line(logLines.totalSize(total));
  const warnings = t.plan.warning ? [t.plan.warning] : [];
  if (!within) {
    const what =
      t.trainMs > ruleCapMs
        ? `trained ${(t.trainMs / 1000).toFixed(1)} s against a ${(ruleCapMs / 1000).toFixed(0)} s cap`
        : `exported for ${(t.exportMs / 1000).toFixed(1)} s against a ${(exportCapMs / 1000).toFixed(0)} s export budget`;
    warnings.push(`seed ${seed} ${what}: its score is kept, but it is over the cap and cannot become a record`);
    if (t.options.echo) process.stderr.write(`warning: ${warnings.at(-1)}\n`);
  }
  const result: TrainSeedResult = {
    entry_dir: path.resolve(entryDir),
    course: course.name,
    course_manifest_sha256: course.manifestSha256,
    track: track.name,
    seed,
    run,
    log: t.files.log,
    metrics: t.files.metrics,
    artifact: t.files.artifact,
    artifact_sha256: sha256(t.artifact),
    bytes_model: t.artifact.length,
    bytes_code: t.codeBytes,
    bytes_total: total,
    train_seconds: t.trainMs / 1000,
    cap_seconds: capMs / 1000,
    export_seconds: t.exportMs / 1000,
    export_cap_seconds: Number.isFinite(exportCapMs) ? exportCapMs / 1000 : null,
    within_time: within,
    cap_bytes: track.maxBytes,
    within_cap: total <= track.maxBytes,
    resumed: t.resumed,
    confinement: t.plan.confinement,
    config_overrides: t.options.configOverrides ?? {},
    warnings,
  };
  log.metric({ event: "trained", ...result });
  return result;
}
