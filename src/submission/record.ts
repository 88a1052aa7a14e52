// A pgolf-native record folder, assembled from scored seed runs and never filled by hand:
//   <entry's code files>   the entry as it was trained (counted as code bytes, as train_gpt.py is)
//   package.json           the entry's module marker (not counted)
//   train_seed<N>.log      one log per seed, in the reference's formats
//   logs/atlas_seed<N>.json  each seed's atlas: nats and bytes per validation document and token class
//   submission.json        pgolf-submission/1 (see submission_schema.ts): every number from the runs
//   README.md              a readable summary generated from the same numbers
// The folder is built next to its destination and renamed into place, so a reader never sees half a
// record; an existing record is replaced only when asked.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { stableJson } from "../core/json.js";
import { track as trackByName } from "../core/track.js";
import { runtimeVersions } from "../core/version.js";
import { codeFiles, countedBytes } from "../entry/code_bytes.js";
import { readRecordFile } from "./record_file.js";
import { readSeedRun, recordIneligibility, type SeedRunFolder } from "./seed_run.js";
import { assertSubmission, SUBMISSION_SCHEMA_ID, type Provenance, type SeedResult, type Submission } from "./submission_schema.js";

export interface RecordOptions {
  /** Seed run folders (runs/<entry>/seed_<N>), all of one entry, course and track. */
  seedDirs: string[];
  outDir: string;
  author: string;
  githubId?: string;
  name: string;
  blurb?: string;
  provenance?: Partial<Provenance>;
  /** Submission time (default: now). */
  date?: Date;
  /** Replace an existing folder at outDir. */
  replace?: boolean;
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function sampleStd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

function same<T>(runs: SeedRunFolder[], what: string, get: (r: SeedRunFolder) => T): T {
  const first = get(runs[0]);
  for (const r of runs) {
    if (get(r) !== first) {
      throw new PgolfError("RECORD_FILE", `the seed runs disagree on the ${what}: ${String(first)} in ${runs[0].dir}, ${String(get(r))} in ${r.dir}`, {
        file: r.dir,
        fix: "make a record from runs of one entry, course and track",
      });
    }
  }
  return first;
}

function readme(s: Submission, runs: SeedRunFolder[]): string {
  const rows = s.seeds.map(
    (x, i) =>
      `| ${x.seed} | ${x.val_bpb.toFixed(4)} | ${x.val_loss.toFixed(4)} | ${x.bytes_total.toLocaleString("en-US")} | ${x.steps} | ${x.train_tokens.toLocaleString("en-US")} | ${runs[i].train_seconds.toFixed(0)} s | ${x.eval_seconds.toFixed(1)} s |`,
  );
  return [
    `# ${s.name}`,
    "",
    s.blurb,
    "",
    `- Author: ${s.author}${s.github_id ? ` (@${s.github_id})` : ""}`,
    `- Track: \`${s.track}\`, course \`${s.course.name}\`, ${s.hardware}`,
    `- val_bpb: **${s.val_bpb.toFixed(4)}** (mean of ${s.seeds.length} seed${s.seeds.length === 1 ? "" : "s"}, std ${s.val_bpb_std.toFixed(4)}), val_loss ${s.val_loss.toFixed(4)} nats`,
    `- Size: ${s.bytes_total.toLocaleString("en-US")} bytes at most (code ${s.bytes_code.toLocaleString("en-US")})`,
    `- pgolf ${s.versions.pgolf}, Node ${s.versions.node}, onnxruntime-node ${s.versions.onnxruntime}`,
    "",
    "| Seed | val_bpb | val_loss | Bytes | Steps | Train tokens | Train | Eval |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Every number here and in submission.json was read from the seed runs and their logs by pgolf (`pgolf submit`), not typed by hand.",
    "",
  ].join("\n");
}

/** A file of a seed's run folder (its log or atlas), read confined to the folder. */
function runFile(r: SeedRunFolder, file: string, kind: "log" | "atlas"): Buffer {
  return readRecordFile(r.dir, path.basename(file), kind);
}

export interface WrittenRecord {
  dir: string;
  submission: Submission;
  files: string[];
}

export function writeRecord(o: RecordOptions): WrittenRecord {
  if (o.seedDirs.length === 0) throw new PgolfError("CONFIG_INVALID", "a record needs at least one seed run", { fix: "pass the seed folders to assemble" });
  const runs = o.seedDirs.map(readSeedRun);
  for (const r of runs) {
    const why = recordIneligibility(r);
    if (why) throw why;
  }
  const seeds = new Set<number>();
  for (const r of runs) {
    if (seeds.has(r.seed)) throw new PgolfError("RECORD_FILE", `seed ${r.seed} appears twice`, { file: r.dir, fix: "pass each seed once" });
    seeds.add(r.seed);
  }
  const entryDir = same(runs, "entry folder", (r) => path.resolve(r.entry_dir));
  const trackName = same(runs, "track", (r) => r.track);
  const courseName = same(runs, "course", (r) => r.course);
  const manifestSha = same(runs, "course manifest", (r) => r.course_manifest_sha256);
  const t = trackByName(trackName);

  // The entry's code as counted now must be the code the runs counted.
  const files = codeFiles(entryDir);
  const codeNow = countedBytes(files);
  same(runs, "code bytes", (r) => r.bytes_code);
  if (codeNow !== runs[0].bytes_code) {
    throw new PgolfError("RECORD_FILE", `the entry's code is ${codeNow} bytes now, the runs counted ${runs[0].bytes_code}`, {
      file: entryDir,
      fix: "the entry changed after training; train the seeds again with the current code",
    });
  }

  const seedResults: SeedResult[] = runs.map((r) => ({
    seed: r.seed,
    val_loss: r.val_loss,
    val_bpb: r.val_bpb,
    bytes_code: r.bytes_code,
    bytes_model: r.bytes_model,
    bytes_total: r.bytes_total,
    train_seconds: r.train_seconds,
    eval_seconds: r.eval_seconds,
    eval_targets: r.eval_targets,
    eval_bytes: r.eval_bytes,
    steps: r.steps,
    train_tokens: r.train_tokens,
    artifact_sha256: r.artifact_sha256,
    log: `train_seed${r.seed}.log`,
    log_sha256: sha256(runFile(r, r.log, "log")),
    // under logs/, which is not counted as code
    ...(r.atlas ? { atlas: `logs/atlas_seed${r.seed}.json`, atlas_sha256: sha256(runFile(r, r.atlas, "atlas")) } : {}),
  }));
  const submission = assertSubmission(
    {
      schema: SUBMISSION_SCHEMA_ID,
      author: o.author,
      github_id: o.githubId ?? "",
      name: o.name,
      blurb: o.blurb ?? "",
      date: (o.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      track: trackName,
      course: { name: courseName, manifest_sha256: manifestSha },
      val_loss: mean(seedResults.map((s) => s.val_loss)),
      val_bpb: mean(seedResults.map((s) => s.val_bpb)),
      val_loss_std: sampleStd(seedResults.map((s) => s.val_loss)),
      val_bpb_std: sampleStd(seedResults.map((s) => s.val_bpb)),
      bytes_total: Math.max(...seedResults.map((s) => s.bytes_total)),
      bytes_code: runs[0].bytes_code,
      seeds: seedResults,
      hardware: t.hardware,
      versions: runtimeVersions(),
      provenance: { parents: o.provenance?.parents ?? [], techniques: o.provenance?.techniques ?? [], assistance: o.provenance?.assistance ?? [] },
    },
    path.join(o.outDir, "submission.json"),
  );

  const out = path.resolve(o.outDir);
  if (fs.existsSync(out) && !o.replace) {
    throw new PgolfError("FILE_EXISTS", "the record folder exists", { file: out, fix: "choose another --out, or pass --replace to overwrite it" });
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.tmp-`));
  try {
    const written: string[] = [];
    const put = (rel: string, data: Uint8Array | string) => {
      const p = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, data);
      written.push(rel);
    };
    for (const f of files) put(f.path, fs.readFileSync(path.join(entryDir, f.path)));
    const pkg = path.join(entryDir, "package.json");
    if (fs.existsSync(pkg)) put("package.json", fs.readFileSync(pkg));
    runs.forEach((r, i) => put(seedResults[i].log, runFile(r, r.log, "log")));
    runs.forEach((r, i) => {
      const atlas = seedResults[i].atlas;
      if (r.atlas && atlas) put(atlas, runFile(r, r.atlas, "atlas"));
    });
    put("submission.json", stableJson(submission));
    put("README.md", readme(submission, runs));
    if (countedBytes(codeFiles(tmp)) !== codeNow) {
      throw new PgolfError("RECORD_FILE", "the record's code bytes differ from the entry's", { file: tmp, fix: "report this as a pgolf bug" });
    }
    // fsync the files, then swap the folder into place
    for (const rel of written) {
      const fd = fs.openSync(path.join(tmp, rel), "r");
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    if (fs.existsSync(out)) {
      const old = `${tmp}.old`;
      fs.renameSync(out, old);
      fs.renameSync(tmp, out);
      fs.rmSync(old, { recursive: true, force: true });
    } else fs.renameSync(tmp, out);
    return { dir: out, submission, files: written.sort() };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
