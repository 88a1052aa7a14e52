// Training and scoring seeds of an entry, as `pgolf train` and `pgolf run` do: for each seed, the
// harness trains under the track's cap, then the evaluator (which alone holds the validation split)
// loads the artifact through the entry's load() and scores it; the scores go into the seed's log in
// the reference's final lines.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Track } from "../core/track.js";
import { courseTokenizer, openCourse, readValTokens } from "../data/course.js";
import { setBackend, setThreads } from "../engine/backend.js";
import { trainSeed, type TrainSeedResult } from "../train/harness.js";
import { loadEntry } from "../train/load_entry.js";
import { logLines } from "../train/log_lines.js";
import { evaluateTokens, type EvalResult } from "./evaluate.js";

export interface SeedRun extends TrainSeedResult {
  val_loss: number;
  val_bpb: number;
  eval_seconds: number;
  eval_targets: number;
  eval_bytes: number;
  tokens_per_byte: number;
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
}

export async function scoreArtifact(entryDir: string, artifactFile: string, courseDir: string, track: Track, configOverrides: Record<string, unknown> = {}): Promise<EvalResult> {
  const course = openCourse(courseDir);
  const entry = await loadEntry(entryDir);
  const config = { ...entry.config, ...configOverrides };
  const threads = track.threads ?? os.availableParallelism();
  setBackend("ort");
  setThreads(threads);
  const model = await entry.module.load(new Uint8Array(fs.readFileSync(artifactFile)), { config, vocabSize: course.vocabSize, threads });
  const seqLen = Number(config.eval_seq_len ?? 1024);
  return evaluateTokens(model, readValTokens(course), courseTokenizer(course).byteTable(), {
    seqLen,
    vocabSize: course.vocabSize,
    deadlineMs: track.evalSeconds * 1000,
  });
}

export async function runSeeds(o: RunSeedsOptions): Promise<SeedRun[]> {
  const course = openCourse(o.courseDir);
  const out: SeedRun[] = [];
  for (const seed of o.seeds) {
    const seedDir = path.join(o.outDir, `seed_${seed}`);
    const trained = await trainSeed({ entryDir: o.entryDir, course, track: o.track, seed, outDir: seedDir, minutes: o.minutes, configOverrides: o.configOverrides, echo: o.echo });
    const ev = await scoreArtifact(o.entryDir, trained.artifact, o.courseDir, o.track, o.configOverrides);
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
    };
    fs.appendFileSync(trained.metrics, JSON.stringify({ t: Date.now(), event: "scored", ...run }) + "\n");
    out.push(run);
  }
  return out;
}
