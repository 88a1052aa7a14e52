// Training and scoring seeds of an entry, as `pgolf train` and `pgolf run` do: for each seed, the
// harness trains under the track's cap, then the evaluator (which alone holds the validation split)
// loads the artifact through the entry's load() and scores it; the scores go into the seed's log in
// the reference's final lines.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256 } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import type { Track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { readEntryConfig } from "../entry/entry_config.js";
import { evalWindow } from "../entry/eval_window.js";
import type { Confinement } from "../entry/sandbox.js";
import { trainSeed, type TrainSeedResult } from "../train/harness.js";
import { ownEntryError } from "../train/init_entry.js";
import { logLines } from "../train/log_lines.js";
import { ATLAS_FILE, writeAtlas } from "./atlas.js";
import { ModelProcess } from "./model_process.js";
import { scoringStream, type ScoringStream } from "./scoring_stream.js";
import { CHUNK_TOKENS, evaluateStream, type EvalReport, type ModelRole } from "./stream_eval.js";

export interface SeedRun extends TrainSeedResult {
  val_loss: number;
  val_bpb: number;
  eval_seconds: number;
  eval_targets: number;
  eval_bytes: number;
  tokens_per_byte: number;
  eval_checks: EvalReport["checks"];
  /** C1 causal, C2 normalized, C3 score-first, C4 single pass, with the probes' evidence. */
  eval_verdicts: EvalReport["verdicts"];
  eval_truncated: boolean;
  /** How the model process was held during scoring (see ScoredReport). */
  eval_confinement: ScoredReport["confinement"];
  /** The seed's atlas (per-document and per-class nats and bytes, atlas.ts) and its sha256; absent in runs scored before atlases were written. */
  atlas?: string;
  atlas_sha256?: string;
}

export interface RunSeedsOptions {
  entryDir: string;
  courseDir: string;
  track: Track;
  seeds: number[];
  outDir: string;
  minutes?: number;
  configOverrides?: Record<string, unknown>;
  echo?: boolean;
  /** Score only this many targets (quick runs and tests; the result is marked truncated). */
  maxTargets?: number;
  /** Refuse to run a process entry where it cannot be confined (verification workers; ENTRY_CONFINEMENT). */
  strictConfinement?: boolean;
  /** Kill a training process this long after the cap, milliseconds (default: the harness's HARD_KILL_EXTRA_MS). */
  killAfterCapMs?: number;
}

export interface ScoreOptions {
  entryDir: string;
  artifactFile: string;
  courseDir: string;
  track: Track;
  configOverrides?: Record<string, unknown>;
  maxTargets?: number;
  probes?: number;
  probeSeed?: number;
  echoStderr?: boolean;
  onProgress?: (p: { targets: number; total: number }) => void;
  strictConfinement?: boolean;
}

/** The evaluator's report, with how the model process was held and what the user should know. */
export interface ScoredReport extends EvalReport {
  /** The tokenizer the stream was made with: the course's, or the entry's own (config.json "tokenizer"). */
  tokenizer: ScoringStream["tokenizer"];
  confinement: "node-permissions" | Confinement;
  warnings: string[];
}

/**
 * Scores an artifact with the trusted evaluator: the validation data stays in this process; the
 * model runs in its own process (sandboxed for pgolf entries, confined for process entries, with the
 * course's validation data hidden) and sees the stream chunk by chunk.
 */
export async function scoreArtifact(o: ScoreOptions): Promise<ScoredReport> {
  // the evaluation window with the overrides, checked here (with the file to fix) before any model starts
  const entryConfig = readEntryConfig(o.entryDir);
  evalWindow({ ...entryConfig.values, ...o.configOverrides }, entryConfig.file);
  const course = openCourse(o.courseDir);
  // the course's tokens, or the validation text tokenized with the entry's own tokenizer (scoring_stream.ts)
  const stream = scoringStream(course, o.entryDir);
  const start = (role: ModelRole) =>
    ModelProcess.start({
      entryDir: o.entryDir,
      artifactFile: path.resolve(o.artifactFile),
      deadlineMs: o.track.evalSeconds === null ? null : o.track.evalSeconds * 1000,
      // one chunk's distributions, float32
      maxPayloadBytes: CHUNK_TOKENS * stream.vocabSize * 4,
      echoStderr: o.echoStderr,
      hide: [course.dir, ...course.valFiles.map((f) => path.dirname(f))],
      strictConfinement: o.strictConfinement,
      role,
    });
  let confinement: Confinement = "namespaces";
  let warning: string | null = null;
  const report = await evaluateStream(
    (role) => {
      const m = start(role);
      confinement = m.confinement;
      warning = m.warning;
      return m;
    },
    {
      tokens: stream.tokens,
      table: stream.table,
      tokenClasses: stream.classes,
      vocabSize: stream.vocabSize,
      manifestTable: stream.manifestTable,
      rawUtf8Bytes: stream.rawUtf8Bytes,
      allTargets: stream.allTargets,
      bytesAt: stream.bytesAt,
      maxTargets: o.maxTargets,
      probes: o.probes,
      probeSeed: o.probeSeed,
      config: o.configOverrides ?? {},
      threads: o.track.threads,
      onProgress: o.onProgress,
    },
  );
  report.atlas.course = { name: course.name, manifest_sha256: course.manifestSha256 };
  return { ...report, tokenizer: stream.tokenizer, confinement, warnings: warning ? [warning] : [] };
}

export async function runSeeds(o: RunSeedsOptions): Promise<SeedRun[]> {
  const course = openCourse(o.courseDir);
  // What scoring would refuse is refused before any seed trains, so a run does not spend its training
  // cap on an entry that cannot be scored: the evaluation window, and the entry's own tokenizer, which
  // must give every validation document back exactly (TOKENIZER_ROUNDTRIP) and fit the evaluator's
  // limits. Seconds: the same tokenization scoring does.
  try {
    const entryConfig = readEntryConfig(o.entryDir);
    evalWindow({ ...entryConfig.values, ...o.configOverrides }, entryConfig.file);
    scoringStream(course, o.entryDir);
  } catch (e) {
    throw ownEntryError(e, o.entryDir);
  }
  const out: SeedRun[] = [];
  for (const seed of o.seeds) {
    const seedDir = path.join(o.outDir, `seed_${seed}`);
    let trained: TrainSeedResult;
    let ev: ScoredReport;
    try {
      trained = await trainSeed({ entryDir: o.entryDir, course, track: o.track, seed, outDir: seedDir, minutes: o.minutes, configOverrides: o.configOverrides, echo: o.echo, strictConfinement: o.strictConfinement, killAfterCapMs: o.killAfterCapMs });
      // scoring after training: a progress line on a terminal when the run echoes (not under --json)
      let scoring: Progress | undefined;
      ev = await scoreArtifact({
        entryDir: o.entryDir,
        artifactFile: trained.artifact,
        courseDir: o.courseDir,
        track: o.track,
        configOverrides: o.configOverrides,
        maxTargets: o.maxTargets,
        strictConfinement: o.strictConfinement,
        onProgress: o.echo
          ? (p) => {
              scoring ??= new Progress(`scoring seed ${seed}`, p.total, { unit: " targets" });
              scoring.tick(p.targets - scoring.done);
            }
          : undefined,
      });
      scoring?.finish();
    } catch (e) {
      throw ownEntryError(e, o.entryDir);
    }
    // where the bits went, per document and token class, beside the log (`pgolf compare` reads it)
    const atlasFile = path.join(path.dirname(trained.log), ATLAS_FILE);
    await writeAtlas(atlasFile, ev.atlas);
    const lines = [logLines.roundtrip(ev.val_loss, ev.val_bpb, ev.seconds * 1000), logLines.roundtripExact(ev.val_loss, ev.val_bpb)];
    fs.appendFileSync(trained.log, lines.join("\n") + "\n");
    if (o.echo) for (const l of lines) process.stderr.write(l + "\n");
    const run: SeedRun = {
      ...trained,
      val_loss: ev.val_loss,
      val_bpb: ev.val_bpb,
      eval_seconds: ev.seconds,
      eval_targets: ev.targets,
      eval_bytes: ev.bytes,
      tokens_per_byte: ev.targets / ev.bytes,
      eval_checks: ev.checks,
      eval_verdicts: ev.verdicts,
      eval_truncated: ev.truncated,
      eval_confinement: ev.confinement,
      atlas: atlasFile,
      atlas_sha256: sha256(fs.readFileSync(atlasFile)),
      warnings: [...trained.warnings, ...ev.warnings],
    };
    fs.appendFileSync(trained.metrics, JSON.stringify({ t: Date.now(), event: "scored", ...run }) + "\n");
    out.push(run);
  }
  return out;
}
