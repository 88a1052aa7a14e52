// The course manifest: `manifest.json` in the official shape of openai/parameter-golf's
// `datasets/manifest.json` (tokenizers, datasets with train/val globs and stats), so the reference
// tooling reads a pgolf course, plus a `pgolf` block that pins every file by size and sha256 and
// records the split and the byte accounting.
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { readJsonFile } from "../core/json.js";

export const MANIFEST_NAME = "manifest.json";
export const PGOLF_MANIFEST_FORMAT = 1;

export interface OfficialTokenizerEntry {
  name: string;
  kind: string;
  vocab_size: number;
  bos_id: number;
  eos_id: number;
  model_path: string;
  vocab_path?: string;
  [key: string]: unknown;
}

export interface DatasetStats {
  docs_total: number;
  docs_val: number;
  docs_train: number;
  files_total: number;
  files_val: number;
  files_train: number;
  tokens_total: number;
  tokens_val: number;
  tokens_train: number;
}

export interface OfficialDatasetEntry {
  name: string;
  tokenizer_name: string;
  tokenizer_kind: string;
  path: string;
  train_glob: string;
  val_glob: string;
  vocab_size: number;
  bos_id: number;
  eos_id: number;
  stats: DatasetStats;
  [key: string]: unknown;
}

/**
 * text-train / text-val: the documents' raw text, one {"text": ...} JSON line per document in stream
 * order, so an entry's own tokenizer can be trained on the training text and scored on the
 * validation text's canonical UTF-8 bytes (course_text.ts).
 */
export type FileRole = "tokenizer" | "vocab" | "train" | "val" | "text-train" | "text-val" | "doc-hashes" | "official-manifest";

export interface ManifestFile {
  /** Path relative to the course folder, with forward slashes. */
  path: string;
  role: FileRole;
  bytes: number;
  sha256: string;
  /** Token count, for shards. */
  tokens?: number;
}

export interface PgolfBlock {
  format: number;
  course: string;
  created_by: string;
  source: Record<string, unknown>;
  split: { rule: string; val_docs: number; train_docs: number };
  /** Bytes of the validation documents: raw UTF-8 (canonical) and by the reference byte table. */
  val_bytes: { raw_utf8: number | null; table: number; table_seq_len: number | null };
  files: ManifestFile[];
}

export interface CourseManifest {
  version: string;
  num_docs: number;
  num_val_docs: number;
  shuffle_seed: number | null;
  shard_size: number;
  append_eos: boolean;
  tokenizers: OfficialTokenizerEntry[];
  datasets: OfficialDatasetEntry[];
  pgolf: PgolfBlock;
  [key: string]: unknown;
}

const PGOLF_KEYS = new Set(["format", "course", "created_by", "source", "split", "val_bytes", "files"]);
const ROLES = new Set<FileRole>(["tokenizer", "vocab", "train", "val", "text-train", "text-val", "doc-hashes", "official-manifest"]);

/** Reads and validates a course manifest; unknown keys in the pgolf block are rejected. */
export function readManifest(courseDir: string): CourseManifest {
  const file = path.join(courseDir, MANIFEST_NAME);
  const m = readJsonFile<CourseManifest>(file, "course manifest");
  const bad = (problem: string) =>
    new PgolfError("COURSE_MANIFEST", problem, { file, fix: "rebuild the course (`pgolf data prepare` or `pgolf data build`) or restore the manifest" });
  if (typeof m !== "object" || m === null) throw bad("the manifest is not a JSON object");
  if (!Array.isArray(m.tokenizers) || m.tokenizers.length === 0) throw bad("no tokenizers listed");
  if (!Array.isArray(m.datasets) || m.datasets.length === 0) throw bad("no datasets listed");
  const p = m.pgolf;
  if (typeof p !== "object" || p === null) throw bad('no "pgolf" block: this is not a pgolf course manifest');
  for (const k of Object.keys(p)) if (!PGOLF_KEYS.has(k)) throw bad(`unknown key "pgolf.${k}"`);
  if (p.format !== PGOLF_MANIFEST_FORMAT) throw bad(`pgolf.format ${p.format} is not supported (expected ${PGOLF_MANIFEST_FORMAT})`);
  if (!Array.isArray(p.files) || p.files.length === 0) throw bad("pgolf.files is empty");
  for (const f of p.files) {
    if (typeof f.path !== "string" || f.path.includes("..") || path.isAbsolute(f.path)) throw bad(`file path ${JSON.stringify(f.path)} must be relative and inside the course`);
    if (!ROLES.has(f.role)) throw bad(`file ${f.path} has unknown role ${JSON.stringify(f.role)}`);
    if (!Number.isInteger(f.bytes) || f.bytes < 0) throw bad(`file ${f.path} has no valid byte size`);
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw bad(`file ${f.path} has no valid sha256`);
  }
  return m;
}

/** The files of one role, in manifest order. */
export function filesOf(m: CourseManifest, role: FileRole): ManifestFile[] {
  return m.pgolf.files.filter((f) => f.role === role);
}
