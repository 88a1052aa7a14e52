// A record pull request in: which folder it adds (planPullRequest, pure), its files downloaded into a
// fresh folder under destDir with every name, type and size checked before and while writing
// (fetchRecordFromPullRequest), then read and checked like any record folder (readRecord,
// checkRecords). formatReport turns the findings into the pull request comment and commit status;
// reviewPullRequest does all of it for one webhook event.
//
// A PR must change files of exactly one folder records/<track>/<folder>/ and nothing else: a PR that
// also edits or deletes another record (as some merges of the original contest did) is refused, its
// paths named. Inside the folder: no symlinks or submodules, no unsafe names ("..", absolute paths,
// backslashes, control characters), at most maxFiles files, none over maxFileBytes, all together at
// most maxTotalBytes, checked first on the sizes the git tree declares, then on the bytes received.
import * as fs from "node:fs";
import * as path from "node:path";
import { isPgolfError, PgolfError } from "../core/error.js";
import { checkRecords, type CheckedRecord } from "../submission/check.js";
import type { Evidence, NormalizedRecord } from "../submission/normalized_record.js";
import { readRecord } from "../submission/read_record.js";
import type { CommitStatus, GitHubClient, PullFile, StatusState, TreeEntry } from "./github_client.js";

export interface IntakeLimits {
  /** Files in the record folder (and changed files in the PR). */
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = { maxFiles: 200, maxFileBytes: 20 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

export interface PullRequestRef {
  /** "owner/name" */
  repo: string;
  number: number;
  headSha: string;
}

/** The record folder a PR adds: "records/<track>/<folder>". */
export interface RecordFolder {
  path: string;
  track: string;
  folder: string;
}

export interface IntakeResult {
  /** Absolute path of the downloaded folder: destDir/<track>/<folder>. */
  dir: string;
  folder: RecordFolder;
  files: { path: string; size: number; sha: string }[];
  record: NormalizedRecord;
  checked: CheckedRecord;
  findings: CheckedRecord["findings"];
}

// ---------- names ----------

const MAX_PATH = 400;
const MAX_SEGMENT = 200;

/** Why a repository path is not safe to write under a folder, or null when it is. */
export function unsafePathReason(p: string): string | null {
  if (p.length === 0) return "empty path";
  if (p.length > MAX_PATH) return `longer than ${MAX_PATH} characters`;
  if (/[\x00-\x1f\x7f]/.test(p)) return "holds a NUL or control character";
  if (p.includes("\\")) return "holds a backslash";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "is absolute";
  for (const seg of p.split("/")) {
    if (seg === "") return "has an empty segment";
    if (seg === "." || seg === "..") return `has a "${seg}" segment`;
    if (seg.length > MAX_SEGMENT) return `has a segment longer than ${MAX_SEGMENT} characters`;
  }
  return null;
}

/** records/<track>/<folder> of a path under it, else null. */
export function recordFolderOf(p: string): RecordFolder | null {
  const parts = p.split("/");
  if (parts.length < 4 || parts[0] !== "records") return null;
  return { path: parts.slice(0, 3).join("/"), track: parts[1], folder: parts[2] };
}

function refuse(code: "GITHUB_PR_NO_RECORD" | "GITHUB_PR_MANY_RECORDS" | "GITHUB_PR_OUTSIDE_RECORD" | "GITHUB_PR_UNSAFE_PATH" | "GITHUB_PR_SYMLINK" | "GITHUB_PR_TOO_MANY_FILES" | "GITHUB_PR_FILE_TOO_LARGE" | "GITHUB_PR_TOO_LARGE", message: string, paths: string[], fix: string, extra: Record<string, unknown> = {}): never {
  const shown = paths.slice(0, 20);
  throw new PgolfError(code, `${message}${shown.length ? `: ${shown.join(", ")}${paths.length > shown.length ? `, and ${paths.length - shown.length} more` : ""}` : ""}`, {
    file: paths[0],
    fix,
    details: { paths, ...extra },
  });
}

// ---------- planning (pure) ----------

/** The one record folder a PR's changed files add; throws GITHUB_PR_* when the PR is not a clean record PR. */
export function planPullRequest(files: PullFile[], limits: IntakeLimits = DEFAULT_INTAKE_LIMITS): RecordFolder {
  if (files.length > limits.maxFiles) refuse("GITHUB_PR_TOO_MANY_FILES", `the pull request changes ${files.length} files, over the limit of ${limits.maxFiles}`, [], "a record pull request adds one folder of a few files", { limit: limits.maxFiles });
  const names = files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
  const unsafe = names.filter((n) => typeof n !== "string" || unsafePathReason(n) !== null);
  if (unsafe.length) refuse("GITHUB_PR_UNSAFE_PATH", `unsafe file names (${unsafePathReason(String(unsafe[0]))})`, unsafe.map(String), "use plain relative names without '..', backslashes or control characters");

  // Candidates: folders where the PR puts files (not only deletes them).
  const candidates = new Map<string, RecordFolder>();
  for (const f of files) {
    const rf = f.status === "removed" ? null : recordFolderOf(f.filename);
    if (rf) candidates.set(rf.path, rf);
  }
  if (candidates.size === 0) refuse("GITHUB_PR_NO_RECORD", "the pull request adds no file under records/<track>/<folder>/", names, "add your record as a new folder records/<track>/<YYYY-MM-DD_Name>/ holding README.md, submission.json and the training logs");
  if (candidates.size > 1) {
    const folders = [...candidates.keys()].sort();
    refuse("GITHUB_PR_MANY_RECORDS", `the pull request adds files to ${folders.length} record folders`, folders, "submit one record folder per pull request");
  }
  const folder = [...candidates.values()][0];
  const outside = names.filter((n) => !n.startsWith(`${folder.path}/`));
  if (outside.length) refuse("GITHUB_PR_OUTSIDE_RECORD", `besides ${folder.path}/ the pull request changes`, outside, `change only files under ${folder.path}/; do not edit or delete other records or shared files`);
  return folder;
}

interface PlannedFile {
  rel: string;
  sha: string;
  size: number;
}

/** The files to download from the folder's recursive git tree; throws GITHUB_PR_* on any unsafe entry. */
export function planFolderFiles(folder: RecordFolder, entries: TreeEntry[], truncated: boolean, limits: IntakeLimits = DEFAULT_INTAKE_LIMITS): PlannedFile[] {
  const full = (e: TreeEntry) => `${folder.path}/${e.path}`;
  if (truncated) refuse("GITHUB_PR_TOO_MANY_FILES", `${folder.path} holds more files than GitHub lists in one tree`, [folder.path], "keep the record folder to a few files");
  const unsafe = entries.filter((e) => unsafePathReason(e.path) !== null);
  if (unsafe.length) refuse("GITHUB_PR_UNSAFE_PATH", `unsafe file names (${unsafePathReason(unsafe[0].path)})`, unsafe.map(full), "use plain relative names without '..', backslashes or control characters");
  const links = entries.filter((e) => e.mode === "120000" || e.type === "commit" || e.mode === "160000");
  if (links.length) refuse("GITHUB_PR_SYMLINK", "symlinks and submodules are not accepted in a record folder", links.map(full), "commit the files themselves");
  const blobs = entries.filter((e) => e.type === "blob");
  const odd = blobs.filter((e) => !/^100(?:644|755)$/.test(e.mode) || !Number.isSafeInteger(e.size) || (e.size as number) < 0);
  if (odd.length) refuse("GITHUB_PR_UNSAFE_PATH", "entries that are not regular files of known size", odd.map(full), "commit regular files only");
  if (blobs.length > limits.maxFiles) refuse("GITHUB_PR_TOO_MANY_FILES", `${folder.path} holds ${blobs.length} files, over the limit of ${limits.maxFiles}`, [folder.path], "keep the record folder to its README, submission.json, logs and code", { limit: limits.maxFiles });
  const big = blobs.filter((e) => (e.size as number) > limits.maxFileBytes);
  if (big.length) refuse("GITHUB_PR_FILE_TOO_LARGE", `files over ${limits.maxFileBytes} bytes`, big.map(full), "keep model artifacts and datasets out of the record folder", { limit: limits.maxFileBytes });
  const total = blobs.reduce((s, e) => s + (e.size as number), 0);
  if (total > limits.maxTotalBytes) refuse("GITHUB_PR_TOO_LARGE", `${folder.path} holds ${total} bytes, over the limit of ${limits.maxTotalBytes}`, [folder.path], "keep model artifacts and datasets out of the record folder", { limit: limits.maxTotalBytes, total });
  return blobs.map((e) => ({ rel: e.path, sha: e.sha, size: e.size as number })).sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

// ---------- downloading ----------

async function folderTree(client: GitHubClient, pr: PullRequestRef, folder: RecordFolder): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
  let treeish = pr.headSha;
  for (const seg of folder.path.split("/")) {
    const t = await client.getTree(pr.repo, treeish);
    const e = t.tree.find((x) => x.path === seg);
    if (!e || e.type !== "tree") refuse("GITHUB_PR_NO_RECORD", `${folder.path} is not a folder at ${pr.headSha.slice(0, 12)}`, [folder.path], "add the record as a folder of files");
    treeish = e.sha;
  }
  const t = await client.getTree(pr.repo, treeish, { recursive: true });
  return { entries: t.tree, truncated: t.truncated };
}

/** Creates `file` (never an existing file, never through a symlink) and writes data to it. */
function writeNew(root: string, rel: string, data: Buffer): void {
  const target = path.resolve(root, ...rel.split("/"));
  const back = path.relative(root, target);
  if (back.startsWith("..") || path.isAbsolute(back)) refuse("GITHUB_PR_UNSAFE_PATH", "a file would land outside the record folder", [rel], "use plain relative names");
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Downloads the one record folder a pull request adds into destDir/<track>/<folder> and checks it.
 * Throws GITHUB_PR_* (refusals: nothing is left on disk), FILE_EXISTS when the folder is there
 * already, RECORD_FILE when the folder is no record, or a client error (GITHUB_API, ...).
 * `prior` are the records already on the leaderboard, for the significance checks.
 */
export async function fetchRecordFromPullRequest(client: GitHubClient, pr: PullRequestRef, destDir: string, limits: Partial<IntakeLimits> = {}, prior: NormalizedRecord[] = []): Promise<IntakeResult> {
  const lim: IntakeLimits = { ...DEFAULT_INTAKE_LIMITS, ...limits };
  const changed = await client.listPullFiles(pr.repo, pr.number, { maxFiles: lim.maxFiles });
  const folder = planPullRequest(changed, lim);
  const tree = await folderTree(client, pr, folder);
  const planned = planFolderFiles(folder, tree.entries, tree.truncated, lim);

  const root = path.resolve(destDir);
  fs.mkdirSync(root, { recursive: true });
  const dir = path.join(root, folder.track, folder.folder);
  if (fs.existsSync(dir)) throw new PgolfError("FILE_EXISTS", "the record folder was downloaded here already", { file: dir, fix: "download into a fresh folder" });
  fs.mkdirSync(dir, { recursive: true });
  try {
    let total = 0;
    for (const f of planned) {
      const remote = `${folder.path}/${f.rel}`;
      const got = await client.getFileContent(pr.repo, remote, pr.headSha, { maxBytes: Math.min(lim.maxFileBytes, lim.maxTotalBytes - total) });
      if (got.content.length !== f.size || got.sha !== f.sha) {
        throw new PgolfError("SIZE_MISMATCH", `${remote}: got ${got.content.length} bytes (blob ${got.sha.slice(0, 12)}), the tree declared ${f.size} (blob ${f.sha.slice(0, 12)})`, { file: remote, fix: "redeliver the webhook once the pull request has settled" });
      }
      total += got.content.length;
      if (total > lim.maxTotalBytes) refuse("GITHUB_PR_TOO_LARGE", `${folder.path} passed the limit of ${lim.maxTotalBytes} bytes`, [remote], "keep model artifacts and datasets out of the record folder");
      writeNew(dir, f.rel, got.content);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let record: NormalizedRecord;
  try {
    record = readRecord(dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const checked = checkRecords([...prior, record]).find((c) => c.dir === record.dir)!;
  return { dir, folder, files: planned.map((f) => ({ path: f.rel, size: f.size, sha: f.sha })), record, checked, findings: checked.findings };
}

// ---------- reporting ----------

export type Verdict = "pass" | "fail" | "refused" | "error" | "pending";

export interface ReportFinding {
  kind: string;
  severity: "error" | "warning";
  message: string;
  evidence?: Evidence[];
}

export interface Report {
  /** Markdown comment body; starts with REPORT_MARKER so a later run can find its own comment. */
  body: string;
  status: { state: StatusState; description: string };
}

export const REPORT_MARKER = "<!-- pgolf-record-check -->";
export const STATUS_CONTEXT = "pgolf/record-check";

/** Refusal codes: the PR itself is at fault (failure), as opposed to the server or GitHub (error). */
const REFUSALS = new Set(["GITHUB_PR_NO_RECORD", "GITHUB_PR_MANY_RECORDS", "GITHUB_PR_OUTSIDE_RECORD", "GITHUB_PR_UNSAFE_PATH", "GITHUB_PR_SYMLINK", "GITHUB_PR_TOO_MANY_FILES", "GITHUB_PR_FILE_TOO_LARGE", "GITHUB_PR_TOO_LARGE", "RECORD_FILE", "SIZE_MISMATCH", "CONTEST_PRACTICE_COURSE", "CONTEST_COURSE_UNMEASURED"]);

/** The verdict and the finding of an intake that threw. */
export function errorFindings(e: unknown): { verdict: Verdict; findings: ReportFinding[] } {
  if (isPgolfError(e)) {
    const paths = Array.isArray(e.details?.paths) ? (e.details!.paths as unknown[]).map(String) : e.file ? [e.file] : [];
    return {
      verdict: REFUSALS.has(e.code) ? "refused" : "error",
      findings: [{ kind: `PGOLF_${e.code}`, severity: "error", message: `${e.message}${e.fix ? `. Fix: ${e.fix}` : ""}`, evidence: paths.slice(0, 50).map((file) => ({ file })) }],
    };
  }
  return { verdict: "error", findings: [{ kind: "internal", severity: "error", message: `the server failed: ${(e as Error)?.message ?? String(e)}` }] };
}

/** Text from a pull request, made inert in Markdown: no mentions, no HTML, no breaking out of code. */
function inert(s: string, max = 500): string {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return t
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@\u200b")
    .replace(/([\\`*_[\]|#~])/g, "\\$1");
}

const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/[\r\n]+/g, " ").slice(0, 200)}\``;

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

const HEADLINES: Record<Verdict, string> = {
  pass: "The record folder passes the checks.",
  fail: "The record folder does not pass the checks.",
  refused: "This pull request cannot be checked as a record.",
  error: "The check could not run; it will be retried on the next push.",
  pending: "Checking the record folder…",
};

const STATES: Record<Verdict, StatusState> = { pass: "success", fail: "failure", refused: "failure", error: "error", pending: "pending" };

/** The comment body and commit status for findings under a verdict; `record` adds the score summary. */
export function formatReport(findings: ReportFinding[], verdict: Verdict, ctx: { record?: CheckedRecord; folder?: string; headSha?: string } = {}): Report {
  const errors = findings.filter((f) => f.severity === "error");
  const warnings = findings.filter((f) => f.severity === "warning");
  const r = ctx.record;
  const score = r?.val_bpb != null ? `val_bpb ${r.val_bpb.toFixed(5)} over ${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"}` : null;
  const count = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  let description: string;
  if (verdict === "pass") description = `Record check passed${score ? `: ${score}` : ""}${warnings.length ? `, ${count(warnings.length, "warning")}` : ""}`;
  else if (verdict === "fail") description = `Record check failed: ${count(errors.length, "error")}${errors[0] ? ` (${errors[0].kind}: ${errors[0].message})` : ""}`;
  else if (verdict === "refused") description = `Refused: ${errors[0]?.message ?? "not a record pull request"}`;
  else if (verdict === "error") description = `Check could not run: ${errors[0]?.message ?? "server error"}`;
  else description = HEADLINES.pending;

  const lines = [REPORT_MARKER, `### pgolf record check: ${verdict === "pass" ? "✅ passed" : verdict === "pending" ? "⏳ running" : verdict === "error" ? "⚠️ error" : "❌ " + (verdict === "fail" ? "failed" : "refused")}`, "", HEADLINES[verdict], ""];
  if (ctx.folder || ctx.headSha || r) {
    lines.push("| | |", "|---|---|");
    if (ctx.folder) lines.push(`| folder | ${code(ctx.folder)} |`);
    if (ctx.headSha) lines.push(`| commit | ${code(ctx.headSha)} |`);
    if (r?.track) lines.push(`| track | ${inert(r.track, 60)} |`);
    if (r?.name) lines.push(`| name | ${inert(r.name, 120)} |`);
    if (r?.author) lines.push(`| author | ${inert(r.author, 80)} |`);
    if (score) lines.push(`| score (from the logs) | ${score}${r?.val_bpb_std != null ? `, std ${r.val_bpb_std.toFixed(5)}` : ""} |`);
    if (r?.claimed_val_bpb != null) lines.push(`| claimed val_bpb | ${r.claimed_val_bpb} |`);
    lines.push("");
  }
  const section = (title: string, list: ReportFinding[]) => {
    if (!list.length) return;
    lines.push(`#### ${title}`, "");
    for (const f of list.slice(0, 50)) {
      const ev = (f.evidence ?? []).slice(0, 10).map((e) => code(`${e.file}${e.line ? `:${e.line}` : ""}`));
      lines.push(`- **${inert(f.kind, 60)}**: ${inert(f.message, 800)}${ev.length ? ` (${ev.join(", ")})` : ""}`);
    }
    if (list.length > 50) lines.push(`- …and ${list.length - 50} more`);
    lines.push("");
  };
  section("Errors", errors);
  section("Warnings", warnings);
  if (!findings.length && verdict !== "pending") lines.push("No findings.", "");
  return { body: lines.join("\n"), status: { state: STATES[verdict], description: truncate(description.replace(/\s+/g, " "), 140) } };
}

// ---------- one webhook event, end to end ----------

export interface ReviewOptions {
  /** Downloads go to a fresh folder under workDir; a passing record's folder is kept, others are removed. */
  workDir: string;
  limits?: Partial<IntakeLimits>;
  prior?: NormalizedRecord[];
  targetUrl?: string;
  /** Default STATUS_CONTEXT. */
  context?: string;
}

export interface ReviewResult {
  verdict: Verdict;
  findings: ReportFinding[];
  report: Report;
  /** The kept record folder (verdict "pass" only). */
  dir: string | null;
  intake: IntakeResult | null;
  comment: { id: number; html_url: string | null };
}

/** Pending status, intake, then the final status and a comment on the pull request. */
export async function reviewPullRequest(client: GitHubClient, pr: PullRequestRef, opts: ReviewOptions): Promise<ReviewResult> {
  const context = opts.context ?? STATUS_CONTEXT;
  const status = (s: Report["status"]): CommitStatus => ({ ...s, context, ...(opts.targetUrl ? { target_url: opts.targetUrl } : {}) });
  await client.createStatus(pr.repo, pr.headSha, status(formatReport([], "pending").status));
  fs.mkdirSync(opts.workDir, { recursive: true });
  const destDir = fs.mkdtempSync(path.join(opts.workDir, `pr${pr.number}-${pr.headSha.slice(0, 12)}-`));
  let intake: IntakeResult | null = null;
  let verdict: Verdict;
  let findings: ReportFinding[];
  try {
    intake = await fetchRecordFromPullRequest(client, pr, destDir, opts.limits, opts.prior);
    findings = intake.findings;
    verdict = intake.checked.passes ? "pass" : "fail";
  } catch (e) {
    ({ verdict, findings } = errorFindings(e));
  }
  const report = formatReport(findings, verdict, { record: intake?.checked, folder: intake?.folder.path, headSha: pr.headSha });
  if (verdict !== "pass") fs.rmSync(destDir, { recursive: true, force: true });
  await client.createStatus(pr.repo, pr.headSha, status(report.status));
  const comment = await client.createComment(pr.repo, pr.number, report.body);
  return { verdict, findings, report, dir: verdict === "pass" ? intake!.dir : null, intake, comment };
}
