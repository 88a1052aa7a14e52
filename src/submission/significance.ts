// The record significance rule of the contest: a new record must beat the state of the art (SOTA) by
// the track's margin, with statistical significance over seeds. Pure functions; p-values come from
// stdlib's t tests (@stdlib/stats-ttest, @stdlib/stats-ttest2), never from a hand-written t CDF.
//
//   margin_bpb      = margin_nats / ln 2 * tokens_per_byte
//   tokens_per_byte = val_bpb * ln 2 / val_loss            (the record's own means; else the SOTA's;
//                                                           else the published sp1024 value)
//   one-sample t    : H1 mean(new seeds) < sota_bpb - margin_bpb                (one-sided, df = n - 1)
//   Welch t         : H1 mean(new) < mean(sota seeds) - margin_bpb  (one-sided; when SOTA seeds known)
//   verdict         : "significant" only if every applicable test has p < alpha and n >= minSeeds.
import ttest from "@stdlib/stats-ttest";
import ttest2 from "@stdlib/stats-ttest2";
import { PgolfError } from "../core/error.js";
import { track as lookupTrack } from "../core/track.js";

/** Seeds a record needs unless its track declares otherwise. */
export const MIN_RECORD_SEEDS = 3;

/** Tokens per byte of the contest's sp1024 tokenizer on the FineWeb validation set (published value). */
export const SP1024_TOKENS_PER_BYTE = 0.4105208;

/** What the rule needs from a track: `Track` from core/track.ts fits as is. */
export interface SignificanceRule {
  /** Record margin, nats of val_loss (per token). */
  marginNats: number;
  /** Significance level; a test passes when p < alpha. */
  alpha: number;
  /** Seeds a record needs; MIN_RECORD_SEEDS when the track declares none. */
  minSeeds?: number;
}

/** A record's scores (a candidate or the SOTA it is judged against). */
export interface Scores {
  /** Mean val_bpb over the seeds, bits per byte. */
  valBpb: number;
  /** Mean val_loss over the same seeds, nats per token, when known (gives tokens_per_byte). */
  valLoss?: number;
  /** Per-seed val_bpb, bits per byte, when known. A candidate is tested on these. */
  seedBpb?: number[];
}

export type TokensPerByteSource = "record" | "sota" | "sp1024";

export interface TTestOutcome {
  test: "one-sample" | "welch";
  /** t statistic: negative when the new mean is below the threshold. ±Infinity or 0 when degenerate. */
  t: number;
  /** Degrees of freedom (n - 1; Welch-Satterthwaite for Welch). */
  df: number;
  /** One-sided p-value for H1 "the new mean is below the threshold". */
  p: number;
  /** The bpb the new mean must be significantly below: sota_bpb - margin_bpb (Welch: mean of SOTA seeds - margin_bpb). */
  threshold: number;
  /** p < alpha. */
  pass: boolean;
  /** Zero variance (all seeds equal, both samples for Welch): no t distribution, p is 0 if mean < threshold else 1. */
  degenerate: boolean;
}

export type Verdict = "significant" | "not-significant" | "too-few-seeds";

export interface SignificanceResult {
  verdict: Verdict;
  /** Seeds of the candidate, and the minimum the rule asks for. */
  seeds: number;
  minSeeds: number;
  /** Mean of the candidate's per-seed val_bpb (NaN when it has no seeds), and the SOTA's declared mean; bpb. */
  meanBpb: number;
  sotaBpb: number;
  tokensPerByte: number;
  tokensPerByteSource: TokensPerByteSource;
  marginNats: number;
  marginBpb: number;
  alpha: number;
  /** null when fewer than 2 seeds (no variance to test with). */
  oneSample: TTestOutcome | null;
  /** null when the SOTA's per-seed values are unknown (or fewer than 2), or the candidate has fewer than 2 seeds. */
  welch: TTestOutcome | null;
  /** Sentences for people: where tokens_per_byte came from, why a test was skipped, degenerate cases. */
  notes: string[];
}

/** tokens_per_byte = val_bpb * ln 2 / val_loss (bits per byte over nats per token). */
export function tokensPerByte(valBpb: number, valLoss: number): number {
  return (valBpb * Math.LN2) / valLoss;
}

/** The margin in bpb: margin_nats / ln 2 * tokens_per_byte. */
export function marginBpb(marginNats: number, tpb: number): number {
  return (marginNats / Math.LN2) * tpb;
}

/** tokens_per_byte for a candidate: its own means, else the SOTA's, else the sp1024 value. */
export function recordTokensPerByte(candidate: Scores, sota: Scores): { value: number; source: TokensPerByteSource } {
  if (candidate.valLoss !== undefined) return { value: tokensPerByte(candidate.valBpb, candidate.valLoss), source: "record" };
  if (sota.valLoss !== undefined) return { value: tokensPerByte(sota.valBpb, sota.valLoss), source: "sota" };
  return { value: SP1024_TOKENS_PER_BYTE, source: "sp1024" };
}

const allEqual = (xs: number[]): boolean => xs.every((x) => x === xs[0]);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Zero variance: the t distribution degenerates; the mean is either below the threshold or not. */
function degenerate(test: TTestOutcome["test"], diff: number, df: number, threshold: number, alpha: number): TTestOutcome {
  const p = diff < 0 ? 0 : 1;
  return { test, t: diff < 0 ? -Infinity : diff > 0 ? Infinity : 0, df, p, threshold, pass: p < alpha, degenerate: true };
}

/** One-sided one-sample t test, H1: mean(seeds) < threshold. Needs at least 2 seeds. */
export function oneSampleTest(seeds: number[], threshold: number, alpha: number): TTestOutcome {
  if (seeds.length < 2) throw new PgolfError("CONFIG_INVALID", `a t test needs at least 2 seeds, got ${seeds.length}`, { fix: "run more seeds" });
  if (allEqual(seeds)) return degenerate("one-sample", seeds[0] - threshold, seeds.length - 1, threshold, alpha);
  const r = ttest(seeds, { mu: threshold, alternative: "less", alpha });
  return { test: "one-sample", t: r.statistic, df: r.df, p: r.pValue, threshold, pass: r.pValue < alpha, degenerate: false };
}

/**
 * One-sided Welch test, H1: mean(seeds) < mean(sotaSeeds) - margin (the SOTA sample shifted down by
 * the margin). Needs at least 2 values in each sample.
 */
export function welchTest(seeds: number[], sotaSeeds: number[], margin: number, alpha: number): TTestOutcome {
  if (seeds.length < 2 || sotaSeeds.length < 2) {
    throw new PgolfError("CONFIG_INVALID", `a Welch test needs at least 2 values per sample, got ${seeds.length} and ${sotaSeeds.length}`, { fix: "run more seeds" });
  }
  const threshold = mean(sotaSeeds) - margin;
  if (allEqual(seeds) && allEqual(sotaSeeds)) return degenerate("welch", seeds[0] - threshold, seeds.length + sotaSeeds.length - 2, threshold, alpha);
  const r = ttest2(seeds, sotaSeeds, { difference: -margin, alternative: "less", variance: "unequal", alpha });
  return { test: "welch", t: r.statistic, df: r.df, p: r.pValue, threshold, pass: r.pValue < alpha, degenerate: false };
}

function checkScores(s: Scores, who: string): void {
  const bad = (what: string, v: unknown) =>
    new PgolfError("RECORD_SCHEMA", `${who} ${what} is not valid: ${String(v)}`, { fix: "val_bpb values must be finite positive numbers and val_loss, when given, positive" });
  if (!(Number.isFinite(s.valBpb) && s.valBpb > 0)) throw bad("val_bpb", s.valBpb);
  if (s.valLoss !== undefined && !(Number.isFinite(s.valLoss) && s.valLoss > 0)) throw bad("val_loss", s.valLoss);
  for (const x of s.seedBpb ?? []) if (!(Number.isFinite(x) && x > 0)) throw bad("per-seed val_bpb", x);
}

/** Judge a candidate record against the SOTA under a track's rule (a `Track` fits `rule`). */
export function significance(candidate: Scores, sota: Scores, rule: SignificanceRule): SignificanceResult {
  checkScores(candidate, "the record's");
  checkScores(sota, "the SOTA's");
  const seeds = candidate.seedBpb ?? [];
  const minSeeds = rule.minSeeds ?? MIN_RECORD_SEEDS;
  const tpb = recordTokensPerByte(candidate, sota);
  const margin = marginBpb(rule.marginNats, tpb.value);
  const notes: string[] = [];
  if (tpb.source === "sota") notes.push("the record's val_loss is unknown: tokens_per_byte is taken from the SOTA record");
  if (tpb.source === "sp1024") notes.push(`neither val_loss is known: tokens_per_byte is the published sp1024 value ${SP1024_TOKENS_PER_BYTE}`);

  let oneSample: TTestOutcome | null = null;
  let welch: TTestOutcome | null = null;
  if (seeds.length < 2) {
    notes.push(`${seeds.length} seed(s): a t test needs at least 2`);
  } else {
    oneSample = oneSampleTest(seeds, sota.valBpb - margin, rule.alpha);
    const sotaSeeds = sota.seedBpb ?? [];
    if (sotaSeeds.length >= 2) welch = welchTest(seeds, sotaSeeds, margin, rule.alpha);
    else notes.push(sotaSeeds.length === 0 ? "the SOTA's per-seed values are unknown: no Welch test" : "the SOTA has fewer than 2 per-seed values: no Welch test");
    if ([oneSample, welch].some((t) => t?.degenerate)) notes.push("zero variance: p is 0 if the mean is below the threshold, else 1");
  }
  const tests = [oneSample, welch].filter((t): t is TTestOutcome => t !== null);
  let verdict: Verdict;
  if (seeds.length < Math.max(2, minSeeds)) {
    verdict = "too-few-seeds";
    if (seeds.length >= 2) notes.push(`${seeds.length} seeds, the track asks for ${minSeeds}`);
  } else {
    verdict = tests.every((t) => t.pass) ? "significant" : "not-significant";
  }
  return {
    verdict,
    seeds: seeds.length,
    minSeeds,
    meanBpb: seeds.length > 0 ? mean(seeds) : NaN,
    sotaBpb: sota.valBpb,
    tokensPerByte: tpb.value,
    tokensPerByteSource: tpb.source,
    marginNats: rule.marginNats,
    marginBpb: margin,
    alpha: rule.alpha,
    oneSample,
    welch,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// The frontier: which records held the state of the art, in submission order.

/** A submitted record as the frontier sees it. */
export interface FrontierRecord extends Scores {
  id: string;
  /** Submission time, ISO 8601 (`2025-06-01` or `2025-06-01T12:00:00Z`). */
  date: string;
  /** Track name (a key of TRACKS unless the caller supplies `rules`). */
  track: string;
  /** Passed the record checks (size, time, protocol...). Ineligible records never enter. */
  eligible: boolean;
}

export type FrontierOutcome =
  | "started" // first eligible record on its track
  | "entered" // significantly better than the SOTA of its time
  | "ineligible"
  | Verdict; // "not-significant" | "too-few-seeds": stayed out

export interface FrontierDecision {
  record: FrontierRecord;
  outcome: FrontierOutcome;
  /** The id of the SOTA it was judged against (null for ineligible records and a track's first record). */
  against: string | null;
  /** The rule applied against that SOTA (null when no test was made). */
  significance: SignificanceResult | null;
}

/** A frontier entry: a record that became the SOTA of its track, and the one it displaced. */
export interface FrontierEntry {
  id: string;
  date: string;
  track: string;
  /** Mean val_bpb, bits per byte. */
  valBpb: number;
  /** The SOTA it displaced (null: it started its track's frontier). */
  previous: string | null;
  significance: SignificanceResult | null;
}

export interface FrontierOptions {
  /** The rule of a track; default: `track(name)` from core/track.ts (unknown names throw CONFIG_INVALID). */
  rules?: (trackName: string) => SignificanceRule;
}

/**
 * Every record's outcome, in submission order (earliest first; equal times keep input order).
 * Significance is computed here with `significance()` against the SOTA of the record's track at
 * its submission time; records never displace a SOTA submitted after them.
 */
export function frontierDecisions(records: FrontierRecord[], options: FrontierOptions = {}): FrontierDecision[] {
  const rules = options.rules ?? lookupTrack;
  const timed = records.map((record, i) => {
    const t = Date.parse(record.date);
    if (Number.isNaN(t)) throw new PgolfError("RECORD_SCHEMA", `record ${record.id} has a date that is not ISO 8601: "${record.date}"`, { fix: "write the date as YYYY-MM-DD or a full ISO timestamp" });
    return { record, t, i };
  });
  timed.sort((a, b) => a.t - b.t || a.i - b.i);
  const sota = new Map<string, FrontierRecord>();
  return timed.map(({ record }): FrontierDecision => {
    if (!record.eligible) return { record, outcome: "ineligible", against: null, significance: null };
    const current = sota.get(record.track);
    if (!current) {
      sota.set(record.track, record);
      return { record, outcome: "started", against: null, significance: null };
    }
    const s = significance(record, current, rules(record.track));
    if (s.verdict === "significant") sota.set(record.track, record);
    return { record, outcome: s.verdict === "significant" ? "entered" : s.verdict, against: current.id, significance: s };
  });
}

/** The frontier entries in submission order, all tracks interleaved (filter by `track` for one). */
export function frontier(records: FrontierRecord[], options: FrontierOptions = {}): FrontierEntry[] {
  return frontierDecisions(records, options)
    .filter((d) => d.outcome === "started" || d.outcome === "entered")
    .map((d) => ({ id: d.record.id, date: d.record.date, track: d.record.track, valBpb: d.record.valBpb, previous: d.against, significance: d.significance }));
}
