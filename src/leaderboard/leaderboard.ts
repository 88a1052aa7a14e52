// The leaderboard: per track, the records ranked by their normalized score, their findings summed up,
// and the frontier over time. A pure function of the normalized records and their check results
// (submission/check.ts); everything written (leaderboard.json, leaderboard.md, the site) is drawn
// from it.
//
// Ranking: a record is ranked when it passes the checks (no error finding; on a record track that
// means it started or entered the frontier at its submission time) and has a score; ranks go by
// mean val_bpb, lowest first. The other records follow unranked, also by score, so nothing is hidden.
import * as path from "node:path";
import { TRACKS } from "../core/track.js";
import type { CheckedRecord, Finding, SeedResultView } from "../submission/check.js";
import { isRecordTrack } from "../submission/check.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { slug } from "./html.js";

export const LEADERBOARD_SCHEMA = "pgolf-leaderboard/1";

/** The track name records without a known track are listed under. */
export const UNKNOWN_TRACK = "unknown";

export interface FrontierState {
  outcome: NonNullable<CheckedRecord["frontier"]>["outcome"];
  /** The SOTA it was judged against. */
  against: string | null;
  p_one_sample: number | null;
  p_welch: number | null;
  /** Started or entered the frontier. */
  member: boolean;
}

export interface LeaderboardEntry {
  /** 1-based among the ranked records of the track; null when unranked. */
  rank: number | null;
  id: string;
  /** The record folder, relative to the records root ("/"-separated). */
  folder: string;
  /** The record's page, relative to the site root. */
  page: string;
  track: string;
  format: NormalizedRecord["format"];
  name: string | null;
  author: string | null;
  github_id: string | null;
  summary: string | null;
  date: string | null;
  /** Mean over the scored seeds of the logs, bits per byte. */
  val_bpb: number | null;
  val_bpb_std: number | null;
  val_loss: number | null;
  claimed_val_bpb: number | null;
  /** The largest total (model + code) any log gives, else the JSON's claim. */
  bytes_total: number | null;
  seeds: SeedResultView[];
  passes: boolean;
  /** One phrase for people: "entered the frontier", "not significant", "has errors", ... */
  status: string;
  frontier: FrontierState | null;
  findingsSummary: { errors: number; warnings: number; kinds: Record<string, number> };
  findings: Finding[];
  parents: string[];
  techniques: string[];
  /**
   * Hosted contests: what the fleet reproduced (then val_bpb, std, seeds and bytes are the
   * reproduced numbers and logs_val_bpb is the logs' mean); null when nothing was reproduced.
   */
  reproduction: { runs: number; seeds: number; workers: string[]; logs_val_bpb: number | null } | null;
}

export interface FrontierPoint {
  id: string;
  date: string;
  val_bpb: number;
  /** The SOTA it displaced (null: it started the track's frontier). */
  previous: string | null;
}

export interface TrackBoard {
  name: string;
  summary: string | null;
  maxBytes: number | null;
  /** A track with a frontier (not the non-record track, not unknown). */
  recordTrack: boolean;
  /** Ranked records first (by rank), then the unranked ones by score, unscored last. */
  records: LeaderboardEntry[];
  /** The frontier over time, in submission order. */
  frontier: FrontierPoint[];
  /** Every dated record in submission order, with its frontier outcome. */
  timeline: { id: string; date: string; outcome: FrontierState["outcome"] | null }[];
}

export interface Leaderboard {
  schema: typeof LEADERBOARD_SCHEMA;
  generatedAt: string;
  root: string;
  /** Built by a contest server, whose fleet reproduces records (scores are the reproduced ones). */
  hosted: boolean;
  tracks: TrackBoard[];
  summary: { records: number; ranked: number; passing: number; findings: number };
}

function status(c: CheckedRecord): string {
  switch (c.frontier?.outcome) {
    case "started":
      return "started the frontier";
    case "entered":
      return "entered the frontier";
    case "not-significant":
      return "not significant";
    case "too-few-seeds":
      return "too few seeds";
    case "ineligible":
      return "has errors";
  }
  if (c.val_bpb === null) return "no scored seed";
  if (isRecordTrack(c.track) && !c.date) return "undated";
  return c.passes ? "passes" : "has errors";
}

function bytesOf(r: NormalizedRecord): number | null {
  const totals = r.logs
    .map((l) => l.bytesTotal?.value ?? (l.bytesModel && l.bytesCode ? l.bytesModel.value + l.bytesCode.value : null))
    .filter((x): x is number => x !== null);
  return totals.length > 0 ? Math.max(...totals) : (r.claims.bytes_total?.value ?? null);
}

const byScore = (a: LeaderboardEntry, b: LeaderboardEntry) =>
  (a.val_bpb ?? Infinity) - (b.val_bpb ?? Infinity) || (a.date ?? "9999").localeCompare(b.date ?? "9999") || a.id.localeCompare(b.id);

/**
 * Where a board's records were read from: a folder (`pgolf leaderboard build ROOT`), or several under
 * a label (a contest server: its organizers' records and its approved submissions). The label is what
 * the board shows: a server's folders are its own business (leaderboard.json named its data folder).
 */
export type RecordsRoot = string | { label: string; dirs: string[] };

/** What a board shows as its root. */
export function rootLabel(root: RecordsRoot): string {
  return typeof root === "string" ? root : root.label;
}

/**
 * A record folder relative to the root that holds it, "/"-separated ("." when the root is the
 * record); a folder under no root is shown by its own name only, never by its path.
 */
export function folderOf(root: RecordsRoot, dir: string): string {
  for (const r of typeof root === "string" ? [root] : root.dirs) {
    const rel = path.relative(path.resolve(r), dir);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) return rel.split(path.sep).join("/") || ".";
  }
  return path.basename(dir);
}

/** Record pages by record folder: `records/<slug of its id>.html`, unique even when two slugs collide. */
export function recordPages(records: { dir: string; id: string }[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const { dir, id } of records) {
    const base = slug(id);
    let s = base;
    for (let i = 2; used.has(s.toLowerCase()); i++) s = `${base}-${i}`;
    used.add(s.toLowerCase());
    out.set(dir, `records/${s}.html`);
  }
  return out;
}

/** Builds the leaderboard from records and their check results (`checkRecords(records)`). */
export function leaderboardOf(records: NormalizedRecord[], checked: CheckedRecord[], options: { root: RecordsRoot; now?: Date; hosted?: boolean }): Leaderboard {
  const byDir = new Map(records.map((r) => [r.dir, r]));
  const pages = recordPages(checked);
  const entries: LeaderboardEntry[] = checked.map((c) => {
    const r = byDir.get(c.dir);
    const errors = c.findings.filter((f) => f.severity === "error").length;
    const kinds: Record<string, number> = {};
    for (const f of c.findings) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    const fr = c.frontier;
    return {
      rank: null,
      id: c.id,
      folder: folderOf(options.root, c.dir),
      page: pages.get(c.dir)!,
      track: c.track ?? UNKNOWN_TRACK,
      format: c.format,
      name: c.name,
      author: c.author,
      github_id: r?.github_id ?? null,
      summary: r?.summary ?? null,
      date: c.date,
      val_bpb: c.val_bpb,
      val_bpb_std: c.val_bpb_std,
      val_loss: c.val_loss,
      claimed_val_bpb: c.claimed_val_bpb,
      bytes_total: c.reproduction ? c.reproduction.bytes_total : r ? bytesOf(r) : null,
      seeds: c.seeds,
      passes: c.passes,
      status: status(c),
      frontier: fr ? { ...fr, member: fr.outcome === "started" || fr.outcome === "entered" } : null,
      findingsSummary: { errors, warnings: c.findings.length - errors, kinds },
      findings: c.findings,
      parents: r?.parents ?? [],
      techniques: r?.techniques ?? [],
      reproduction: c.reproduction ? { runs: c.reproduction.runs, seeds: c.reproduction.seeds.length, workers: c.reproduction.workers, logs_val_bpb: c.reproduction.logs_val_bpb } : null,
    };
  });

  const names = [...new Set(entries.map((e) => e.track))].sort((a, b) => {
    const order = (n: string) => (n === UNKNOWN_TRACK ? 1e9 : TRACKS[n] ? Object.keys(TRACKS).indexOf(n) : 1e6);
    return order(a) - order(b) || a.localeCompare(b);
  });
  const tracks = names.map((name): TrackBoard => {
    const mine = entries.filter((e) => e.track === name);
    const rankable = (e: LeaderboardEntry) => e.passes && e.val_bpb !== null && (!isRecordTrack(name) || e.frontier?.member === true);
    const ranked = mine.filter(rankable).sort(byScore);
    ranked.forEach((e, i) => (e.rank = i + 1));
    const rest = mine.filter((e) => !rankable(e)).sort(byScore);
    const dated = mine.filter((e) => e.date !== null).sort((a, b) => Date.parse(a.date!) - Date.parse(b.date!) || a.id.localeCompare(b.id));
    const t = TRACKS[name];
    return {
      name,
      summary: t?.summary ?? null,
      maxBytes: t?.maxBytes ?? null,
      recordTrack: isRecordTrack(name),
      records: [...ranked, ...rest],
      frontier: dated.filter((e) => e.frontier?.member).map((e) => ({ id: e.id, date: e.date!, val_bpb: e.val_bpb!, previous: e.frontier!.against })),
      timeline: dated.map((e) => ({ id: e.id, date: e.date!, outcome: e.frontier?.outcome ?? null })),
    };
  });
  return {
    schema: LEADERBOARD_SCHEMA,
    generatedAt: (options.now ?? new Date()).toISOString(),
    root: rootLabel(options.root),
    hosted: options.hosted ?? false,
    tracks,
    summary: {
      records: entries.length,
      ranked: entries.filter((e) => e.rank !== null).length,
      passing: entries.filter((e) => e.passes).length,
      findings: entries.reduce((a, e) => a + e.findings.length, 0),
    },
  };
}

/** Every entry of every track, in track order. */
export function allEntries(lb: Leaderboard): LeaderboardEntry[] {
  return lb.tracks.flatMap((t) => t.records);
}
