// `pgolf leaderboard build RECORDS --out DIR`: from record folders alone, the leaderboard as JSON
// (leaderboard.json), as the original contest's Markdown table (leaderboard.md) and as a static
// website (index.html, lineage.html, records/*.html, assets/). Reading and checking are the
// submission layer's (read_record.ts, check.ts); planning the files is pure (leaderboardOf,
// leaderboardMarkdown, siteFiles); this file only writes them, each atomically. Record pages of an
// earlier build that no longer match a record are removed.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { analyzeLineage, type LineageReport } from "../lineage/lineage.js";
import { checkRecords } from "../submission/check.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { findRecords, readRecord } from "../submission/read_record.js";
import type { Reproduction } from "../submission/reproduction.js";
import { leaderboardOf, type Leaderboard, type RecordsRoot } from "./leaderboard.js";
import { leaderboardMarkdown } from "./markdown.js";
import { siteFiles, type SiteFile } from "./site.js";

export interface BuildOptions {
  /** The output folder (created when missing). */
  out: string;
  /** The build time written into leaderboard.json (default: now). */
  now?: Date;
}

export interface BuildResult {
  root: string;
  out: string;
  /** Files written, relative to out. */
  files: string[];
  /** Stale record pages removed, relative to out. */
  removed: string[];
  summary: Leaderboard["summary"];
  tracks: { name: string; records: number; ranked: number; frontier: number; best: { id: string; val_bpb: number } | null }[];
}

/**
 * Every file of a build, planned from normalized records (no file system access). A hosted contest
 * passes its fleet's reproductions (by record id): those records are scored on the reproduced runs.
 */
export function planLeaderboard(records: NormalizedRecord[], root: RecordsRoot, now?: Date, reproductions?: Map<string, Reproduction>, lineage?: LineageReport): { leaderboard: Leaderboard; files: SiteFile[] } {
  const lb = leaderboardOf(records, checkRecords(records, { reproductions }), { root, now, hosted: reproductions !== undefined });
  const files = [
    { path: "leaderboard.json", content: JSON.stringify(lb, null, 2) + "\n" },
    { path: "leaderboard.md", content: leaderboardMarkdown(lb) + "\n" },
    ...siteFiles(lb, records, root, lineage),
  ];
  return { leaderboard: lb, files };
}

/** Writes planned files under out, each atomically; removes record pages no longer planned. */
export async function writeSite(out: string, files: SiteFile[]): Promise<{ written: string[]; removed: string[] }> {
  const abs = path.resolve(out);
  if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) {
    throw new PgolfError("FILE_EXISTS", "the output path is a file, not a folder", { file: abs, fix: "pass --out a folder (it is created when missing)" });
  }
  for (const f of files) await writeFileAtomic(path.join(abs, f.path), f.content);
  const planned = new Set(files.map((f) => f.path));
  const removed: string[] = [];
  const recordsDir = path.join(abs, "records");
  for (const name of fs.existsSync(recordsDir) ? fs.readdirSync(recordsDir) : []) {
    const rel = `records/${name}`;
    if (name.endsWith(".html") && !planned.has(rel)) {
      fs.rmSync(path.join(recordsDir, name), { force: true });
      removed.push(rel);
    }
  }
  return { written: files.map((f) => f.path), removed };
}

/** Reads every record under root, checks them, and writes the leaderboard into options.out. */
export async function buildLeaderboard(root: string, options: BuildOptions): Promise<BuildResult> {
  const dirs = findRecords(root);
  if (dirs.length === 0) {
    throw new PgolfError("FILE_NOT_FOUND", "no record folders found", { file: path.resolve(root), fix: "pass a folder of record folders (each with submission.json and its training logs)" });
  }
  const records = dirs.map(readRecord);
  // who built on whom, measured from the records' code (records without code simply get no edges)
  const lineage = await analyzeLineage(path.resolve(root));
  const { leaderboard: lb, files } = planLeaderboard(records, path.resolve(root), options.now, undefined, lineage);
  const { written, removed } = await writeSite(options.out, files);
  return {
    root: path.resolve(root),
    out: path.resolve(options.out),
    files: written,
    removed,
    summary: lb.summary,
    tracks: lb.tracks.map((t) => {
      const best = t.records.find((e) => e.rank === 1);
      return { name: t.name, records: t.records.length, ranked: t.records.filter((e) => e.rank !== null).length, frontier: t.frontier.length, best: best ? { id: best.id, val_bpb: best.val_bpb! } : null };
    }),
  };
}
