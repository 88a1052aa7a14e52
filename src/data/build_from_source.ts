// `pgolf data build` as one library call: a custom course from local text (a JSONL file, a Parquet
// file in FineWeb's format, or a folder of .txt files), its last documents held out for validation,
// with a BPE tokenizer of the given vocabulary trained on the rest.
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { buildCourse, type CourseSummary } from "./build.js";
import { DEFAULT_DATA_DIR } from "./courses.js";
import { readDocuments } from "./sources.js";

export interface BuildFromSourceOptions {
  from: string;
  /** The course's name: lowercase letters, digits, '.', '_' or '-'. */
  name: string;
  /** Tokenizer vocabulary, 260 (bytes + 4 specials) to 65,536 (uint16 shards); default 1,024. */
  vocab?: number;
  /** Validation documents, taken from the end (default a tenth of the source). */
  valDocs?: number;
  /** The text field of JSONL and Parquet rows (default "text"). */
  textField?: string;
  /** Where courses live (default ./data). */
  dir?: string;
  threads?: number;
}

export async function buildCourseFromSource(o: BuildFromSourceOptions): Promise<CourseSummary> {
  const usage = (problem: string, fix: string) => new PgolfError("USAGE", problem, { fix });
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(o.name)) throw usage(`course name "${o.name}" must be lowercase letters, digits, '.', '_' or '-'`, "e.g. --name my-course");
  const vocab = o.vocab ?? 1024;
  if (!Number.isInteger(vocab) || vocab < 260 || vocab > 65536) throw usage(`the vocabulary must be between 260 (bytes + 4 specials) and 65536 (uint16 shards), got ${vocab}`, "e.g. --vocab 1024");
  const documents = await readDocuments(o.from, o.textField ?? "text");
  const valDocs = o.valDocs ?? Math.max(1, Math.round(documents.length / 10));
  if (valDocs < 1 || valDocs >= documents.length) throw usage(`the validation split must hold between 1 and ${documents.length - 1} documents (the source has ${documents.length}), got ${valDocs}`, `pass --val-docs N with N below ${documents.length}, or add documents`);
  const id = o.name.replace(/[^a-z0-9]/g, "_");
  return buildCourse({
    name: o.name,
    dir: o.dir ?? DEFAULT_DATA_DIR,
    documents,
    split: { kind: "last", count: valDocs },
    vocabSize: vocab,
    tokenizerName: `${id}_${vocab}_bpe`,
    datasetName: `${id}_sp${vocab}`,
    shardPrefix: id,
    source: { kind: "local", path: path.basename(o.from), documents: documents.length },
    threads: o.threads,
  });
}
