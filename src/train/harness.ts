// The training harness: runs an entry's train(ctx) for one seed under the track's wallclock cap and
// thread count, with the log in the reference's formats, metrics, checkpoints for resuming, and the
// artifact written atomically. The entry sees the training shards, never the validation split.
// Process entries (config.json "train_command", any language) are trained by process_entry.ts into
// the same seed folder: same log lines, metrics and result.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError, type ErrorCode } from "../core/error.js";
import type { Track } from "../core/track.js";
import { VERSION } from "../core/version.js";
import { courseTokenizer, type Course } from "../data/course.js";
import { TokenStream } from "../data/token_stream.js";
import { setBackend, setThreads } from "../engine/backend.js";
import { MANIFEST_NAME } from "../data/manifest.js";
import { WallClock } from "./clock.js";
import type { Confinement } from "./confine.js";
import type { TrainContext } from "./entry.js";
import { readEntryConfig } from "./entry_config.js";
import { ENTRY_MODULE, loadEntry } from "./load_entry.js";
import { trainProcessSeed } from "./process_entry.js";
import { RunLog } from "./run_log.js";
import { distScript, spawnSandboxed } from "./sandbox.js";
import { sealEntry } from "./seal.js";
import { finishTrainedSeed } from "./trained_seed.js";

export interface TrainSeedOptions {
  /** The entry folder (for trainSeed) or its sealed copy (for trainSeedInProcess). */
  entryDir: string;
  course: Course;
  track: Track;
  seed: number;
  /** Folder for this seed's outputs (log, metrics, checkpoint, artifact). */
  outDir: string;
  /** Training cap override, minutes (default: the track's). */
  minutes?: number;
  configOverrides?: Record<string, unknown>;
  echo?: boolean;
  /** Refuse (ENTRY_CONFINEMENT) rather than run a process entry unconfined where the machine cannot confine it (verification workers). */
  strictConfinement?: boolean;
  /** Kill the training process this long after the cap, milliseconds (default HARD_KILL_EXTRA_MS). */
  killAfterCapMs?: number;
}

export interface TrainSeedResult {
  /** The entry folder, the course and the track the seed was trained on. */
  entry_dir: string;
  course: string;
  course_manifest_sha256: string;
  track: string;
  seed: number;
  log: string;
  metrics: string;
  artifact: string;
  artifact_sha256: string;
  bytes_model: number;
  bytes_code: number;
  bytes_total: number;
  train_seconds: number;
  cap_seconds: number;
  /** The track's byte cap and whether code + artifact fit it. */
  cap_bytes: number;
  within_cap: boolean;
  resumed: boolean;
  /** How the training process was held: Node's permission model (pgolf entries), namespaces or nothing (process entries; see confine.ts). */
  confinement: "node-permissions" | Confinement;
  /** What the user should know about the run (an unconfined process entry). */
  warnings: string[];
}

const CHECKPOINT = "checkpoint.bin";
/** Time a run may go past its cap to finish the step in progress, milliseconds. */
export const OVER_CAP_GRACE_MS = 10_000;
/** Checkpoint layout: magic "PGCK", version 1, uint32 LE JSON length, JSON {elapsedMs}, then the entry's state. */
function encodeCheckpoint(elapsedMs: number, state: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify({ elapsedMs }), "utf8");
  const head = Buffer.alloc(12);
  head.write("PGCK", 0, "latin1");
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json, state]);
}

export function decodeCheckpoint(file: string): { elapsedMs: number; state: Uint8Array } {
  const b = fs.readFileSync(file);
  if (b.length < 12 || b.toString("latin1", 0, 4) !== "PGCK" || b.readUInt32LE(4) !== 1 || 12 + b.readUInt32LE(8) > b.length) {
    throw new PgolfError("FILE_READ", "not a pgolf checkpoint (or a damaged one)", { file, fix: "delete it to start the seed over" });
  }
  const n = b.readUInt32LE(8);
  const meta = JSON.parse(b.toString("utf8", 12, 12 + n)) as { elapsedMs: number };
  return { elapsedMs: meta.elapsedMs, state: b.subarray(12 + n) };
}

/**
 * Trains one seed in this process. The harness runs it inside the sandboxed child (train_child.ts)
 * on a sealed copy of the entry; `codeBytes` and `entryDir` name the original's count and folder.
 */
export async function trainSeedInProcess(o: TrainSeedOptions & { codeBytes: number; originalEntryDir: string }): Promise<TrainSeedResult> {
  const entry = await loadEntry(o.entryDir);
  const config = { ...entry.config, ...(o.configOverrides ?? {}) };
  const threads = o.track.threads ?? os.availableParallelism();
  setBackend("ort");
  setThreads(threads);
  fs.mkdirSync(o.outDir, { recursive: true });
  const checkpointFile = path.join(o.outDir, CHECKPOINT);
  const artifactFile = path.join(o.outDir, "artifact.bin");
  const resumedFrom = fs.existsSync(checkpointFile) ? decodeCheckpoint(checkpointFile) : undefined;
  const logFile = path.join(o.outDir, `train_seed${o.seed}.log`);
  if (!resumedFrom) for (const f of [logFile, path.join(o.outDir, "metrics.jsonl")]) fs.rmSync(f, { force: true });
  const log = new RunLog(logFile, path.join(o.outDir, "metrics.jsonl"), { echo: o.echo });
  const capMs = (o.minutes ?? (o.track.trainSeconds ?? Infinity) / 60) * 60_000;
  const clock = new WallClock(capMs, resumedFrom?.elapsedMs ?? 0);

  log.line(resumedFrom ? `resumed_from_checkpoint train_time:${resumedFrom.elapsedMs.toFixed(0)}ms` : `pgolf ${VERSION} track:${o.track.name} seed:${o.seed} threads:${threads}`);
  log.line(`train_loader:dataset:${o.course.name} train_shards:${o.course.trainFiles.length}`);
  log.line(`max_wallclock_seconds:${(capMs / 1000).toFixed(3)}`);
  log.metric({ event: resumedFrom ? "resume" : "start", seed: o.seed, track: o.track.name, threads, cap_ms: capMs });

  let lastTokens = 0;
  let lastAt = performance.now();
  const ctx: TrainContext = {
    config,
    seed: o.seed,
    threads,
    vocabSize: o.course.vocabSize,
    tokenizer: courseTokenizer(o.course),
    trainStream: () => new TokenStream(o.course.trainFiles, o.course.vocabSize),
    clock,
    log: (s) => log.line(s),
    metric: (m) => log.metric(m),
    progress: (p) => {
      const now = performance.now();
      const tps = ((p.tokens - lastTokens) / Math.max(now - lastAt, 1)) * 1000;
      lastTokens = p.tokens;
      lastAt = now;
      log.status({ step: p.step, loss: p.loss, tokensPerSecond: tps, remainingMs: clock.remainingMs() });
    },
    saveCheckpoint: async (state) => writeFileAtomic(checkpointFile, encodeCheckpoint(clock.elapsedMs(), state)),
    loadCheckpoint: () => resumedFrom?.state,
  };

  const artifact = await entry.module.train(ctx);
  const trainMs = clock.elapsedMs();
  if (!(artifact instanceof Uint8Array) || artifact.length === 0) {
    throw new PgolfError("CONFIG_INVALID", "the entry's train() did not return artifact bytes", { file: o.entryDir, fix: "return the exported artifact as a Uint8Array" });
  }
  // The cap is the harness's: a run may finish the step in progress, not train on past it.
  const overMs = trainMs - capMs;
  if (overMs > OVER_CAP_GRACE_MS) {
    log.line(`over_cap: train_time:${trainMs.toFixed(0)}ms cap:${capMs.toFixed(0)}ms`);
    throw new PgolfError("CONFIG_INVALID", `the entry trained ${(overMs / 1000).toFixed(1)} s past the ${(capMs / 1000).toFixed(0)} s cap`, {
      file: o.entryDir,
      fix: "stop training when ctx.clock.expired() (check it every step)",
    });
  }
  await writeFileAtomic(artifactFile, artifact);
  fs.rmSync(checkpointFile, { force: true });
  return finishTrainedSeed({
    entryDir: o.originalEntryDir,
    course: o.course,
    track: o.track,
    seed: o.seed,
    log,
    logFile,
    metricsFile: log.metricsFile,
    artifactFile,
    artifact,
    codeBytes: o.codeBytes,
    trainMs,
    capMs,
    resumed: resumedFrom !== undefined,
    confinement: "node-permissions",
    warnings: [],
  });
}

/** Extra wallclock past the training cap before the harness kills the child: start-up, session compile and export. */
export const HARD_KILL_EXTRA_MS = 120_000;

/**
 * Trains one seed the way the harness always does: the entry is sealed (only its counted files, see
 * seal.ts) and run in a child process that can read the training shards, the tokenizer and the
 * manifest but not the validation shards, can write only the seed's folder, and is killed when it
 * runs HARD_KILL_EXTRA_MS past the cap. Errors inside come back with their stable codes.
 * A process entry's train_command runs confined instead (process_entry.ts).
 */
export async function trainSeed(o: TrainSeedOptions): Promise<TrainSeedResult> {
  const killAfterCapMs = o.killAfterCapMs ?? HARD_KILL_EXTRA_MS;
  const config = readEntryConfig(o.entryDir);
  if (config.trainCommand) return trainProcessSeed(o, config, killAfterCapMs);
  if (config.kind === "process" && !fs.existsSync(path.join(o.entryDir, ENTRY_MODULE))) {
    throw new PgolfError("CONFIG_INVALID", `the entry declares eval_command but neither train_command nor ${ENTRY_MODULE}: it can be scored (pgolf eval) but not trained`, {
      file: config.file,
      fix: 'declare how to train it: "train_command": ["python3", "train.py"] (see docs/eval-protocol.md, "Training a process entry")',
    });
  }
  fs.mkdirSync(o.outDir, { recursive: true });
  const sealed = sealEntry(o.entryDir);
  const resultFile = path.join(o.outDir, "trained.json");
  const jobFile = path.join(o.outDir, "job.json");
  try {
    fs.rmSync(resultFile, { force: true });
    const job: TrainChildJob = {
      sealedDir: sealed.dir,
      originalEntryDir: path.resolve(o.entryDir),
      codeBytes: sealed.codeBytes,
      courseDir: path.resolve(o.course.dir),
      track: o.track.name,
      seed: o.seed,
      outDir: path.resolve(o.outDir),
      minutes: o.minutes,
      configOverrides: o.configOverrides,
      echo: o.echo,
      resultFile,
    };
    fs.writeFileSync(jobFile, JSON.stringify(job));
    const checkpointFile = path.join(o.outDir, CHECKPOINT);
    const usedMs = fs.existsSync(checkpointFile) ? decodeCheckpoint(checkpointFile).elapsedMs : 0;
    const capMs = (o.minutes ?? (o.track.trainSeconds ?? Infinity) / 60) * 60_000;
    const limitMs = Math.max(capMs - usedMs, 0) + killAfterCapMs;
    const c = o.course;
    const child = spawnSandboxed(distScript("train/train_child.js"), [jobFile], {
      read: [sealed.dir, path.join(c.dir, MANIFEST_NAME), c.tokenizerFile, ...c.trainFiles],
      write: [o.outDir],
      stdio: ["ignore", "ignore", "inherit"],
    });
    let killed = false;
    const timer = Number.isFinite(limitMs)
      ? setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, limitMs)
      : undefined;
    const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal }));
    }).finally(() => clearTimeout(timer));
    if (killed) {
      throw new PgolfError("ENTRY_TIMEOUT", `seed ${o.seed} ran ${(limitMs / 1000).toFixed(0)} s (the ${(capMs / 1000).toFixed(0)} s cap plus ${killAfterCapMs / 1000} s for start-up and export) and was killed`, {
        file: o.entryDir,
        fix: "stop training when ctx.clock.expired() and keep export short; `pgolf train` resumes from the last checkpoint",
      });
    }
    if (!fs.existsSync(resultFile)) {
      throw new PgolfError("ENTRY_CRASHED", `the training process for seed ${o.seed} ended (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`}) without a result`, {
        file: o.outDir,
        fix: "see the messages above; run again to resume from the last checkpoint",
      });
    }
    const out = JSON.parse(fs.readFileSync(resultFile, "utf8")) as { result?: TrainSeedResult; error?: { code: ErrorCode; message: string; file?: string; fix?: string } };
    if (out.error) throw new PgolfError(out.error.code, out.error.message, { file: out.error.file ?? o.entryDir, fix: out.error.fix });
    return out.result as TrainSeedResult;
  } finally {
    sealed.remove();
    fs.rmSync(jobFile, { force: true });
  }
}

/** What the harness hands its training child (train_child.ts), as JSON. */
export interface TrainChildJob {
  sealedDir: string;
  originalEntryDir: string;
  codeBytes: number;
  courseDir: string;
  track: string;
  seed: number;
  outDir: string;
  minutes?: number;
  configOverrides?: Record<string, unknown>;
  echo?: boolean;
  resultFile: string;
}
