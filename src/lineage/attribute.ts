// One submission against the index of earlier ones: what it reuses and from whom (`inferred`),
// what is new (`novel`), and the credit findings. `inferred` reads code and earlier submissions
// only, never the submission's own README or submission.json.
//
// Boilerplate: fingerprints of the template, and those held by more than BOILERPLATE_SHARE of
// the earlier submissions (once there are BOILERPLATE_MIN_EARLIER of them). The rest is the
// submission's own code ("kept"); shares are shares of it, in fingerprints.
//
// Ranking (citation recovery@3 on the contest corpus, measured in bench/lineage_recovery.ts):
//   score(C) = idf(C) + ORIGIN_WEIGHT * origin(C) + CREDIT_WEIGHT * ln(1 + credits(C))
// idf(C): the kept fingerprints C also holds, each weighted ln(N / holders), over the total weight;
// origin(C): the same for the fingerprints C is the earliest holder of; credits(C): how many
// earlier submissions, of other authors and pull requests, credited C's pull request. Shared code
// alone tops out near 0.37 on the corpus; the origin and credit terms reward the submission that
// introduced code and that the field already built on, over the many forks that also hold it.
// Candidates share at least MIN_INFERRED_SHARE of the kept code; one per pull request (its best folder).
import { readConfined } from "../core/confined_read.js";
import type { Evidence } from "../submission/normalized_record.js";
import { authorKey, knownAuthor, namesAuthor, MAX_CODE_FILE_BYTES, type Submission } from "./corpus.js";
import type { IndexedSubmission, LineageIndex } from "./lineage_index.js";
import { unwrapSource } from "./unwrap.js";

export const BOILERPLATE_SHARE = 0.5;
export const BOILERPLATE_MIN_EARLIER = 20;
export const ORIGIN_WEIGHT = 0.3;
export const CREDIT_WEIGHT = 0.05;
export const MIN_INFERRED_SHARE = 0.02;
export const MAX_INFERRED = 10;
/** A fragment is substantial for uncredited-reuse from this many fingerprints (about as many lines of code) ... */
export const MIN_FRAGMENT_FINGERPRINTS = 16;
/** ... spanning this many lines of the submission. */
export const MIN_FRAGMENT_LINES = 12;
/**
 * uncredited-reuse counts only fingerprints held by at most this share of the earlier submissions
 * (and at most COMMON_MIN of them, whichever is more): code the field widely inherited is not one
 * submission's to claim, and flagging it named the same few sources hundreds of times.
 */
export const COMMON_SHARE = 0.025;
export const COMMON_MIN = 20;
/** A fragment's source holds at least this share of its fingerprints (the earliest such holder). */
export const SOURCE_COVERAGE = 0.75;
/** near-duplicate: the share of the kept code one earlier submission holds. */
export const NEAR_DUPLICATE_SHARE = 0.9;
/** credit-suggested: the share of kept code an undeclared source of another author must hold. */
export const SUGGEST_SHARE = 0.05;
/** Lines two fingerprints may be apart and still join one fragment. */
const JOIN_GAP_LINES = 3;

export interface Side {
  file: string;
  lines: [number, number];
}

export interface Fragment {
  /** The submission's side. */
  left: Side;
  /** The earlier submission's side (absent for novel code). */
  right?: Side;
  fingerprints: number;
}

export interface Inferred {
  id: string;
  /** Share of the submission's non-boilerplate code (fingerprints) this earlier submission also holds. */
  share: number;
  /** Ranking score (see the top of this file). */
  score: number;
  fragments: Fragment[];
}

export interface LineageEvidence extends Evidence {
  /** The submission the file belongs to. */
  submission: string;
  /** Last line of the quoted range. */
  endLine?: number;
}

export interface LineageFinding {
  kind: "uncredited-reuse" | "near-duplicate" | "credit-suggested";
  severity: "warning" | "info";
  message: string;
  evidence: LineageEvidence[];
  /** uncredited-reuse: the earliest submission holding the fragments. */
  source?: string;
  /** uncredited-reuse: the lines of this submission's code in the fragments. */
  lines?: number;
  /** credit-suggested: the line to add to the README. */
  credit?: string;
}

export interface SubmissionLineage {
  id: string;
  folder: string;
  date: string;
  author: string;
  pr: number | null;
  inferred: Inferred[];
  declared: string[];
  novel: { share: number; fingerprints: number; fragments: Fragment[] };
  findings: LineageFinding[];
  /** Fingerprints of the submission's own (non-boilerplate) code, and of all its code. */
  fingerprints: { kept: number; total: number };
  /** Packed blobs that were unwrapped, and those left packed. */
  unwrapped: { file: string; via: string }[];
  skipped: { file: string; line: number; reason: string }[];
}

export interface AttributeOptions {
  /** Quote files' lines in evidence (needs the folders on disk). Default true. */
  quote?: boolean;
  /** near-duplicate: whether `a` is significantly better than `b` (the caller's significance rule). */
  betterThan?: (a: IndexedSubmission, b: IndexedSubmission) => boolean;
  /** The lines of a submission's analysed file (virtual `x.py#1` too), for quotes; default: read (and unwrap) from its folder. */
  textOf?: (sub: Submission, file: string) => string[] | null;
}

/** Joins fingerprint hits (in the submission's order) into fragments. */
function joinFragments(hits: { lf: string; ls: number; le: number; rf?: string; rs?: number; re?: number }[]): Fragment[] {
  const out: Fragment[] = [];
  for (const h of hits) {
    const prev = out[out.length - 1];
    const joins =
      prev &&
      prev.left.file === h.lf &&
      h.ls <= prev.left.lines[1] + JOIN_GAP_LINES &&
      h.ls >= prev.left.lines[0] &&
      (h.rf === undefined || (prev.right !== undefined && prev.right.file === h.rf && h.rs! <= prev.right.lines[1] + JOIN_GAP_LINES && h.rs! >= prev.right.lines[0] - JOIN_GAP_LINES));
    if (joins) {
      prev.left.lines[1] = Math.max(prev.left.lines[1], h.le);
      if (prev.right) {
        prev.right.lines[0] = Math.min(prev.right.lines[0], h.rs!);
        prev.right.lines[1] = Math.max(prev.right.lines[1], h.re!);
      }
      prev.fingerprints++;
    } else {
      out.push({ left: { file: h.lf, lines: [h.ls, h.le] }, ...(h.rf !== undefined ? { right: { file: h.rf, lines: [h.rs!, h.re!] } } : {}), fingerprints: 1 });
    }
  }
  return out;
}

const bySize = (a: Fragment, b: Fragment): number => b.fingerprints - a.fingerprints || a.left.lines[0] - b.left.lines[0];

/** Every occurrence of each hash in a submission's print, in order. */
function occurrences(e: IndexedSubmission): Map<number, number[]> {
  const m = new Map<number, number[]>();
  const h = e.print.hash;
  for (let i = 0; i < h.length; i++) {
    const l = m.get(h[i]);
    if (l) l.push(i);
    else m.set(h[i], [i]);
  }
  return m;
}

const fileCache = new Map<string, string[]>();
function fileLines(sub: Submission, name: string): string[] | null {
  const key = `${sub.dir}\u0000${name}`;
  const hit = fileCache.get(key);
  if (hit) return hit;
  let lines: string[];
  try {
    const real = name.replace(/#\d+$/, "");
    const text = readConfined(sub.dir, real, MAX_CODE_FILE_BYTES).toString("utf8");
    // unwrapped code: unwrapping again gives the same virtual files (it is deterministic)
    const found = real === name ? text : unwrapSource(real, text).files.find((f) => f.name === name)?.text;
    if (found === undefined) return null;
    lines = found.split("\n");
  } catch {
    return null;
  }
  if (fileCache.size > 256) fileCache.clear();
  fileCache.set(key, lines);
  return lines;
}

type TextOf = (sub: Submission, file: string) => string[] | null;

function quote(read: TextOf, sub: Submission, side: Side, maxLines = 12): string {
  const lines = read(sub, side.file);
  if (!lines) return "";
  const [a, b] = side.lines;
  const body = lines.slice(a - 1, Math.min(b, a - 1 + maxLines)).join("\n");
  return b - a + 1 > maxLines ? `${body}\n… (${b - a + 1 - maxLines} more lines)` : body;
}

/** Evidence for one side of a fragment; `read` quotes its lines, or null leaves them out. */
function evidenceOf(sub: Submission, side: Side, read: TextOf | null): LineageEvidence {
  return { submission: sub.id, file: side.file, line: side.lines[0], endLine: side.lines[1], ...(read ? { text: quote(read, sub, side) } : {}) };
}

function prLabel(sub: Submission): string {
  return sub.pr !== null ? `PR #${sub.pr}` : sub.id;
}

/**
 * The earliest of some ordinals by date (then by ordinal). Ordinals are in date order when a corpus
 * is analysed; a server's index may gain an older submission late (re-indexed from its pack).
 */
function earliest(index: LineageIndex, ordinals: readonly number[]): number {
  let best = ordinals[0];
  for (const o of ordinals) if (index.entries[o].sub.time < index.entries[best].sub.time) best = o;
  return best;
}

/** Analyses `entry` (not yet in the index) against every submission in `index`. */
export function attribute(index: LineageIndex, entry: IndexedSubmission, opts: AttributeOptions = {}): SubmissionLineage {
  const quoteIt: TextOf | null = (opts.quote ?? true) ? (opts.textOf ?? fileLines) : null;
  const sub = entry.sub;
  const n = index.size;
  const me = authorKey(sub);
  const eligible = (o: number): boolean => {
    const c = index.entries[o].sub;
    if (c.time > sub.time) return false; // a saved index may hold later submissions; NaN (no date) compares false
    // pull request numbers are given as PRs open: a later-opened one is no source, whatever its dates say
    if (sub.pr !== null && c.pr !== null && c.pr > sub.pr) return false;
    return c.id !== sub.id && c.dir !== sub.dir && c.id !== index.template && !(sub.pr !== null && c.pr === sub.pr);
  };
  const print = entry.print;
  // kept: the submission's own code, first occurrence of each non-boilerplate hash
  const seen = new Set<number>();
  const kept: number[] = []; // indexes into print
  for (let i = 0; i < print.hash.length; i++) {
    const h = print.hash[i];
    if (seen.has(h)) continue;
    seen.add(h);
    if (index.templateHashes.has(h)) continue;
    if (n >= BOILERPLATE_MIN_EARLIER && index.holders(h).length > BOILERPLATE_SHARE * n) continue;
    kept.push(i);
  }
  const idf = new Map<number, number>();
  const origin = new Map<number, number>();
  const count = new Map<number, number>();
  const novelHits: { lf: string; ls: number; le: number }[] = [];
  let wsum = 0;
  const holdersOf: (readonly number[])[] = [];
  for (const i of kept) {
    const hs = index.holders(print.hash[i]).filter(eligible);
    holdersOf.push(hs);
    const w = Math.log((n + 1) / (hs.length + 1));
    wsum += w;
    if (!hs.length) {
      novelHits.push({ lf: print.files[print.file[i]].name, ls: print.start[i], le: print.end[i] });
      continue;
    }
    for (const o of hs) {
      idf.set(o, (idf.get(o) ?? 0) + w);
      count.set(o, (count.get(o) ?? 0) + 1);
    }
    const first = earliest(index, hs);
    origin.set(first, (origin.get(first) ?? 0) + w);
  }
  // rank, one candidate per pull request
  const best = new Map<string, { o: number; score: number; share: number }>();
  for (const [o, w] of idf) {
    const share = count.get(o)! / kept.length;
    if (share < MIN_INFERRED_SHARE) continue;
    const c = index.entries[o].sub;
    const score = w / wsum + (ORIGIN_WEIGHT * (origin.get(o) ?? 0)) / wsum + CREDIT_WEIGHT * Math.log1p(index.creditsOf(c));
    const key = c.pr !== null ? `pr:${c.pr}` : `id:${c.id}`;
    const cur = best.get(key);
    if (!cur || score > cur.score || (score === cur.score && o > cur.o)) best.set(key, { o, score, share });
  }
  const ranked = [...best.values()].sort((a, b) => b.score - a.score || b.o - a.o).slice(0, MAX_INFERRED);
  const fragmentsWith = (o: number, only?: (k: number) => boolean): Fragment[] => {
    const other = index.entries[o];
    const op = other.print;
    const at = occurrences(other);
    const hits = [];
    let last = -1; // the other side's previous match: a repeated k-gram matches the occurrence after it
    for (let k = 0; k < kept.length; k++) {
      const i = kept[k];
      const js = at.get(print.hash[i]);
      if (js === undefined || (only && !only(k))) continue;
      const j = js.find((x) => x > last) ?? js[0];
      last = j;
      hits.push({ lf: print.files[print.file[i]].name, ls: print.start[i], le: print.end[i], rf: op.files[op.file[j]].name, rs: op.start[j], re: op.end[j] });
    }
    return joinFragments(hits).sort(bySize);
  };
  const inferred: Inferred[] = ranked.map((r) => ({ id: index.entries[r.o].sub.id, share: round(r.share), score: round(r.score), fragments: fragmentsWith(r.o).slice(0, 5) }));

  const declared = new Set(entry.declared);
  const declaredOrdinals = new Set(entry.declared.map((id) => index.byId.get(id)).filter((o): o is number => o !== undefined));
  const findings: LineageFinding[] = [];
  // uncredited-reuse: runs of the submission's code held earlier, but by no submission it credits
  // (by number, link, folder or its author's name), none of its author's own, and not common code;
  // each run's source is another named author's submission
  const common = Math.max(COMMON_MIN, COMMON_SHARE * n);
  const creditText = entry.creditText ?? "";
  const named = new Map<string, boolean>(); // author key -> named in the credits
  const credited = (o: number): boolean => {
    const s = index.entries[o].sub;
    const k = authorKey(s);
    if (!named.has(k)) named.set(k, knownAuthor(s) && namesAuthor(creditText, s));
    return named.get(k)!;
  };
  // 1. the kept positions that are candidates: held earlier, by no credited or own submission, not common
  const candidate = new Set<number>();
  if (knownAuthor(sub)) {
    holdersOf.forEach((hs, k) => {
      if (!hs.length || hs.length > common) return;
      if (hs.some((o) => declaredOrdinals.has(o) || authorKey(index.entries[o].sub) === me || credited(o))) return;
      candidate.add(k);
    });
  }
  // 2. runs of them in the submission; 3. each substantial run's source: the earliest holder of at
  // least SOURCE_COVERAGE of its fingerprints (the earliest partial holder is often a structural
  // match of a few lines), or the one holding most; then the findings by source
  const runs: number[][] = [];
  for (let k = 0; k < kept.length; k++) {
    if (!candidate.has(k)) continue;
    const i = kept[k];
    const last = runs[runs.length - 1];
    const prev = last ? kept[last[last.length - 1]] : -1;
    if (last && print.file[prev] === print.file[i] && print.start[i] <= print.end[prev] + JOIN_GAP_LINES && print.start[i] >= print.start[prev]) last.push(k);
    else runs.push([k]);
  }
  const bySource = new Map<number, Set<number>>(); // source ordinal -> kept positions
  for (const run of runs) {
    const lines = print.end[kept[run[run.length - 1]]] - print.start[kept[run[0]]] + 1;
    if (run.length < MIN_FRAGMENT_FINGERPRINTS || lines < MIN_FRAGMENT_LINES) continue;
    const cover = new Map<number, number>();
    for (const k of run) for (const o of holdersOf[k]) cover.set(o, (cover.get(o) ?? 0) + 1);
    const full = [...cover].filter(([, c]) => c >= SOURCE_COVERAGE * run.length).map(([o]) => o);
    const source = full.length ? earliest(index, full) : [...cover].sort((a, b) => b[1] - a[1] || index.entries[a[0]].sub.time - index.entries[b[0]].sub.time)[0][0];
    const src = index.entries[source].sub;
    if (authorKey(src) === me || !knownAuthor(src)) continue;
    // the source says it took this from the submitter's own earlier work: no claim against them
    if (index.entries[source].declared.some((id) => index.byId.has(id) && authorKey(index.entries[index.byId.get(id)!].sub) === me)) continue;
    let set = bySource.get(source);
    if (!set) bySource.set(source, (set = new Set()));
    for (const k of run) if (holdersOf[k].includes(source)) set.add(k);
  }
  for (const [o, ks] of bySource) {
    const frags = fragmentsWith(o, (k) => ks.has(k)).filter((f) => f.fingerprints >= MIN_FRAGMENT_FINGERPRINTS && f.left.lines[1] - f.left.lines[0] + 1 >= MIN_FRAGMENT_LINES);
    if (!frags.length) continue;
    const src = index.entries[o].sub;
    const lines = frags.reduce((a, f) => a + f.left.lines[1] - f.left.lines[0] + 1, 0);
    const unresolved = entry.unresolved ?? [];
    findings.push({
      kind: "uncredited-reuse",
      // a credit to a pull request the index does not hold may be the one: a reviewer looks, no warning
      severity: unresolved.length ? "info" : "warning",
      source: src.id,
      lines,
      message: `${lines} lines in ${frags.length} fragment${frags.length === 1 ? "" : "s"} match ${prLabel(src)} (${src.folder}, by ${src.author || "unknown"}), the earliest submission holding them, which this submission does not credit${unresolved.length ? ` (it cites ${unresolved.map((p) => `PR #${p}`).join(", ")}, not among the analysed submissions, which may hold them first)` : ""}`,
      evidence: frags.slice(0, 3).flatMap((f) => [evidenceOf(sub, f.left, quoteIt), evidenceOf(src, f.right!, quoteIt)]),
    });
  }
  findings.sort((a, b) => b.evidence.length - a.evidence.length);

  // near-duplicate: one earlier submission holds almost all of the kept code
  let top: { o: number; share: number } | null = null;
  for (const [o, c] of count) {
    const share = c / Math.max(1, kept.length);
    if (!top || share > top.share || (share === top.share && o < top.o)) top = { o, share };
  }
  if (top && kept.length >= MIN_FRAGMENT_FINGERPRINTS && top.share >= NEAR_DUPLICATE_SHARE) {
    const other = index.entries[top.o];
    const better = opts.betterThan?.(entry, other) ?? false;
    if (!better) {
      const f = fragmentsWith(top.o)[0];
      findings.push({
        kind: "near-duplicate",
        severity: "warning",
        source: other.sub.id,
        message: `${Math.round(top.share * 100)}% of this submission's own code matches ${prLabel(other.sub)} (${other.sub.folder}, by ${other.sub.author || "unknown"}), and its score is not significantly better (${fmtScore(entry)} against ${fmtScore(other)})`,
        evidence: f ? [evidenceOf(sub, f.left, quoteIt), evidenceOf(other.sub, f.right!, quoteIt)] : [],
      });
    }
  }

  // credit-suggested: strong undeclared sources by other authors
  for (const inf of inferred.slice(0, 3)) {
    const o = index.byId.get(inf.id)!;
    const src = index.entries[o].sub;
    if (inf.share < SUGGEST_SHARE || declared.has(src.id) || (src.pr !== null && [...declaredOrdinals].some((d) => index.entries[d].sub.pr === src.pr))) continue;
    if (authorKey(src) === me || credited(o)) continue;
    const credit = `On ${prLabel(src)}: ${src.folder.split("/").pop()} by ${src.author || "unknown"} (${Math.round(inf.share * 100)}% of this submission's own code matches it)`;
    findings.push({
      kind: "credit-suggested",
      severity: "info",
      source: src.id,
      credit,
      message: `add the credit line "${credit}"`,
      evidence: inf.fragments.slice(0, 1).flatMap((f) => [evidenceOf(sub, f.left, quoteIt), evidenceOf(src, f.right!, quoteIt)]),
    });
  }

  const novelFrags = joinFragments(novelHits).sort(bySize);
  return {
    id: sub.id,
    folder: sub.folder,
    date: sub.date,
    author: sub.author,
    pr: sub.pr,
    inferred,
    declared: [...declared],
    novel: { share: round(novelHits.length / Math.max(1, kept.length)), fingerprints: novelHits.length, fragments: novelFrags.slice(0, 10) },
    findings,
    fingerprints: { kept: kept.length, total: print.hash.length },
    unwrapped: print.files.filter((f) => f.via).map((f) => ({ file: f.name, via: f.via! })),
    skipped: print.skipped,
  };
}

function fmtScore(e: IndexedSubmission): string {
  return e.score.valBpb === null ? "no score declared" : `val_bpb ${e.score.valBpb}`;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
