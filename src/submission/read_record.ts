// A record folder, whatever wrote it, read into a NormalizedRecord: the original contest's folders
// (submission*.json in any of their schemas, training logs *.log / *.txt in any of their styles, also
// in subfolders such as logs/) and pgolf-native records (schema "pgolf-submission/1", train_seed<N>.log).
// Reading never fails on a folder's content: what cannot be read becomes a readProblem. Only a path
// that is not there, or a folder that is no record at all, throws.
//
// Claims (what the JSON says) are kept apart from the logs (what they show). Field spellings read:
//   val_bpb   val_bpb | mean_val_bpb | mean_bpb | val_bpb_mean
//   val_loss  val_loss | mean_val_loss | mean_val_loss_nats | val_loss_mean
//   bytes     bytes_total | artifact_bytes | artifact_size_bytes | artifact_bytes_max; bytes_code | code_bytes
//   seeds     seeds (list of numbers, list of {seed,...}, or object keyed by seed) merged with
//             seed_results (object keyed by seed) and seed_scores (list parallel to seeds); a lone `seed`
//   count     n_seeds | num_seeds | seed_count, else the number of seeds listed, else "3-seed" /
//             "mean of 3 seeds" in the blurb
//   track     the folder path (track_10min_16mb -> 10min-16mb), else the JSON's track in any spelling
//   parents   "#N" for PR numbers in base_pr, based_on, built_on, parent(s), implementation_lineage_pr,
//             attribution, and "built on/from PR #N" in the blurb (comparison and negative-result PRs
//             are not parents)
//   techniques techniques | tags | technique_tags (lists), else technique_summary split at " + "
//
// A record folder is a participant's: every file is read through record_file.ts (no links, regular
// files only, bounded by kind), and the walks never enter a linked folder. A link, pipe, socket or
// device in the folder, or a file over its limit, becomes an "unsafe-file" readProblem.
import * as fs from "node:fs";
import * as path from "node:path";
import { isUnsafeFile } from "../core/confined_read.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { codeFiles as entryCodeFiles } from "../entry/code_bytes.js";
import { jsonKeyLines } from "./json_key_lines.js";
import { looksLikeTrainingLog, parseLog } from "./log_parse.js";
import type { Claims, Evidence, LoggedValue, NormalizedRecord, SeedLog } from "./normalized_record.js";
import { readRecordFile, readRecordText, recordFileHead } from "./record_file.js";
import { SUBMISSION_SCHEMA_ID, submissionProblems } from "./submission_schema.js";

type Json = Record<string, unknown>;
type Problem = NormalizedRecord["readProblems"][number];

const SKIP_DIRS = new Set(["node_modules", ".git", "__pycache__"]);
const CODE_EXT = /\.(?:py|ts|js|mjs|cjs|cpp|cc|c|cu|h|hpp|sh|rs|go)$/i;
const SNIFF_BYTES = 64 * 1024;

const isSubmissionJson = (name: string) => /^submission.*\.json$/i.test(name);
/** A name only a record's own files have: refused when it is not a plain file, so the folder is still found and reported. */
const isRecordName = (name: string) => isSubmissionJson(name) || /\.log$/i.test(name);

function listDir(dir: string): fs.Dirent[] {
  try {
    // withFileTypes reports a link as a link (lstat), never as what it points to
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** What a folder entry is when it is neither a plain file nor a folder, for a finding. */
function oddKind(e: fs.Dirent): string {
  if (e.isSymbolicLink()) return "a symbolic link";
  if (e.isFIFO()) return "a named pipe (FIFO)";
  if (e.isSocket()) return "a socket";
  if (e.isCharacterDevice() || e.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** The first SNIFF_BYTES of `rel` in dir as text ("" when it cannot be read safely). */
function head(dir: string, rel: string): string {
  try {
    return recordFileHead(dir, rel, SNIFF_BYTES).toString("utf8");
  } catch {
    return "";
  }
}

/** A training log by its name and first 64 KiB: *.log or *.txt holding step, val_bpb or final lines. */
function isLogFile(dir: string, rel: string): boolean {
  return /\.(?:log|txt)$/i.test(rel) && looksLikeTrainingLog(head(dir, rel));
}

/** Whether a folder is a record by itself: it holds a submission*.json or a training log (or a link or pipe named like one). */
function isRecordDir(dir: string): boolean {
  return listDir(dir).some((e) => (e.isFile() ? isSubmissionJson(e.name) || isLogFile(dir, e.name) : !e.isDirectory() && isRecordName(e.name)));
}

function mustBeDir(p: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new PgolfError("FILE_NOT_FOUND", `${what} not found`, { file: p, fix: "pass the path of a record folder or of a folder of records" });
  }
  if (!st.isDirectory()) throw new PgolfError("FILE_NOT_FOUND", `${what} is not a folder`, { file: p, fix: "pass the path of a record folder or of a folder of records" });
}

/** Every record folder under root (sorted); root itself when it is a record. Records are not searched for nested records, nor linked folders entered. */
export function findRecords(root: string): string[] {
  const abs = path.resolve(root);
  mustBeDir(abs, "records folder");
  const out: string[] = [];
  const walk = (dir: string) => {
    if (isRecordDir(dir)) {
      out.push(dir);
      return;
    }
    for (const e of listDir(dir)) if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith(".")) walk(path.join(dir, e.name));
  };
  walk(abs);
  return out;
}

interface FolderFiles {
  /** Plain files (relative, "/"-separated). */
  files: string[];
  /** Links, pipes, sockets and devices met on the walk: never read, never entered. */
  refused: { rel: string; what: string }[];
}

/** Files under a record folder (relative, "/"-separated), not entering nested records or linked folders. */
function filesOf(dir: string): FolderFiles {
  const out: FolderFiles = { files: [], refused: [] };
  const walk = (d: string, rel: string) => {
    for (const e of listDir(d)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || e.name.startsWith(".")) continue;
        const sub = path.join(d, e.name);
        if (listDir(sub).some((x) => x.isFile() && isSubmissionJson(x.name))) continue;
        walk(sub, r);
      } else if (e.isFile()) out.files.push(r);
      else out.refused.push({ rel: r, what: oddKind(e) });
    }
  };
  walk(dir, "");
  return out;
}

// ---------- small readers of loosely typed JSON ----------

function toNum(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\s*-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

function toStr(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Evidence for a JSON path: the line its key (or array element) starts on. */
function jsonEvidence(file: string, lines: Map<string, number>, textLines: string[], p: string): Evidence {
  const line = lines.get(p);
  return line === undefined ? { file } : { file, line, text: (textLines[line - 1] ?? "").trim().slice(0, 200) };
}

interface JsonDoc {
  file: string;
  data: Json;
  ev: (p: string) => Evidence;
}

function firstNum(doc: JsonDoc, keys: string[]): LoggedValue<number> | null {
  for (const k of keys) {
    const v = toNum(doc.data[k]);
    if (v !== null) return { value: v, evidence: doc.ev(`/${k}`) };
  }
  return null;
}

const WORD_NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, ten: 10 };

function claimsOf(doc: JsonDoc): Claims {
  const d = doc.data;
  const seeds: Claims["seeds"] = [];
  const bySeed = new Map<number, Claims["seeds"][number]>();
  const add = (seed: number | null, v: unknown, evPath: string) => {
    if (seed === null || !Number.isInteger(seed)) return;
    const o = isObj(v) ? v : {};
    const entry = bySeed.get(seed) ?? { seed, val_bpb: null, val_loss: null, bytes_total: null, evidence: doc.ev(evPath) };
    entry.val_bpb ??= toNum(o.val_bpb) ?? toNum(o.val_var_bpb);
    entry.val_loss ??= toNum(o.val_loss);
    entry.bytes_total ??= toNum(o.bytes_total) ?? toNum(o.artifact_bytes) ?? toNum(o.bytes);
    if (!bySeed.has(seed)) {
      bySeed.set(seed, entry);
      seeds.push(entry);
    }
  };
  const listed = d.seeds;
  if (Array.isArray(listed)) {
    listed.forEach((s, i) => {
      if (isObj(s)) add(toNum(s.seed), s, `/seeds/${i}`);
      else add(toNum(s), undefined, `/seeds/${i}`);
    });
    const scores = d.seed_scores;
    if (Array.isArray(scores)) {
      listed.forEach((s, i) => {
        const e = bySeed.get(toNum(isObj(s) ? s.seed : s) ?? NaN);
        if (e && e.val_bpb === null) e.val_bpb = toNum(scores[i]);
      });
    }
  } else if (isObj(listed)) {
    for (const [k, v] of Object.entries(listed)) add(toNum(k), v, `/seeds/${k}`);
  }
  if (isObj(d.seed_results)) for (const [k, v] of Object.entries(d.seed_results)) add(toNum(k), v, `/seed_results/${k}`);
  if (seeds.length === 0 && toNum(d.seed) !== null) add(toNum(d.seed), undefined, "/seed");

  let seedCount = firstNum(doc, ["n_seeds", "num_seeds", "seed_count"]);
  if (!seedCount && seeds.length > 0) {
    const p = Array.isArray(listed) || isObj(listed) ? "/seeds" : isObj(d.seed_results) ? "/seed_results" : "/seed";
    seedCount = { value: seeds.length, evidence: doc.ev(p) };
  }
  if (!seedCount) {
    for (const k of ["blurb", "description", "notes"]) {
      const s = toStr(d[k]);
      const m = s ? (/\b(\d+|one|two|three|four|five|six|seven|eight|ten)[- ]seeds?\b/i.exec(s) ?? /\bmean of (\d+|two|three|four|five) seeds\b/i.exec(s)) : null;
      if (m) {
        const w = m[1].toLowerCase();
        seedCount = { value: WORD_NUMBERS[w] ?? Number(w), evidence: doc.ev(`/${k}`) };
        break;
      }
    }
  }
  return {
    file: doc.file,
    val_bpb: firstNum(doc, ["val_bpb", "mean_val_bpb", "mean_bpb", "val_bpb_mean"]),
    val_loss: firstNum(doc, ["val_loss", "mean_val_loss", "mean_val_loss_nats", "val_loss_mean"]),
    bytes_total: firstNum(doc, ["bytes_total", "artifact_bytes", "artifact_size_bytes", "artifact_bytes_max"]),
    bytes_code: firstNum(doc, ["bytes_code", "code_bytes"]),
    seeds,
    seedCount,
  };
}

const EMPTY_CLAIMS: Claims = { file: null, val_bpb: null, val_loss: null, bytes_total: null, bytes_code: null, seeds: [], seedCount: null };

/** Canonical track name of a spelling: "track_10min_16mb", "10min_16mb" -> "10min-16mb"; any non-record 16mb -> "non-record-16mb". */
export function canonicalTrack(spelling: string): string {
  const t = spelling
    .trim()
    .toLowerCase()
    .replace(/^track[_-]/, "")
    .replace(/[_\s]+/g, "-");
  if (/^non-?record\b.*16mb$/.test(t)) return "non-record-16mb";
  return t;
}

function trackFromPath(dir: string): string | null {
  const parts = dir.split(/[\\/]/).filter((p) => /^track_/i.test(p));
  return parts.length > 0 ? canonicalTrack(parts[parts.length - 1]) : null;
}

/** ISO 8601 of a date or date-time string (a date alone is midnight UTC), or null. */
export function isoDate(v: unknown): string | null {
  const s = toStr(v)?.trim();
  if (!s) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Number.isNaN(Date.parse(`${s}T00:00:00Z`)) ? null : `${s}T00:00:00Z`;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return new Date(t).toISOString().replace(/\.000Z$/, "Z");
}

const PARENT_KEYS = ["base_pr", "based_on", "built_on", "parent", "parents", "implementation_lineage_pr", "lineage", "attribution"];

function prRefs(v: unknown, bare: boolean): string[] {
  if (typeof v === "number" && Number.isInteger(v)) return bare ? [`#${v}`] : [];
  if (typeof v === "string") {
    const refs = [...v.matchAll(/#\s?(\d+)/g)].map((m) => `#${m[1]}`);
    if (refs.length === 0 && bare && /^\s*\d+\s*$/.test(v)) return [`#${v.trim()}`];
    return refs;
  }
  if (Array.isArray(v)) return v.flatMap((x) => prRefs(x, bare));
  if (isObj(v)) return Object.values(v).flatMap((x) => prRefs(x, false));
  return [];
}

function parentsOf(d: Json): string[] {
  const out: string[] = [];
  for (const k of PARENT_KEYS) out.push(...prRefs(d[k], true));
  const blurb = toStr(d.blurb);
  if (blurb) for (const m of blurb.matchAll(/\b(?:built|based)\s+(?:on|from)\s+(?:the\s+)?PR\s*#(\d+)/gi)) out.push(`#${m[1]}`);
  return [...new Set(out)];
}

function techniquesOf(d: Json): string[] {
  for (const k of ["techniques", "tags", "technique_tags"]) {
    const v = d[k];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  }
  const s = toStr(d.technique_summary);
  return s
    ? s
        .split(/\s+\+\s+/)
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
}

/** A file that could not be read, as a readProblem: refused (unsafe-file) or missing. */
function unreadable(rel: string, e: unknown): Problem {
  if (isUnsafeFile(e)) return { kind: "unsafe-file", message: `${e.message}: not read. Fix: ${e.fix ?? "remove it"}`, evidence: { file: rel } };
  return { kind: "missing-file", message: `${rel} could not be read: ${(e as Error).message}`, evidence: { file: rel } };
}

function readJson(dir: string, rel: string, problems: Problem[]): JsonDoc | null {
  let text: string;
  try {
    text = readRecordText(dir, rel, "json");
  } catch (e) {
    problems.push(unreadable(rel, e));
    return null;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split("\n").length : undefined;
    problems.push({ kind: "schema", message: `${rel} is not valid JSON: ${(e as Error).message}`, evidence: { file: rel, line } });
    return null;
  }
  if (!isObj(data)) {
    problems.push({ kind: "schema", message: `${rel} holds a JSON ${Array.isArray(data) ? "array" : typeof data}, not an object`, evidence: { file: rel, line: 1 } });
    return null;
  }
  const lines = jsonKeyLines(text);
  const textLines = text.split("\n");
  return { file: rel, data, ev: (p) => jsonEvidence(rel, lines, textLines, p) };
}

function readLog(dir: string, rel: string, pgolf: boolean, problems: Problem[]): SeedLog | null {
  let bytes: Buffer;
  try {
    bytes = readRecordFile(dir, rel, "log");
  } catch (e) {
    problems.push(unreadable(rel, e));
    return null;
  }
  try {
    return { ...parseLog(bytes.toString("utf8"), rel, { pgolf }), sha256: sha256(bytes) };
  } catch (e) {
    problems.push({ kind: "schema", message: `${rel} could not be parsed: ${(e as Error).message}`, evidence: { file: rel } });
    return null;
  }
}

/** Read one record folder (original contest or pgolf-native) into the normalized model. */
export function readRecord(dir: string): NormalizedRecord {
  const abs = path.resolve(dir);
  mustBeDir(abs, "record folder");
  const { files, refused } = filesOf(abs);
  const problems: Problem[] = [];
  // links, pipes and devices are reported, never read: the folder fails its check
  for (const x of refused) {
    problems.push({
      kind: "unsafe-file",
      message: `${x.rel} is ${x.what}: not read (a record folder holds plain files and folders only: a link could lead out of it, a pipe or a device never ends). Fix: put the file itself in the folder, or remove it`,
      evidence: { file: x.rel },
    });
  }
  const refusedJson = refused.some((x) => !x.rel.includes("/") && isSubmissionJson(path.basename(x.rel)));
  const refusedLog = refused.some((x) => isRecordName(path.basename(x.rel)) && !isSubmissionJson(path.basename(x.rel)));

  const jsonFiles = files.filter((f) => !f.includes("/") && isSubmissionJson(f));
  const logFiles = files.filter((f) => isLogFile(abs, f));
  if (jsonFiles.length === 0 && logFiles.length === 0 && !refusedJson && !refusedLog) {
    throw new PgolfError("RECORD_FILE", "not a record folder: it holds no submission*.json and no training log", {
      file: abs,
      fix: "pass a folder with submission.json and train_seed<N>.log files (or use findRecords on a folder of records)",
    });
  }
  const jsonFile = jsonFiles.includes("submission.json") ? "submission.json" : (jsonFiles[0] ?? null);
  if (jsonFile === null && !refusedJson) problems.push({ kind: "missing-file", message: "the folder has no submission.json (nor a submission*.json variant)", evidence: { file: "submission.json" } });
  if (jsonFiles.length > 1) problems.push({ kind: "schema", message: `the folder has ${jsonFiles.length} submission JSON files (${jsonFiles.join(", ")}); ${jsonFile} was read`, evidence: { file: jsonFile ?? jsonFiles[0] } });
  const doc = jsonFile ? readJson(abs, jsonFile, problems) : null;
  const d: Json = doc?.data ?? {};
  const pgolf = d.schema === SUBMISSION_SCHEMA_ID;

  if (pgolf && doc) {
    for (const p of submissionProblems(d)) problems.push({ kind: "schema", message: `submission.json does not match ${SUBMISSION_SCHEMA_ID}: ${p}`, evidence: doc.ev("/schema") });
    if (Array.isArray(d.seeds)) {
      d.seeds.forEach((s, i) => {
        const log = isObj(s) ? toStr(s.log) : null;
        if (log && !files.includes(log) && !refused.some((x) => x.rel === log)) problems.push({ kind: "missing-file", message: `seed ${String(isObj(s) ? s.seed : "?")}'s log ${log} is missing`, evidence: doc.ev(`/seeds/${i}/log`) });
      });
    }
  }
  if (logFiles.length === 0 && !refusedLog) problems.push({ kind: "missing-file", message: "the folder holds no training log", evidence: { file: "." } });

  const logs = logFiles.map((f) => readLog(abs, f, pgolf, problems)).filter((l): l is SeedLog => l !== null);

  let codeFiles: string[];
  if (pgolf) {
    try {
      codeFiles = entryCodeFiles(abs)
        .map((f) => f.path)
        // the size rule counts linked files (entry/code_bytes.ts); a record's check counts plain files only
        .filter((f) => !logFiles.includes(f) && !isSubmissionJson(f) && !refused.some((x) => x.rel === f));
    } catch (e) {
      problems.push({ kind: "schema", message: `code files could not be listed: ${(e as Error).message}`, evidence: { file: "." } });
      codeFiles = [];
    }
  } else codeFiles = files.filter((f) => CODE_EXT.test(f));

  let track: string | null;
  if (pgolf) track = toStr(d.track) ?? trackFromPath(abs);
  else track = trackFromPath(abs) ?? (toStr(d.track) ? canonicalTrack(d.track as string) : null);

  const date = isoDate(d.date);
  if (doc && d.date !== undefined && d.date !== null && date === null) problems.push({ kind: "schema", message: `date ${JSON.stringify(d.date)} is not a date`, evidence: doc.ev("/date") });

  const provenance = isObj(d.provenance) ? d.provenance : null;
  const parents = pgolf
    ? (Array.isArray(provenance?.parents) ? provenance.parents : []).map((p) => (isObj(p) ? toStr(p.ref) : null)).filter((x): x is string => x !== null)
    : parentsOf(d);
  const techniques = pgolf ? (Array.isArray(provenance?.techniques) ? provenance.techniques.filter((x): x is string => typeof x === "string") : []) : techniquesOf(d);

  return {
    dir: abs,
    id: path.basename(abs),
    format: pgolf ? "pgolf" : "original",
    track,
    name: toStr(d.name) ?? toStr(d.run_name),
    author: toStr(d.author),
    github_id: toStr(d.github_id),
    summary: toStr(d.blurb) ?? toStr(d.summary) ?? toStr(d.description),
    date,
    claims: doc ? claimsOf(doc) : { ...EMPTY_CLAIMS },
    logs,
    codeFiles,
    parents,
    techniques,
    readProblems: problems,
  };
}
