// The training harness: runs an entry's train(ctx) for one seed under the track's wallclock cap and
// thread count, with the log in the reference's formats, metrics, checkpoints for resuming, and the
// artifact written atomically. The entry sees the training shards, never the validation split.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import type { Track } from "../core/track.js";
import { VERSION } from "../core/version.js";
import { courseTokenizer, type Course } from "../data/course.js";
import { TokenStream } from "../data/token_stream.js";
import { setBackend, setThreads } from "../engine/backend.js";
import { WallClock } from "./clock.js";
import { codeBytes } from "./code_bytes.js";
import type { TrainContext } from "./entry.js";
import { loadEntry } from "./load_entry.js";
import { logLines } from "./log_lines.js";
import { RunLog } from "./run_log.js";

export interface TrainSeedOptions {
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
}

export interface TrainSeedResult {
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

function decodeCheckpoint(file: string): { elapsedMs: number; state: Uint8Array } {
  const b = fs.readFileSync(file);
  if (b.length < 12 || b.toString("latin1", 0, 4) !== "PGCK" || b.readUInt32LE(4) !== 1 || 12 + b.readUInt32LE(8) > b.length) {
    throw new PgolfError("FILE_READ", "not a pgolf checkpoint (or a damaged one)", { file, fix: "delete it to start the seed over" });
  }
  const n = b.readUInt32LE(8);
  const meta = JSON.parse(b.toString("utf8", 12, 12 + n)) as { elapsedMs: number };
  return { elapsedMs: meta.elapsedMs, state: b.subarray(12 + n) };
}

export async function trainSeed(o: TrainSeedOptions): Promise<TrainSeedResult> {
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
  const capMs = (o.minutes ?? o.track.trainSeconds / 60) * 60_000;
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
  const code = codeBytes(o.entryDir);
  log.line(logLines.serialized(artifact.length));
  log.line(logLines.codeSize(code));
  log.line(logLines.totalSize(artifact.length + code));
  const result: TrainSeedResult = {
    seed: o.seed,
    log: logFile,
    metrics: log.metricsFile,
    artifact: artifactFile,
    artifact_sha256: sha256(artifact),
    bytes_model: artifact.length,
    bytes_code: code,
    bytes_total: artifact.length + code,
    train_seconds: trainMs / 1000,
    cap_seconds: capMs / 1000,
    cap_bytes: o.track.maxBytes,
    within_cap: artifact.length + code <= o.track.maxBytes,
    resumed: resumedFrom !== undefined,
  };
  log.metric({ event: "trained", ...result });
  return result;
}
