// `pgolf compare A B`: two scored runs or records, paired document by document. Each side's atlas
// (eval/atlas.ts: nats and bytes per validation document, written by the evaluator) is averaged over
// its seeds; the two sides must have scored the same documents of the same course. Then:
//   - the aggregate difference in val_bpb (B - A) with a bootstrap confidence interval over documents
//     (resampling documents, the ratio of sums recomputed each time);
//   - a paired t test on the per-document bpb differences (two-sided);
//   - where the bits went: the documents that gained and lost the most bits, and the difference per
//     token class (spaces, digits, capitalized, punctuation, rare tokens);
//   - with at least 2 seeds a side, the seed-level Welch test as well, for comparison, and how many
//     seeds the paired test needs: the paired test rerun on every k-subset of seed positions (seed i
//     of A with seed i of B) for k = 1..min(seeds), and the smallest k whose every subset shows the
//     full comparison's gain at alpha (same sign, p < alpha).
// Negative differences mean B is better (fewer bits per byte).
import ttest from "@stdlib/stats-ttest";
import ttest2 from "@stdlib/stats-ttest2";
import * as fs from "node:fs";
import * as path from "node:path";
import { confinedNames, fileSizeConfined, isMissing, lstatConfined, readConfinedIfExists } from "../core/confined_read.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { Rng } from "../core/random.js";
import { parseAtlas, readAtlas, type Atlas } from "../eval/atlas.js";
import { TOKEN_CLASS_NAMES, type TokenClass } from "../eval/token_classes.js";
import { readRecordFile, RECORD_FILE_LIMITS } from "./record_file.js";
import { readSeedRun } from "./seed_run.js";

export interface CompareOptions {
  /** Bootstrap resamples (default 2,000). */
  resamples?: number;
  /** Confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Seed of the bootstrap (default 1): the same inputs give the same interval. */
  seed?: number;
  /** Documents listed on each side of "where the bits went" (default 5). */
  top?: number;
  /** Also return every document's pair (per_document), for plots. */
  documents?: boolean;
  /** Significance level of `seeds_needed` (default 0.01, the record tracks' alpha). */
  alpha?: number;
}

/** The paired per-document test with `seeds` seeds a side, over every subset of that many seed positions. */
export interface SeedCountTest {
  seeds: number;
  /** k-subsets tried: C(min seeds, k). */
  subsets: number;
  /** The largest and smallest two-sided p over the subsets. */
  worst_p: number;
  best_p: number;
  /** Mean per-document Δbpb over the subsets' tests. */
  mean_delta_bpb: number;
  /** Every subset's mean has the full comparison's sign and p < alpha. */
  all_significant: boolean;
}

export interface CompareSide {
  path: string;
  kind: "seed" | "run" | "record" | "atlas";
  /** Seeds whose atlases were averaged, with their val_bpb where the run or record gives it. */
  seeds: { seed: number | null; val_bpb: number | null; atlas: string }[];
  /** The side's val_bpb over the compared documents: its total nats / ln 2 / total bytes. */
  val_bpb: number;
}

export interface DocumentDelta {
  index: number;
  first_target: number;
  bytes: number;
  bpb_a: number;
  bpb_b: number;
  /** Bits B spends on the document minus bits A spends (negative: B is better). */
  delta_bits: number;
}

export interface CompareResult {
  a: CompareSide;
  b: CompareSide;
  course: Atlas["course"];
  documents: number;
  targets: number;
  bytes: number;
  /** B - A over all compared documents, in bits per byte. */
  delta_bpb: number;
  bootstrap: { resamples: number; confidence: number; low: number; high: number; seed: number };
  /** Paired t test on per-document bpb differences (documents with bytes), two-sided. */
  paired: { documents: number; mean_delta_bpb: number; t: number; df: number; p: number; b_better_documents: number };
  /** Welch test on the seeds' val_bpb, when each side has at least 2 scored seeds. */
  seeds: { a: number[]; b: number[]; t: number; df: number; p: number } | null;
  /** The paired test by seed count (both sides with at least 2 seeds), and the fewest seeds a side whose every subset is significant at `alpha`. */
  by_seed_count: { alpha: number; tests: SeedCountTest[]; seeds_needed: number | null } | null;
  where: {
    gained: DocumentDelta[];
    lost: DocumentDelta[];
    classes: Record<TokenClass, { targets: number; bytes: number; bpb_a: number; bpb_b: number; delta_bits: number }>;
  };
  /** Every document that stands for bytes, when asked (CompareOptions.documents). */
  per_document?: DocumentDelta[];
}

const LN2 = Math.LN2;

function mismatch(problem: string, a: string, b: string): PgolfError {
  return new PgolfError("COMPARE_MISMATCH", `${a} and ${b}: ${problem}`, {
    file: b,
    fix: "compare runs scored on the same course over the same targets (the same --max-targets, or none)",
  });
}

/** The atlases of one side: a seed folder, a run folder (seed_<N>), a record folder, or an atlas file. */
function loadSide(p: string): { side: Omit<CompareSide, "val_bpb">; atlases: Atlas[] } {
  const noAtlas = (file: string) =>
    new PgolfError("ATLAS_INVALID", "this run has no atlas: it was scored before pgolf wrote atlases", {
      file,
      fix: "score its artifact again with `pgolf eval ENTRY --artifact FILE --atlas atlas.json` and compare the atlas files",
    });
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new PgolfError("FILE_NOT_FOUND", "nothing to compare here", { file: p, fix: "pass a run folder (runs/<entry>), a seed folder, a record folder or an atlas.json" });
  // an atlas file named on the command line is the user's own choice: read where it really is
  if (st.isFile()) return { side: { path: p, kind: "atlas", seeds: [{ seed: null, val_bpb: null, atlas: p }] }, atlases: [readAtlas(fs.realpathSync(p))] };
  const seedFolder = (dir: string) => {
    const r = readSeedRun(dir);
    if (!r.atlas) throw noAtlas(dir);
    return { seed: r.seed, val_bpb: r.val_bpb, atlas: r.atlas };
  };
  if (fileSizeConfined(p, "metrics.jsonl") !== null) {
    const s = seedFolder(p);
    return { side: { path: p, kind: "seed", seeds: [s] }, atlases: [readAtlas(s.atlas)] };
  }
  // a record folder: its submission.json and atlases are the participant's, read confined to the folder
  const submission = path.join(p, "submission.json");
  const subBytes = readConfinedIfExists(p, "submission.json", RECORD_FILE_LIMITS.json, "a submission JSON");
  if (subBytes !== null) {
    let sub: { seeds?: { seed: number; val_bpb: number; atlas?: unknown; atlas_sha256?: string }[] };
    try {
      sub = JSON.parse(subBytes.toString("utf8")) as typeof sub;
    } catch (e) {
      throw new PgolfError("RECORD_SCHEMA", `submission.json is not valid JSON: ${(e as Error).message}`, { file: submission, fix: "restore the record folder as it was written (`pgolf submit`)" });
    }
    const seeds = (Array.isArray(sub?.seeds) ? sub.seeds : []).map((s) => {
      if (typeof s?.atlas !== "string") throw noAtlas(submission);
      const rel = s.atlas;
      confinedNames(p, rel); // "..", absolute: refused as leading out of the folder
      if (!/^logs\/atlas_seed\d+\.json$/.test(rel)) {
        throw new PgolfError("RECORD_SCHEMA", `seed ${String(s.seed)}'s atlas is ${JSON.stringify(rel)}; a record's atlases are logs/atlas_seed<N>.json`, { file: submission, fix: "restore the record folder as it was written (`pgolf submit`)" });
      }
      const file = path.join(p, rel);
      let bytes: Buffer | null;
      try {
        bytes = readRecordFile(p, rel, "atlas");
      } catch (e) {
        if (!isMissing(e)) throw e;
        bytes = null;
      }
      // the bytes hashed are the bytes parsed: the atlas is read once
      if (bytes === null || sha256(bytes) !== s.atlas_sha256) {
        throw new PgolfError("RECORD_FILE", `${rel} does not match the sha256 submission.json gives it`, { file, fix: "restore the record folder as it was written (`pgolf submit`)" });
      }
      return { seed: s.seed, val_bpb: s.val_bpb, atlas: file, parsed: parseAtlas(bytes.toString("utf8"), file) };
    });
    if (seeds.length === 0) throw noAtlas(submission);
    return { side: { path: p, kind: "record", seeds: seeds.map(({ parsed: _parsed, ...s }) => s) }, atlases: seeds.map((s) => s.parsed) };
  }
  // seed folders: a seed_<N> that is a link (to another run's seed) is refused, not followed
  const seedDirs = fs
    .readdirSync(p)
    .filter((n) => /^seed_\d+$/.test(n) && lstatConfined(p, n)?.isDirectory() && fileSizeConfined(p, `${n}/metrics.jsonl`) !== null)
    .sort();
  if (seedDirs.length === 0) {
    throw new PgolfError("USAGE", "not a run, seed, record folder or atlas file", { file: p, fix: "pass runs/<entry>, runs/<entry>/seed_<N>, a record folder or an atlas.json" });
  }
  const seeds = seedDirs.map((n) => seedFolder(path.join(p, n)));
  return { side: { path: p, kind: "run", seeds }, atlases: seeds.map((s) => readAtlas(s.atlas)) };
}

/** Per-document nats averaged over the side's seeds; the seeds must have scored the same documents. */
function averaged(atlases: Atlas[], where: string): { atlas: Atlas; nats: Float64Array } {
  const first = atlases[0];
  const nats = new Float64Array(first.documents.nats.length);
  for (const a of atlases) {
    if (a.documents.nats.length !== nats.length || a.targets !== first.targets) throw mismatch("its seeds scored different documents", where, where);
    a.documents.nats.forEach((v, i) => (nats[i] += v / atlases.length));
  }
  return { atlas: first, nats };
}

const sameDocs = (x: Atlas, y: Atlas) =>
  x.targets === y.targets && x.documents.first_target.length === y.documents.first_target.length && x.documents.first_target.every((v, i) => v === y.documents.first_target[i] && x.documents.bytes[i] === y.documents.bytes[i]);

export function compareRuns(aPath: string, bPath: string, o: CompareOptions = {}): CompareResult {
  const A = loadSide(aPath);
  const B = loadSide(bPath);
  const a = averaged(A.atlases, aPath);
  const b = averaged(B.atlases, bPath);
  const ca = a.atlas.course;
  const cb = b.atlas.course;
  if (ca && cb && ca.manifest_sha256 !== cb.manifest_sha256) throw mismatch(`scored on different courses (${ca.name} ${ca.manifest_sha256.slice(0, 12)}…, ${cb.name} ${cb.manifest_sha256.slice(0, 12)}…)`, aPath, bPath);
  if (!sameDocs(a.atlas, b.atlas)) throw mismatch(`scored different targets (${a.atlas.targets} and ${b.atlas.targets} targets, ${a.atlas.documents.nats.length} and ${b.atlas.documents.nats.length} documents)`, aPath, bPath);

  const bytes = a.atlas.documents.bytes;
  const n = bytes.length;
  const totalBytes = bytes.reduce((s, v) => s + v, 0);
  const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
  const bpbA = sum(a.nats) / LN2 / totalBytes;
  const bpbB = sum(b.nats) / LN2 / totalBytes;

  // bootstrap over documents: the ratio of sums, resampled
  const resamples = o.resamples ?? 2000;
  const confidence = o.confidence ?? 0.95;
  const seed = o.seed ?? 1;
  const rng = new Rng(seed);
  const deltas = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let dn = 0;
    let by = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rng.uniform() * n);
      dn += b.nats[i] - a.nats[i];
      by += bytes[i];
    }
    deltas[r] = by > 0 ? dn / LN2 / by : 0;
  }
  deltas.sort();
  const q = (p: number) => deltas[Math.min(resamples - 1, Math.max(0, Math.floor(p * (resamples - 1))))];

  // paired test on per-document bpb (documents that stand for bytes)
  const docs: DocumentDelta[] = [];
  for (let i = 0; i < n; i++) {
    if (bytes[i] === 0) continue;
    docs.push({ index: i, first_target: a.atlas.documents.first_target[i], bytes: bytes[i], bpb_a: a.nats[i] / LN2 / bytes[i], bpb_b: b.nats[i] / LN2 / bytes[i], delta_bits: (b.nats[i] - a.nats[i]) / LN2 });
  }
  const diffs = docs.map((d) => d.bpb_b - d.bpb_a);
  const paired = pairedTest(diffs);

  const seedsA = A.side.seeds.map((s) => s.val_bpb).filter((v): v is number => v !== null);
  const seedsB = B.side.seeds.map((s) => s.val_bpb).filter((v): v is number => v !== null);
  let seeds: CompareResult["seeds"] = null;
  if (seedsA.length >= 2 && seedsB.length >= 2 && !(allSame(seedsA) && allSame(seedsB))) {
    const r = ttest2(seedsB, seedsA, { variance: "unequal" });
    seeds = { a: seedsA, b: seedsB, t: r.statistic, df: r.df, p: r.pValue };
  }
  const bySeedCount = A.atlases.length >= 2 && B.atlases.length >= 2 ? seedCountTests(A.atlases, B.atlases, bytes, Math.sign(bpbB - bpbA), o.alpha ?? 0.01) : null;

  const top = o.top ?? 5;
  const byDelta = [...docs].sort((x, y) => x.delta_bits - y.delta_bits);
  const classes = Object.fromEntries(
    TOKEN_CLASS_NAMES.map((c) => {
      const ta = avgClass(A.atlases, c);
      const tb = avgClass(B.atlases, c);
      return [c, { targets: ta.targets, bytes: ta.bytes, bpb_a: ta.bytes > 0 ? ta.nats / LN2 / ta.bytes : 0, bpb_b: tb.bytes > 0 ? tb.nats / LN2 / tb.bytes : 0, delta_bits: (tb.nats - ta.nats) / LN2 }];
    }),
  ) as CompareResult["where"]["classes"];

  return {
    a: { ...A.side, val_bpb: bpbA },
    b: { ...B.side, val_bpb: bpbB },
    course: ca ?? cb,
    documents: n,
    targets: a.atlas.targets,
    bytes: totalBytes,
    delta_bpb: bpbB - bpbA,
    bootstrap: { resamples, confidence, low: q((1 - confidence) / 2), high: q(1 - (1 - confidence) / 2), seed },
    paired,
    seeds,
    by_seed_count: bySeedCount,
    where: { gained: byDelta.slice(0, top).filter((d) => d.delta_bits < 0), lost: byDelta.slice(-top).reverse().filter((d) => d.delta_bits > 0), classes },
    ...(o.documents ? { per_document: docs } : {}),
  };
}

const allSame = (xs: number[]) => xs.every((x) => x === xs[0]);

/** Every k-element subset of 0..n-1, in lexicographic order. */
function subsets(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, cur: number[]) => {
    if (cur.length === k) return void out.push([...cur]);
    for (let i = start; i < n; i++) pick(i + 1, [...cur, i]);
  };
  pick(0, []);
  return out;
}

/** The paired per-document test rerun with k seeds a side (every subset of positions), k = 1..min. */
function seedCountTests(as: Atlas[], bs: Atlas[], bytes: number[], sign: number, alpha: number): NonNullable<CompareResult["by_seed_count"]> {
  const n = Math.min(as.length, bs.length);
  const tests: SeedCountTest[] = [];
  for (let k = 1; k <= n; k++) {
    const results = subsets(n, k).map((idx) => {
      const a = averaged(idx.map((i) => as[i]), "").nats;
      const b = averaged(idx.map((i) => bs[i]), "").nats;
      const diffs: number[] = [];
      for (let d = 0; d < bytes.length; d++) if (bytes[d] > 0) diffs.push((b[d] - a[d]) / LN2 / bytes[d]);
      return pairedTest(diffs);
    });
    tests.push({
      seeds: k,
      subsets: results.length,
      worst_p: Math.max(...results.map((r) => r.p)),
      best_p: Math.min(...results.map((r) => r.p)),
      mean_delta_bpb: results.reduce((s, r) => s + r.mean_delta_bpb, 0) / results.length,
      all_significant: sign !== 0 && results.every((r) => r.p < alpha && Math.sign(r.mean_delta_bpb) === sign),
    });
  }
  return { alpha, tests, seeds_needed: tests.find((t) => t.all_significant)?.seeds ?? null };
}

function avgClass(atlases: Atlas[], c: TokenClass): { targets: number; bytes: number; nats: number } {
  const t = atlases[0].classes[c];
  return { targets: t.targets, bytes: t.bytes, nats: atlases.reduce((s, x) => s + x.classes[c].nats, 0) / atlases.length };
}

/** Two-sided paired t test of the differences against 0 (identical sides: t 0, p 1). */
export function pairedTest(diffs: number[]): CompareResult["paired"] {
  const mean = diffs.reduce((s, v) => s + v, 0) / Math.max(1, diffs.length);
  const better = diffs.filter((d) => d < 0).length;
  if (diffs.length < 2 || allSame(diffs)) {
    const t = mean === 0 ? 0 : mean < 0 ? -Infinity : Infinity;
    return { documents: diffs.length, mean_delta_bpb: mean, t, df: Math.max(0, diffs.length - 1), p: mean === 0 || diffs.length < 2 ? 1 : 0, b_better_documents: better };
  }
  const r = ttest(diffs, { mu: 0, alternative: "two-sided" });
  return { documents: diffs.length, mean_delta_bpb: mean, t: r.statistic, df: r.df, p: r.pValue, b_better_documents: better };
}
