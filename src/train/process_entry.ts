// Training one seed of a process entry (an entry in any language whose config.json declares
// train_command, see entry_config.ts). The harness runs the command from the entry's sealed copy,
// confined (confine.ts: no network, the course's validation data hidden, its own PID namespace), with
// a scrubbed environment that tells it everything it may use:
//
//   PGOLF_SEED           the seed (integer)
//   PGOLF_DATA           the training view: manifest.json, tokenizers/, datasets/<name>/*_train_*.bin
//   PGOLF_TRAIN_FILES    the training shards in order, joined with ":" (path.delimiter)
//   PGOLF_TOKENIZER      the tokenizer model (.model) in the view
//   PGOLF_VOCAB_SIZE     the vocabulary size
//   PGOLF_ARTIFACT       the file to write the artifact to (the harness moves it to artifact.bin)
//   PGOLF_TRAIN_SECONDS  the wallclock cap in seconds (decimal; "inf" on a track without one),
//                        counted from the start of the process, export included
//   PGOLF_THREADS        the thread count (OMP_NUM_THREADS, MKL_NUM_THREADS and OPENBLAS_NUM_THREADS too)
//   PGOLF_CONFIG         JSON object of config overrides ({} when none)
//
// stdout lines go to the seed's log (train_seed<N>.log; the reference's line formats, e.g.
// "step:10/100 train_loss:2.3456 train_time:1234ms step_avg:123.40ms"); a line holding a JSON
// object is a metric for metrics.jsonl instead ({"step", "tokens", "train_time_ms", "train_loss"}).
// stderr is diagnostics: its tail is kept for errors. The harness kills the process killAfterCapMs
// after the cap (ENTRY_TIMEOUT); a non-zero exit or a missing artifact is ENTRY_CRASHED. There are
// no checkpoints: each run of a seed starts fresh.
import { type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { VERSION } from "../core/version.js";
import { courseMasks, entryEnv, planConfinement, spawnConfined } from "./confine.js";
import type { EntryConfig } from "./entry_config.js";
import type { TrainSeedOptions, TrainSeedResult } from "./harness.js";
import { RunLog } from "./run_log.js";
import { sealEntry } from "./seal.js";
import { finishTrainedSeed } from "./trained_seed.js";
import { trainingView, type TrainingView } from "./training_view.js";

/** Keep this much of the process's stderr for error messages, bytes. */
const STDERR_TAIL_BYTES = 4096;
/** A stdout line longer than this is cut (the log is for lines, not data), characters. */
const MAX_LINE = 16_384;
/** Metrics events only the harness writes (an entry's copy would confuse the seed's record). */
const HARNESS_EVENTS = new Set(["start", "resume", "trained", "scored"]);
/** Log lines only the harness writes: sizes, scores and its own header. An entry's copy is prefixed "entry: ". */
const HARNESS_LINE = /^(?:pgolf \S+ track:|Serialized model|Code size|Total submission size|final_|over_cap|quantized|legal_ttt)/;

/** One stdout line of the entry: a metric (a JSON object) or a log line. */
function entryLine(log: RunLog, line: string): void {
  const text = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
  if (text.startsWith("{")) {
    try {
      const m = JSON.parse(text) as unknown;
      if (m !== null && typeof m === "object" && !Array.isArray(m) && !HARNESS_EVENTS.has(String((m as { event?: unknown }).event))) {
        log.metric(m as Record<string, unknown>);
        return;
      }
    } catch {
      // not JSON: an ordinary line
    }
  }
  log.line(HARNESS_LINE.test(text) ? `entry: ${text}` : text);
}

/** Feeds a child's stdout to `onLine`, line by line; returns a flush for the last partial line. */
function lines(child: ChildProcess, onLine: (line: string) => void): () => void {
  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ""));
      pending = pending.slice(nl + 1);
    }
    if (pending.length > MAX_LINE) {
      onLine(pending);
      pending = "";
    }
  });
  return () => {
    if (pending) onLine(pending);
    pending = "";
  };
}

export async function trainProcessSeed(o: TrainSeedOptions, config: EntryConfig, killAfterCapMs: number): Promise<TrainSeedResult> {
  const command = config.trainCommand!;
  const what = `the train_command of ${o.entryDir}`;
  const plan = planConfinement(what, o.strictConfinement ?? false);
  const outDir = path.resolve(o.outDir);
  fs.mkdirSync(outDir, { recursive: true });
  const logFile = path.join(outDir, `train_seed${o.seed}.log`);
  const metricsFile = path.join(outDir, "metrics.jsonl");
  const artifactFile = path.join(outDir, "artifact.bin");
  // what the process writes; moved to artifact.bin once it exits cleanly, so a crash leaves no artifact
  const written = path.join(outDir, "artifact.out");
  for (const f of [logFile, metricsFile, artifactFile, written]) fs.rmSync(f, { force: true });

  const sealed = sealEntry(o.entryDir, { verbatim: true });
  let view: TrainingView | undefined;
  try {
    view = trainingView(o.course, plan.confinement === "namespaces" ? "bind" : "link");
    const threads = o.track.threads ?? os.availableParallelism();
    const capMs = (o.minutes ?? (o.track.trainSeconds ?? Infinity) / 60) * 60_000;
    const log = new RunLog(logFile, metricsFile, { echo: o.echo });
    log.line(`pgolf ${VERSION} track:${o.track.name} seed:${o.seed} threads:${threads}`);
    log.line(`train_command: ${command.join(" ")}`);
    log.line(plan.warning ? `warning: ${plan.warning}` : "confinement: namespaces (no network, validation data hidden)");
    log.line(`train_loader:dataset:${o.course.name} train_shards:${o.course.trainFiles.length}`);
    log.line(`max_wallclock_seconds:${(capMs / 1000).toFixed(3)}`);
    log.metric({ event: "start", seed: o.seed, track: o.track.name, threads, cap_ms: capMs, confinement: plan.confinement });
    if (plan.warning && o.echo) process.stderr.write(`warning: ${plan.warning}\n`);

    const t = String(threads);
    const env = entryEnv({
      PGOLF_SEED: String(o.seed),
      PGOLF_DATA: view.dir,
      PGOLF_TRAIN_FILES: view.trainFiles.join(path.delimiter),
      PGOLF_TOKENIZER: view.tokenizer,
      PGOLF_VOCAB_SIZE: String(o.course.vocabSize),
      PGOLF_ARTIFACT: written,
      PGOLF_TRAIN_SECONDS: Number.isFinite(capMs) ? String(capMs / 1000) : "inf",
      PGOLF_THREADS: t,
      PGOLF_CONFIG: JSON.stringify(o.configOverrides ?? {}),
      OMP_NUM_THREADS: t,
      MKL_NUM_THREADS: t,
      OPENBLAS_NUM_THREADS: t,
      PYTHONUNBUFFERED: "1",
    });
    const t0 = performance.now();
    const child = spawnConfined(command, { plan, what, cwd: sealed.dir, env, stdio: ["ignore", "pipe", "pipe"], binds: view.binds, mask: courseMasks(o.course), keep: [sealed.dir, view.dir, outDir] });
    const flush = lines(child, (l) => entryLine(log, l));
    let stderrTail = "";
    child.stderr!.on("data", (d: Buffer) => {
      if (o.echo) process.stderr.write(d);
      stderrTail = (stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    const limitMs = capMs + killAfterCapMs;
    let killed = false;
    const timer = Number.isFinite(limitMs)
      ? setTimeout(() => {
          killed = true;
          child.kill("SIGKILL"); // unshare: its PID namespace, and every process in it, goes too
        }, limitMs)
      : undefined;
    const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", (e) => reject(new PgolfError("ENTRY_CRASHED", `${what} could not start: ${e.message}`, { file: config.file, fix: "check train_command in config.json", cause: e })));
      child.on("exit", (code, signal) => {
        // the rest of stdout arrives before "close"; a stray unconfined grandchild may hold it open
        const done = () => resolve({ code, signal });
        const grace = setTimeout(done, 2000);
        child.once("close", () => {
          clearTimeout(grace);
          done();
        });
      });
    }).finally(() => clearTimeout(timer));
    flush();
    const ms = performance.now() - t0;
    const lastWords = stderrTail.trim().split("\n").slice(-6).join(" | ");
    if (killed) {
      log.line(`over_cap: train_time:${ms.toFixed(0)}ms cap:${capMs.toFixed(0)}ms killed`);
      throw new PgolfError("ENTRY_TIMEOUT", `seed ${o.seed}: ${what} ran ${(limitMs / 1000).toFixed(1)} s (the ${(capMs / 1000).toFixed(0)} s cap plus ${(killAfterCapMs / 1000).toFixed(0)} s) and was killed`, {
        file: o.entryDir,
        fix: "stop training once PGOLF_TRAIN_SECONDS have passed since the process started, then write the artifact and exit",
      });
    }
    if (status.code !== 0) {
      throw new PgolfError("ENTRY_CRASHED", `seed ${o.seed}: ${what} ended (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`}) without an artifact${lastWords ? `; its last words: ${lastWords}` : ""}`, {
        file: o.entryDir,
        fix: "fix the error in the training code (`pgolf train` without --json shows its whole stderr)",
      });
    }
    if (!fs.existsSync(written) || fs.statSync(written).size === 0) {
      throw new PgolfError("ENTRY_CRASHED", `seed ${o.seed}: ${what} exited cleanly but wrote no artifact to $PGOLF_ARTIFACT (${written})`, {
        file: o.entryDir,
        fix: "write the trained artifact's bytes to the file named by the PGOLF_ARTIFACT environment variable",
      });
    }
    fs.renameSync(written, artifactFile);
    const artifact = fs.readFileSync(artifactFile);
    return finishTrainedSeed({
      entryDir: o.entryDir,
      course: o.course,
      track: o.track,
      seed: o.seed,
      log,
      logFile,
      metricsFile,
      artifactFile,
      artifact,
      codeBytes: sealed.codeBytes,
      trainMs: ms,
      capMs,
      resumed: false,
      confinement: plan.confinement,
      warnings: plan.warning ? [plan.warning] : [],
    });
  } finally {
    sealed.remove();
    view?.remove();
  }
}
