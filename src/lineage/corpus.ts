// The submissions a lineage analysis reads, in submission order. Two layouts:
//  - a PR corpus (the contest's pr-corpus): `index.json`, an array of {pr, folder, date, author,
//    files}, with the files at `<pr>/<folder>/<file>`. A submission's id is its position in
//    index.json, as a string; the entry with pr 0 is the organizers' template.
//  - a records root (openai/parameter-golf's `records/`, or pgolf's): every folder holding a
//    submission.json, dated by its `date`. Its id is the folder's path under the root; the template
//    is the earliest record unless one is named.
// Submission order is date order, ties by id order. A corpus's dates are its pull requests' (the
// head commit's time); pull request numbers, given as PRs open, also order them (attribute.ts: a
// later-opened PR is never a source). Folder names' dates were tried as well, for bulk PRs that
// re-add old records: they put submissions before the PRs they cite (recovery 0.51 -> 0.46). Code files are the .py, .ts and .js files
// (up to MAX_CODE_FILES, largest first, each up to MAX_CODE_FILE_BYTES), as the corpus was cut.
// Submission folders are participants': their files are read confined to the folder
// (core/confined_read.ts: no links, plain files only, bounded); links are not followed on any walk.
import * as fs from "node:fs";
import * as path from "node:path";
import { lstatConfined, readConfined, readConfinedIfExists } from "../core/confined_read.js";
import { PgolfError } from "../core/error.js";
import { findRecords } from "../submission/read_record.js";
import { RECORD_FILE_LIMITS } from "../submission/record_file.js";
import { languageOf } from "./code_tokens.js";

export const MAX_CODE_FILES = 8;
export const MAX_CODE_FILE_BYTES = 2 * 1024 * 1024;
/** The largest PR corpus index.json read: the contest's (2,030 folders) is 489,402 bytes; 64 MiB is 130 times that. */
export const MAX_CORPUS_INDEX_BYTES = 64 * 1024 * 1024;

export interface Submission {
  /** Corpus id (index.json position) or the record folder's path under the root. */
  id: string;
  /** The pull request that added it, when known. */
  pr: number | null;
  folder: string;
  date: string;
  /** `date` in ms since the epoch; NaN when the date does not parse (sorted last). */
  time: number;
  author: string;
  /** The author's other names (GitHub login...), as submission.json gives them: credits may name them. */
  handles?: string[];
  /** Absolute folder. */
  dir: string;
  /** Code files, relative to dir. */
  code: string[];
}

export interface Corpus {
  kind: "pr-corpus" | "records";
  root: string;
  /** In submission order. */
  submissions: Submission[];
  /** The template's id, or null when there is none. */
  template: string | null;
}

function corpusError(root: string, problem: string): PgolfError {
  return new PgolfError("LINEAGE_CORPUS", problem, {
    file: root,
    fix: "pass a PR corpus folder (index.json with {pr, folder, date, author, files} rows) or a records root (folders holding submission.json)",
  });
}

/** The code files of a submission folder (relative paths), as the analysis takes them. */
export function codeFiles(dir: string, listed?: string[]): string[] {
  const names = listed ?? walk(dir, 2).map((f) => path.relative(dir, f));
  const out: { name: string; size: number }[] = [];
  for (const name of names) {
    if (!languageOf(name) || name.split(/[\\/]/).includes("..")) continue;
    let st: fs.Stats | null;
    try {
      st = lstatConfined(dir, name); // a link on the way (a linked folder too) is refused, like a missing file
    } catch {
      continue;
    }
    if (st?.isFile() && st.size <= MAX_CODE_FILE_BYTES) out.push({ name, size: st.size });
  }
  return out
    .sort((a, b) => b.size - a.size || a.name.localeCompare(b.name))
    .slice(0, MAX_CODE_FILES)
    .map((f) => f.name)
    .sort();
}

function walk(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth > 0) out.push(...walk(p, depth - 1));
  }
  return out;
}

function order(subs: Submission[]): Submission[] {
  const pos = new Map(subs.map((s, i) => [s, i]));
  return subs.sort((a, b) => (Number.isNaN(a.time) ? 1 : 0) - (Number.isNaN(b.time) ? 1 : 0) || a.time - b.time || pos.get(a)! - pos.get(b)!);
}

function readPrCorpus(root: string): Corpus {
  let rows: unknown;
  try {
    rows = JSON.parse(readConfined(root, "index.json", MAX_CORPUS_INDEX_BYTES).toString("utf8"));
  } catch (e) {
    throw corpusError(path.join(root, "index.json"), `index.json could not be read: ${(e as Error).message}`);
  }
  if (!Array.isArray(rows)) throw corpusError(path.join(root, "index.json"), "index.json is not an array");
  const subs: Submission[] = rows.map((r: Record<string, unknown>, i) => {
    if (typeof r !== "object" || r === null || typeof r.folder !== "string" || typeof r.date !== "string") {
      throw corpusError(path.join(root, "index.json"), `row ${i} lacks a folder or date`);
    }
    const pr = typeof r.pr === "number" ? r.pr : null;
    const dir = path.join(root, String(pr ?? ""), r.folder);
    if (!path.resolve(dir).startsWith(path.resolve(root) + path.sep)) throw corpusError(path.join(root, "index.json"), `row ${i} names a folder outside the corpus`);
    let held: fs.Stats | null;
    try {
      held = lstatConfined(root, path.relative(root, dir));
    } catch (e) {
      throw corpusError(path.join(root, "index.json"), `row ${i}'s folder cannot be read safely: ${(e as Error).message}`);
    }
    const listed = Array.isArray(r.files) ? r.files.filter((f): f is string => typeof f === "string") : undefined;
    const meta = authorOf(readMeta(dir));
    return { id: String(i), pr, folder: r.folder, date: r.date, time: Date.parse(r.date), author: (typeof r.author === "string" && r.author) || meta.author, handles: meta.handles, dir, code: held?.isDirectory() ? codeFiles(dir, listed) : [] };
  });
  // an unnamed author is the author of another folder of the same pull request, when that one is named
  const prAuthor = new Map<number, string>();
  for (const s of subs) if (s.pr !== null && s.author && !prAuthor.has(s.pr)) prAuthor.set(s.pr, s.author);
  for (const s of subs) if (!s.author && s.pr !== null) s.author = prAuthor.get(s.pr) ?? "";
  const template = subs.find((s) => s.pr === 0) ?? null;
  return { kind: "pr-corpus", root, submissions: order(subs), template: template?.id ?? null };
}

function readRecordsRoot(root: string, templateId?: string): Corpus {
  // the record folders `pgolf check` finds (submission/read_record.ts): one rule for what a record is
  const dirs = findRecords(root).sort();
  if (!dirs.length) throw corpusError(root, "no index.json and no record folder (a folder holding a submission.json or a training log)");
  const abs = path.resolve(root);
  const subs = dirs.map((dir) => readSubmissionFolder(dir, path.relative(abs, dir).split(path.sep).join("/")));
  const ordered = order(subs);
  if (templateId !== undefined && !subs.some((s) => s.id === templateId)) throw corpusError(root, `no record ${templateId} to use as the template`);
  return { kind: "records", root, submissions: ordered, template: templateId ?? ordered[0]?.id ?? null };
}

/** A folder's submission.json as an object ({} when it has none or it is not a JSON object). */
function readMeta(dir: string): Record<string, unknown> {
  try {
    const bytes = readConfinedIfExists(dir, "submission.json", RECORD_FILE_LIMITS.json);
    if (bytes === null) return {};
    const parsed = JSON.parse(bytes.toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {}; // not JSON, or refused (a link, a pipe, too large): the record is still analysed, dated last
  }
}

/** The author and handles submission.json gives (author, github_id, github...; not `name`, the run's name). */
function authorOf(meta: Record<string, unknown>): { author: string; handles: string[] } {
  const vals = [meta.author, meta.github_id, meta.github, meta.github_user, meta.handle].filter((v): v is string => typeof v === "string" && v.trim().length > 0).map((v) => v.trim());
  return { author: vals[0] ?? "", handles: [...new Set(vals)] };
}

/** One record folder as a submission: dated, authored and numbered by its submission.json. */
export function readSubmissionFolder(dir: string, id: string): Submission {
  // read once: its date, author and PR number
  const meta = readMeta(dir);
  const date = typeof meta.date === "string" ? meta.date : "";
  const { author, handles } = authorOf(meta);
  const pr = typeof meta.pr === "number" ? meta.pr : null;
  return { id, pr, folder: id, date, time: date ? Date.parse(date) : NaN, author, handles, dir: path.resolve(dir), code: codeFiles(dir) };
}

/** Reads a PR corpus or a records root. */
export function readCorpus(root: string, opts: { template?: string } = {}): Corpus {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw corpusError(root, "folder not found");
  // a records root holds no index.json; one there that is a link or pipe is refused when read, not followed
  return fs.lstatSync(path.join(root, "index.json"), { throwIfNoEntry: false }) ? readPrCorpus(root) : readRecordsRoot(root, opts.template);
}

/** Whether a submission names its author (credit findings need both sides named). */
export function knownAuthor(sub: Pick<Submission, "author">): boolean {
  return sub.author.replace(/<[^>]*>/g, "").trim().length > 0;
}

/**
 * Whether credit text names a submission's author: its name or one of its handles, as a whole
 * word (an @handle too). Names under 3 characters are not matched.
 */
export function namesAuthor(text: string, sub: Pick<Submission, "author" | "handles">): boolean {
  const names = [sub.author.replace(/<[^>]*>/g, "").trim(), ...(sub.handles ?? [])].filter((n) => n.length >= 3);
  return names.some((n) => new RegExp(`(?<![A-Za-z0-9_])@?${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_])`, "i").test(text));
}

/**
 * Who a submission is by, as credit compares it: the author's name in lower case without an
 * e-mail address; for an unnamed author, the pull request (one PR has one author), else the id.
 */
export function authorKey(sub: Pick<Submission, "author" | "pr" | "id">): string {
  const name = sub.author.replace(/<[^>]*>/g, "").trim().toLowerCase();
  return name || (sub.pr !== null ? `(author of PR #${sub.pr})` : `(author of ${sub.id})`);
}
