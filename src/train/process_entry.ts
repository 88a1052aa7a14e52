// Training one seed of a process entry (an entry in any language whose config.json declares
// train_command, see entry/entry_config.ts). The harness runs the command in the sandbox
// (entry/sandbox.ts: no network, nothing of the disk but the runtime, its sealed copy at /entry — the
// working folder — and the training view at /data; private /tmp and HOME that end with it), with an
// environment that tells it everything it may use:
//
//   PGOLF_SEED           the seed (integer)
//   PGOLF_DATA           the training view: manifest.json, tokenizers/, datasets/<name>/*_train_*.bin
//   PGOLF_TRAIN_FILES    the training shards in order, joined with ":" (path.delimiter)
//   PGOLF_TOKENIZER      the tokenizer model (.model) in the view
//   PGOLF_VOCAB_SIZE     the vocabulary size
//   PGOLF_ARTIFACT       the file to write the artifact to (/out/artifact.bin; /out is the only
//                        writable folder that outlives the process, and only this file is kept)
//   PGOLF_TRAIN_SECONDS  the training cap in seconds (decimal; "inf" on a track without one),
//                        counted from the start of the process
//   PGOLF_EXPORT_SECONDS the export budget in seconds ("inf": none), counted from the line
//                        {"training_done": true} on stdout (without it, everything is training)
//   PGOLF_THREADS        the thread count (OMP_NUM_THREADS, MKL_NUM_THREADS and OPENBLAS_NUM_THREADS too)
//   PGOLF_CONFIG         JSON object of config overrides ({} when none)
//
// stdout lines go to the seed's log (train_seed<N>.log; the reference's line formats, e.g.
// "step:10/100 train_loss:2.3456 train_time:1234ms step_avg:123.40ms"), filtered as a pgolf entry's
// are (train/entry_output.ts); a line holding a JSON object is a metric for metrics.jsonl instead
// ({"step", "tokens", "train_time_ms", "train_loss"}), tagged as the entry's. stderr is diagnostics:
// its tail is kept for errors. The harness keeps the clock; a run over the cap or the export budget
// keeps its artifact and score but cannot become a record; one still running HARD_KILL_EXTRA_MS past
// both is killed (ENTRY_TIMEOUT). A non-zero exit or a missing artifact is ENTRY_CRASHED. There are
// no checkpoints: each run of a seed starts fresh.
import { type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { classifyLastWords, outsidePaths } from "../entry/child_error.js";
import type { EntryConfig } from "../entry/entry_config.js";
import { checkProgram, INSIDE, Sandbox, SANDBOX_PATH } from "../entry/sandbox.js";
import { sealEntry } from "../entry/seal.js";
import { bindTrainingView, hideCourse, type TrainingView } from "../entry/training_view.js";
import { entryName, type TrainSeedOptions, type TrainSeedResult } from "./harness.js";
import { MAX_LINE } from "./entry_output.js";
import { finishTrainedSeed, prepareSeed, startSeed } from "./trained_seed.js";

/** Keep this much of the process's stderr for error messages, bytes. */
const STDERR_TAIL_BYTES = 4096;
/** The most a process entry may write to its output folder, bytes (the artifact is the only thing kept). */
const MAX_OUT_BYTES = 1 << 30;
/** How often the output folder's size is checked, milliseconds. */
const OUT_POLL_MS = 2000;

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

/** Bytes in a folder tree (files only; links not followed). */
function treeBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += fs.lstatSync(p).size;
  }
  return n;
}

export async function trainProcessSeed(o: TrainSeedOptions, config: EntryConfig, killAfterCapMs: number): Promise<TrainSeedResult> {
  const command = config.trainCommand!;
  const name = entryName(o.entryDir);
  const what = `the train_command of ${name}`;
  const { plan, files } = prepareSeed(o, what);
  for (const f of [files.log, files.metrics, files.artifact]) fs.rmSync(f, { force: true });

  const sealed = sealEntry(o.entryDir, { verbatim: true });
  const sb = new Sandbox(what, plan);
  // the one folder the process may write that outlives it: only the artifact is taken from it
  const written = fs.mkdtempSync(path.join(path.dirname(files.log), ".entry-out-"));
  let view: TrainingView | undefined;
  try {
    checkProgram(command[0], { entryDir: sealed.dir, confined: sb.confined, what, file: config.file });
    hideCourse(sb, o.course);
    const cwd = sb.bind(sealed.dir, INSIDE.entry);
    const outIn = sb.bind(written, INSIDE.out, { write: true });
    view = bindTrainingView(sb, o.course);
    const start = startSeed(o, plan, files, { resumedMs: null, extra: [`train_command: ${command.join(" ")}`] });
    const { log, threads, capMs, exportCapMs } = start;

    const t = String(threads);
    const env: Record<string, string> = {
      PATH: sb.confined ? SANDBOX_PATH : (process.env.PATH ?? SANDBOX_PATH),
      ...sb.scratchEnv(),
      LANG: "C.UTF-8",
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONUNBUFFERED: "1",
      PGOLF_SEED: String(o.seed),
      PGOLF_DATA: view.dir,
      PGOLF_TRAIN_FILES: view.trainFiles.join(path.delimiter),
      // the training documents' raw text (JSONL), for an entry with its own tokenizer; empty when the course has none
      PGOLF_TRAIN_TEXT: view.trainText.join(path.delimiter),
      PGOLF_TOKENIZER: view.tokenizer,
      PGOLF_VOCAB_SIZE: String(o.course.vocabSize),
      PGOLF_ARTIFACT: path.posix.join(outIn, "artifact.bin"),
      PGOLF_TRAIN_SECONDS: Number.isFinite(capMs) ? String(capMs / 1000) : "inf",
      PGOLF_EXPORT_SECONDS: Number.isFinite(exportCapMs) ? String(exportCapMs / 1000) : "inf",
      PGOLF_THREADS: t,
      PGOLF_CONFIG: JSON.stringify(o.configOverrides ?? {}),
      OMP_NUM_THREADS: t,
      MKL_NUM_THREADS: t,
      OPENBLAS_NUM_THREADS: t,
    };
    const t0 = performance.now();
    let doneAt: number | undefined;
    const child = sb.spawn(command, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const flush = lines(child, (l) => {
      if (l.trimStart().startsWith("{")) {
        try {
          const m = JSON.parse(l) as unknown;
          if (m !== null && typeof m === "object" && !Array.isArray(m)) {
            if ((m as { training_done?: unknown }).training_done === true) {
              if (doneAt === undefined) {
                doneAt = performance.now();
                armKill(doneAt - t0 + exportCapMs + killAfterCapMs);
              }
            }
            else log.entryMetric(m);
            return;
          }
        } catch {
          // not JSON: an ordinary line
        }
      }
      log.entryLine(l);
    });
    let stderrTail = "";
    child.stderr!.on("data", (d: Buffer) => {
      if (o.echo) process.stderr.write(outsidePaths(d.toString("utf8"), o.entryDir));
      stderrTail = (stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    let killed: "time" | "output" | null = null;
    let timer: NodeJS.Timeout | undefined;
    /** The hard kill: `ms` after the start, unless it moves (once the process says its training loop is over). */
    const armKill = (ms: number) => {
      clearTimeout(timer);
      if (!Number.isFinite(ms)) return;
      timer = setTimeout(
        () => {
          killed = "time";
          child.kill("SIGKILL"); // its PID namespace, and every process in it, goes too
        },
        Math.max(ms - (performance.now() - t0), 0),
      );
    };
    armKill(capMs + killAfterCapMs);
    const poll = setInterval(() => {
      try {
        if (treeBytes(written) > MAX_OUT_BYTES) {
          killed = "output";
          child.kill("SIGKILL");
        }
      } catch {
        // the folder is being written; the next poll sees it
      }
    }, OUT_POLL_MS);
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
    }).finally(() => {
      clearTimeout(timer);
      clearInterval(poll);
    });
    flush();
    const end = performance.now();
    const lastWords = outsidePaths(stderrTail.trim().split("\n").slice(-6).join(" | "), o.entryDir);
    if (killed === "output") {
      throw new PgolfError("ENTRY_ACCESS", `seed ${o.seed}: ${what} wrote more than ${MAX_OUT_BYTES} bytes to its output folder and was stopped`, {
        file: o.entryDir,
        fix: "write only the artifact to $PGOLF_ARTIFACT; scratch files belong in $TMPDIR",
      });
    }
    if (killed === "time") {
      log.line(`over_cap: train_time:${(end - t0).toFixed(0)}ms cap:${capMs.toFixed(0)}ms killed`);
      throw new PgolfError("ENTRY_TIMEOUT", `seed ${o.seed}: ${what} ran ${((end - t0) / 1000).toFixed(1)} s (${doneAt === undefined ? "past the training cap" : "past the export budget"} by ${(killAfterCapMs / 1000).toFixed(0)} s) and was stopped without an artifact`, {
        file: o.entryDir,
        fix: "stop training once PGOLF_TRAIN_SECONDS have passed since the process started, print {\"training_done\": true}, write the artifact and exit",
      });
    }
    if (status.code !== 0) {
      const rule = classifyLastWords(stderrTail);
      throw new PgolfError(rule ? (rule.code as "ENTRY_ACCESS") : "ENTRY_CRASHED", `seed ${o.seed}: ${what} ended (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`}) without an artifact${rule ? `: ${rule.why}` : ""}${lastWords ? `; its last words: ${lastWords}` : ""}`, {
        file: o.entryDir,
        fix: rule ? "entries run in a sandbox: no network, no files but their own and the training view, writes only to $TMPDIR, $HOME and $PGOLF_ARTIFACT" : "fix the error in the training code (`pgolf train` without --json shows its whole stderr)",
      });
    }
    const out = path.join(written, "artifact.bin");
    const st = fs.existsSync(out) ? fs.lstatSync(out) : null;
    if (!st || !st.isFile() || st.size === 0) {
      throw new PgolfError("ENTRY_CRASHED", `seed ${o.seed}: ${what} exited cleanly but wrote no artifact to $PGOLF_ARTIFACT`, {
        file: o.entryDir,
        fix: "write the trained artifact's bytes (a regular file, not a link) to the file named by the PGOLF_ARTIFACT environment variable",
      });
    }
    fs.renameSync(out, files.artifact);
    const artifact = fs.readFileSync(files.artifact);
    const trainEnd = doneAt ?? end;
    return finishTrainedSeed({
      options: o,
      plan,
      start,
      files,
      artifact,
      codeBytes: sealed.codeBytes,
      trainMs: trainEnd - t0,
      exportMs: end - trainEnd,
      resumed: false,
    });
  } finally {
    sealed.remove();
    view?.remove();
    sb.cleanup();
    fs.rmSync(written, { recursive: true, force: true });
  }
}
