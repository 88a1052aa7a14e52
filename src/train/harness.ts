// The training harness: trains one seed of an entry under the track's caps and owns every number of
// the run. The entry runs in the sandbox (entry/sandbox.ts) from a sealed copy (entry/seal.ts), sees
// the training view and nothing else, and can write nothing that outlives its process. Everything it
// produces reaches the harness over frames (train_child.ts): the harness writes the log (entry lines
// filtered, entry_output.ts), metrics.jsonl (entry metrics tagged), the checkpoint with the time used
// by its own clock (the resume ledger), and the artifact; the entry's folder of outputs is the
// harness's alone. Process entries (config.json "train_command", any language) are trained by
// process_entry.ts into the same seed folder.
//
// Time: the harness's clock starts when it hands the entry its job, before the entry's module is
// loaded. The training cap covers the training loop, up to the entry's ctx.trainingDone() (or, without
// it, until the artifact arrives); quantization, compression and serialization after it run on the
// track's export budget. A run over either keeps its artifact and is scored, marked over the cap
// (within_time: false), and cannot become a record. Only a run still going HARD_KILL_EXTRA_MS past
// both is killed (ENTRY_TIMEOUT): it never produced an artifact.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import type { Track } from "../core/track.js";
import type { Course } from "../data/course.js";
import { outsidePaths } from "../entry/child_error.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { evalWindow } from "../entry/eval_window.js";
import { ENTRY_MODULE } from "../entry/load_entry.js";
import { libraryCommand } from "../entry/node_permissions.js";
import { encodeMessage, FrameReader, kindName, MessageKind, type Message } from "../entry/protocol.js";
import { HARD_KILL_EXTRA_MS, MIN_EXPORT_MS, overCapGraceMs } from "../entry/rules.js";
import { INSIDE, Sandbox, SANDBOX_PATH, type Confinement } from "../entry/sandbox.js";
import { sealEntry } from "../entry/seal.js";
import { bindTrainingView, hideCourse } from "../entry/training_view.js";
import type { TrainJob } from "./train_child.js";
import { trainProcessSeed } from "./process_entry.js";
import type { RunLog } from "./run_log.js";
import { finishTrainedSeed, prepareSeed, startSeed } from "./trained_seed.js";

export interface TrainSeedOptions {
  /** The entry folder. */
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
  /** Refuse (ENTRY_CONFINEMENT) rather than run without the sandbox where the machine cannot provide it (scored runs, verification workers). */
  strictConfinement?: boolean;
  /** Kill the training process this long after the cap (or, once it says the loop is over, after the export budget), milliseconds (default HARD_KILL_EXTRA_MS). */
  killAfterCapMs?: number;
}

export interface TrainSeedResult {
  /** The entry folder, the course and the track the seed was trained on. */
  entry_dir: string;
  course: string;
  course_manifest_sha256: string;
  track: string;
  seed: number;
  /** This training run's id (random): the seed folder's "trained" and "scored" events carry it. */
  run: string;
  log: string;
  metrics: string;
  artifact: string;
  artifact_sha256: string;
  bytes_model: number;
  bytes_code: number;
  bytes_total: number;
  /** The training loop's wallclock by the harness's clock (time before a resume included), seconds. */
  train_seconds: number;
  cap_seconds: number;
  /** From the end of the training loop to the artifact, by the harness's clock, and its budget, seconds. */
  export_seconds: number;
  export_cap_seconds: number | null;
  /** Training within the cap (+ its grace, overCapGraceMs) and export within its budget: eligible for a record. */
  within_time: boolean;
  /** The track's byte cap and whether code + artifact fit it. */
  cap_bytes: number;
  within_cap: boolean;
  resumed: boolean;
  /** How the training process was held: the namespace sandbox, or (where impossible, not strict) nothing. */
  confinement: Confinement;
  /** Config overrides the run was given beyond config.json (not part of the entry's counted code: such a run cannot become a record). */
  config_overrides: Record<string, unknown>;
  /** What the user should know about the run (no sandbox, over the cap). */
  warnings: string[];
}

/** How long the child may take to start (Node, the library, onnxruntime) before it says READY, milliseconds. */
const START_TIMEOUT_MS = 60_000;
/** Keep this much of the child's stderr for error messages, bytes. */
const STDERR_TAIL_BYTES = 4096;

/**
 * Checkpoint layout (written by the harness only): magic "PGCK", version 2, uint32 LE JSON length,
 * JSON {elapsedMs, run}, then the entry's state. elapsedMs is the harness's clock at the save: the
 * resume ledger.
 */
function encodeCheckpoint(elapsedMs: number, run: string, state: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify({ elapsedMs, run }), "utf8");
  const head = Buffer.alloc(12);
  head.write("PGCK", 0, "latin1");
  head.writeUInt32LE(2, 4);
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json, state]);
}

export function decodeCheckpoint(file: string): { elapsedMs: number; state: Uint8Array } {
  const b = fs.readFileSync(file);
  const bad = () => new PgolfError("FILE_READ", "not a pgolf checkpoint (or a damaged one)", { file, fix: "delete it to start the seed over" });
  if (b.length < 12 || b.toString("latin1", 0, 4) !== "PGCK" || b.readUInt32LE(4) !== 2 || 12 + b.readUInt32LE(8) > b.length) throw bad();
  const n = b.readUInt32LE(8);
  let meta: { elapsedMs?: unknown };
  try {
    meta = JSON.parse(b.toString("utf8", 12, 12 + n)) as { elapsedMs?: unknown };
  } catch {
    throw bad();
  }
  if (typeof meta.elapsedMs !== "number" || !(meta.elapsedMs >= 0)) throw bad();
  return { elapsedMs: meta.elapsedMs, state: b.subarray(12 + n) };
}

/** The training cap of a run, milliseconds (Infinity: none). */
export function capMsOf(o: Pick<TrainSeedOptions, "minutes" | "track">): number {
  return (o.minutes ?? (o.track.trainSeconds ?? Infinity) / 60) * 60_000;
}

/**
 * The export budget of a run, milliseconds (Infinity: none): the track's, or on a shorter cap (`--minutes`)
 * the same share of it, at least MIN_EXPORT_MS. Whatever runs after ctx.trainingDone() is bounded only
 * by this budget (an entry can prefetch data and keep optimizing, or forge the frame), so it is kept to
 * a few times what an honest export takes: training_clock_attacks.test.ts.
 */
export function exportCapMsOf(track: Track, capMs = (track.trainSeconds ?? Infinity) * 1000): number {
  const full = (track.exportSeconds ?? Infinity) * 1000;
  if (track.trainSeconds === null || !Number.isFinite(full) || !Number.isFinite(capMs)) return full;
  return Math.min(full, Math.max(MIN_EXPORT_MS, (capMs * full) / (track.trainSeconds * 1000)));
}

/** Whether a run's timing is within the track's rules. */
export function withinTime(trainMs: number, exportMs: number, capMs: number, exportCapMs: number): boolean {
  return trainMs <= capMs + overCapGraceMs(capMs) && exportMs <= exportCapMs;
}

/** The name an entry goes by in messages: the folder as the user gave it. */
export function entryName(entryDir: string): string {
  const abs = path.resolve(entryDir);
  const rel = path.relative(process.cwd(), abs);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel;
}

/**
 * Trains one seed: a pgolf entry in the sandbox through train_child.ts, a process entry through
 * process_entry.ts. Errors come back with their stable codes, naming the user's entry folder.
 */
export async function trainSeed(o: TrainSeedOptions): Promise<TrainSeedResult> {
  const config = readEntryConfig(o.entryDir);
  // a bad evaluation window fails now, not after the training it would be scored after
  evalWindow({ ...config.values, ...o.configOverrides }, config.file);
  if (config.trainCommand) return trainProcessSeed(o, config, o.killAfterCapMs ?? HARD_KILL_EXTRA_MS);
  if (config.kind === "process" && !fs.existsSync(path.join(o.entryDir, ENTRY_MODULE))) {
    throw new PgolfError("CONFIG_INVALID", `the entry declares eval_command but neither train_command nor ${ENTRY_MODULE}: it can be scored (pgolf eval) but not trained`, {
      file: config.file,
      fix: 'declare how to train it: "train_command": ["python3", "train.py"] (see docs/eval-protocol.md, "Training a process entry")',
    });
  }
  return trainPgolfSeed(o);
}

async function trainPgolfSeed(o: TrainSeedOptions): Promise<TrainSeedResult> {
  const name = entryName(o.entryDir);
  const what = `the training of ${name}`;
  const { plan, files } = prepareSeed(o, what);
  const resumedFrom = fs.existsSync(files.checkpoint) ? decodeCheckpoint(files.checkpoint) : undefined;
  if (!resumedFrom) for (const f of [files.log, files.metrics]) fs.rmSync(f, { force: true });
  fs.rmSync(files.artifact, { force: true });

  const sealed = sealEntry(o.entryDir);
  const sb = new Sandbox(what, plan);
  let view: ReturnType<typeof bindTrainingView> | undefined;
  try {
    hideCourse(sb, o.course);
    const entryIn = sb.bind(sealed.dir, INSIDE.entry);
    view = bindTrainingView(sb, o.course);
    const command = libraryCommand(sb, "train/train_child.js", [entryIn, view.dir]);
    const priorMs = resumedFrom?.elapsedMs ?? 0;
    const start = startSeed(o, plan, files, { resumedMs: resumedFrom ? priorMs : null });
    const { run, log, threads, capMs, exportCapMs } = start;

    const job: TrainJob = {
      entry: entryIn,
      seed: o.seed,
      threads,
      cap_ms: Number.isFinite(capMs) ? capMs : null,
      elapsed_ms: priorMs,
      config: o.configOverrides ?? {},
      vocab_size: o.course.vocabSize,
      tokenizer: view.tokenizer,
      train_files: view.trainFiles,
      train_text: view.trainText,
      resumed: resumedFrom !== undefined,
    };
    const outcome = await superviseChild(sb, command, {
      entryIn,
      entryDir: o.entryDir,
      job,
      state: resumedFrom?.state,
      log,
      echo: o.echo ?? false,
      // the harness's clock: the time before a resume, plus this process's time since its job
      killAtMs: Math.max(capMs - priorMs, 0) + (o.killAfterCapMs ?? HARD_KILL_EXTRA_MS),
      exportKillMs: exportCapMs + (o.killAfterCapMs ?? HARD_KILL_EXTRA_MS),
      killMarginMs: o.killAfterCapMs ?? HARD_KILL_EXTRA_MS,
      saveCheckpoint: (ms, state) => writeFileAtomic(files.checkpoint, encodeCheckpoint(priorMs + ms, run, state)),
      seed: o.seed,
    });
    const trainMs = priorMs + outcome.trainMs;
    await writeFileAtomic(files.artifact, outcome.artifact);
    fs.rmSync(files.checkpoint, { force: true });
    return finishTrainedSeed({
      options: o,
      plan,
      start,
      files,
      artifact: outcome.artifact,
      codeBytes: sealed.codeBytes,
      trainMs,
      exportMs: outcome.exportMs,
      resumed: resumedFrom !== undefined,
    });
  } finally {
    sealed.remove();
    view?.remove();
    sb.cleanup();
  }
}

interface Supervision {
  entryIn: string;
  entryDir: string;
  job: TrainJob;
  state: Uint8Array | undefined;
  log: RunLog;
  echo: boolean;
  /** Kill the child this long after its job was sent unless it says the training loop is over, milliseconds (Infinity: never). */
  killAtMs: number;
  /** After TRAIN_DONE: the export budget plus the margin, milliseconds. */
  exportKillMs: number;
  /** The margin past a budget before the kill, milliseconds. */
  killMarginMs: number;
  /** Stores a checkpoint taken `ms` after the job was sent. */
  saveCheckpoint(ms: number, state: Uint8Array): Promise<void>;
  seed: number;
}

/** What the harness measured of one training process. */
interface ChildOutcome {
  artifact: Uint8Array;
  /** From the job to the end of the training loop (TRAIN_DONE, or the artifact), milliseconds. */
  trainMs: number;
  /** From the end of the training loop to the artifact, milliseconds. */
  exportMs: number;
}

/** Runs the training child to its artifact, answering its frames; the child's every message is untrusted. */
function superviseChild(sb: Sandbox, command: string[], s: Supervision): Promise<ChildOutcome> {
  const child = sb.spawn(command, { cwd: s.entryIn, env: { PATH: SANDBOX_PATH, ...sb.scratchEnv(), LANG: "C.UTF-8" }, stdio: ["pipe", "pipe", "pipe"] });
  const reader = new FrameReader(1 << 30, `the training process of ${entryName(s.entryDir)}`);
  let jobAt: number | undefined;
  let doneAt: number | undefined;
  let artifact: { bytes: Uint8Array; at: number } | undefined;
  let childError: PgolfError | undefined;
  let stderrTail = "";
  let lastTokens = 0;
  let lastAt = performance.now();
  let chain = Promise.resolve();
  const reply = (kind: MessageKind) => {
    if (child.stdin!.writable) child.stdin!.write(encodeMessage(kind, {}));
  };
  return new Promise<ChildOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      clearTimeout(killTimer);
      if (e) {
        child.kill("SIGKILL");
        reject(e);
      }
    };
    const fail = (e: Error) => finish(e);
    let killTimer: NodeJS.Timeout | undefined;
    /** (Re)sets the hard kill at `ms` after the job was sent. */
    const armKill = (ms: number) => {
      clearTimeout(killTimer);
      if (!Number.isFinite(ms) || jobAt === undefined) return;
      const late = ms;
      killTimer = setTimeout(() => {
        fail(
          new PgolfError("ENTRY_TIMEOUT", `seed ${s.seed} was still ${doneAt === undefined ? "training" : "exporting"} ${(late / 1000).toFixed(0)} s after it started (${doneAt === undefined ? "past the training cap" : "past the export budget"} by ${(s.killMarginMs / 1000).toFixed(0)} s) and was stopped without an artifact`, {
            file: s.entryDir,
            fix: "stop training when ctx.clock.expired(), call ctx.trainingDone(), export and return; `pgolf train` resumes from the last checkpoint",
          }),
        );
      }, Math.max(late - (performance.now() - jobAt), 0));
    };
    const startTimer = setTimeout(() => fail(new PgolfError("ENTRY_CRASHED", `the training process did not start within ${START_TIMEOUT_MS / 1000} s`, { file: s.entryDir, fix: "the machine may be overloaded; run again" })), START_TIMEOUT_MS);
    const handle = async (m: Message) => {
      const now = performance.now();
      switch (m.kind) {
        case MessageKind.READY: {
          if (jobAt !== undefined) throw protocolError(`READY twice`);
          clearTimeout(startTimer);
          jobAt = now;
          child.stdin!.write(encodeMessage(MessageKind.TRAIN_JOB, s.job as unknown as Record<string, unknown>, s.state));
          armKill(s.killAtMs);
          return;
        }
        case MessageKind.TRAIN_LOG:
          s.log.entryLine(String(m.header.line ?? ""));
          return;
        case MessageKind.TRAIN_METRIC:
          s.log.entryMetric(m.header.metric);
          return;
        case MessageKind.TRAIN_PROGRESS: {
          const tokens = Number(m.header.tokens) || 0;
          const tps = ((tokens - lastTokens) / Math.max(now - lastAt, 1)) * 1000;
          lastTokens = tokens;
          lastAt = now;
          const cap = s.job.cap_ms ?? Infinity;
          s.log.status({ step: Number(m.header.step) || 0, loss: Number(m.header.loss) || 0, tokensPerSecond: tps, remainingMs: Math.max(cap - s.job.elapsed_ms - (now - (jobAt ?? now)), 0) });
          return;
        }
        case MessageKind.TRAIN_CHECKPOINT:
          if (jobAt === undefined) throw protocolError("a checkpoint before the job");
          // a checkpoint after the training loop would carry what the export phase trained into a resume
          // at the loop's end on the ledger (crash, resume, repeat): refused
          if (doneAt !== undefined) throw protocolError("a checkpoint after ctx.trainingDone()");
          await s.saveCheckpoint(now - jobAt, m.payload);
          reply(MessageKind.OK);
          return;
        case MessageKind.TRAIN_DONE:
          if (doneAt === undefined && jobAt !== undefined) {
            doneAt = now;
            // from here the export budget runs: the kill moves to its end (plus the same margin)
            armKill(now - jobAt + s.exportKillMs);
          }
          return;
        case MessageKind.TRAIN_ARTIFACT:
          if (jobAt === undefined) throw protocolError("an artifact before the job");
          artifact ??= { bytes: new Uint8Array(m.payload), at: now };
          reply(MessageKind.OK);
          return;
        case MessageKind.ERROR: {
          const code = typeof m.header.code === "string" && m.header.code in ERROR_CODES ? (m.header.code as ErrorCode) : "ENTRY_CRASHED";
          const file = typeof m.header.file === "string" ? outsidePaths(m.header.file, s.entryDir) : s.entryDir;
          childError = new PgolfError(code, outsidePaths(String(m.header.message ?? "the training process gave up"), s.entryDir), { file, fix: typeof m.header.fix === "string" ? m.header.fix : "fix the error in the entry's code" });
          return;
        }
        default:
          throw protocolError(`message ${kindName(m.kind)}`);
      }
    };
    const protocolError = (what: string) => new PgolfError("EVAL_PROTOCOL", `the training process sent ${what}, which the training protocol does not allow`, { file: s.entryDir, fix: "train through ctx (log, metric, saveCheckpoint) and return the artifact; do not write to stdout's file descriptor directly" });
    child.stdout!.on("data", (d: Buffer) => {
      try {
        reader.push(d);
        for (let m = reader.next(); m; m = reader.next()) {
          const msg = m;
          chain = chain.then(() => handle(msg)).catch((e: Error) => fail(e));
        }
      } catch (e) {
        fail(e as Error);
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      if (s.echo) process.stderr.write(outsidePaths(d.toString("utf8"), s.entryDir));
      stderrTail = (stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    child.stdin!.on("error", () => {
      // the child went away; "close" reports it
    });
    child.on("error", (e) => fail(new PgolfError("ENTRY_CRASHED", `the training process could not start: ${e.message}`, { file: s.entryDir, fix: "check that Node and util-linux are installed", cause: e })));
    child.on("close", (code, signal) => {
      void chain.then(() => {
        if (settled) return;
        if (artifact && jobAt !== undefined && code === 0) {
          const end = doneAt !== undefined && doneAt <= artifact.at ? doneAt : artifact.at;
          finish();
          resolve({ artifact: artifact.bytes, trainMs: end - jobAt, exportMs: artifact.at - end });
          return;
        }
        if (childError) return fail(childError);
        const words = outsidePaths(stderrTail.trim().split("\n").slice(-6).join(" | "), s.entryDir);
        fail(
          new PgolfError("ENTRY_CRASHED", `the training process for seed ${s.seed} ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without an artifact${words ? `; its last words: ${words}` : ""}`, {
            file: s.entryDir,
            fix: "see the messages above; run again to resume from the last checkpoint",
          }),
        );
      });
    });
  });
}
