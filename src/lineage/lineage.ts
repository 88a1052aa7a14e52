// `pgolf lineage`: who built on whom, measured from code. Every submission of a PR corpus or a
// records root is analysed in submission order against all earlier ones (attribute.ts), then
// added to the index (lineage_index.ts). The report gives per submission what it reuses
// (`inferred`), what it credits (`declared`), what is new (`novel`) and the credit findings, and
// across the corpus the credit graph, the technique genome and credit per author.
//
// Why not Dolos as is (measured on the contest's 2,030 PR submissions, AMD EPYC, 2 cores): dolos-lib
// keeps every token and one object per fingerprint occurrence, about 3 GB per 250 submissions; the
// full corpus died of heap exhaustion after 500. It cannot persist its index either. pgolf keeps
// Dolos's method (tree-sitter token streams, its WinnowFilter) with a compact index of its own.
// And shared code alone ranks the cited pull request in the top 3 for only 0.37 of citing
// submissions; the ranking in attribute.ts adds who introduced the code and whom the field credited.
import * as path from "node:path";
import { readConfinedIfExists } from "../core/confined_read.js";
import { Progress } from "../core/progress.js";
import { RECORD_FILE_LIMITS } from "../submission/record_file.js";
import { marginBpb, significance, SP1024_TOKENS_PER_BYTE } from "../submission/significance.js";
import { attribute, SUGGEST_SHARE, type LineageFinding, type SubmissionLineage } from "./attribute.js";
import { parsersReady } from "./code_tokens.js";
import { authorKey, readCorpus, readSubmissionFolder, type Submission } from "./corpus.js";
import { commentCredits, declaredRefs } from "./declared_credits.js";
import { LineageIndex, type IndexedSubmission, type SubmissionScore } from "./lineage_index.js";
import { printSubmission } from "./submission_print.js";
import { declaredTechniques, locateTechniques, type LocatedTechnique } from "./techniques.js";

/** The record rule near-duplicate judges "significantly better" by (the contest's: 0.005 nats, p < 0.01). */
export const NEAR_DUPLICATE_RULE = { marginNats: 0.005, alpha: 0.01 };

export interface LineageOptions {
  /** Records root only: the id of the template record (default: the earliest). */
  template?: string;
  /** Write the index here when done, for `pgolf lineage --index FILE --check DIR`. */
  saveIndex?: string;
  /** Quote fragments' lines in evidence (default true). */
  quote?: boolean;
  progress?: boolean;
  /** Only the first N submissions in submission order (for quick looks). */
  limit?: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: "declared" | "inferred";
  /** inferred: the share of the later submission's own code. */
  share?: number;
}

export interface TechniqueGenome {
  tag: string;
  /** The earliest submission that declares the tag and has it in code, or null. */
  introducedBy: string | null;
  located: LocatedTechnique | null;
  /** Submissions whose code has it. */
  carriers: string[];
}

export interface AuthorCredit {
  author: string;
  submissions: number;
  techniquesIntroduced: string[];
  /** Later submissions of other authors whose top inferred sources include this author's work. */
  builtOnBy: number;
  /** Later submissions of other authors carrying a technique this author introduced. */
  carriedBy: number;
}

export interface LineageReport {
  root: string;
  kind: "pr-corpus" | "records";
  template: string | null;
  submissions: SubmissionLineage[];
  graph: { edges: GraphEdge[] };
  techniques: TechniqueGenome[];
  authors: AuthorCredit[];
  summary: {
    submissions: number;
    /** Warnings by kind (credit-suggested: the suggestions made). */
    findings: Record<LineageFinding["kind"], number>;
    /** Informational findings: uncredited-reuse where the submission cites a pull request the analysis does not hold. */
    notes: number;
    /** Submissions citing an earlier submission, and the share whose top 3 inferred (by pull request) holds one it cites. */
    citing: number;
    citationRecoveryAt3: number;
    unwrapped: number;
    seconds: number;
    peakRssMB: number;
  };
}

/** Mean and per-seed val_bpb from a submission.json of any of the contest's shapes. */
export function declaredScore(json: string): SubmissionScore {
  let meta: unknown;
  try {
    meta = JSON.parse(json);
  } catch {
    return { valBpb: null, seedBpb: [] };
  }
  if (!meta || typeof meta !== "object") return { valBpb: null, seedBpb: [] };
  const m = meta as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v > 0.3 && v < 5 ? v : null);
  const valBpb = num(m.val_bpb) ?? num(m.mean_val_bpb) ?? num(m.val_bpb_mean) ?? num(m.score);
  const seeds: number[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (!/seed/i.test(k)) continue;
    const vals = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : [];
    for (const x of vals) {
      const n = num(x) ?? (x && typeof x === "object" ? num((x as Record<string, unknown>).val_bpb) : null);
      if (n !== null) seeds.push(n);
    }
  }
  return { valBpb: valBpb ?? (seeds.length ? seeds.reduce((a, b) => a + b, 0) / seeds.length : null), seedBpb: seeds };
}

/** Whether `a`'s declared score is significantly better than `b`'s, by NEAR_DUPLICATE_RULE. */
export function significantlyBetter(a: IndexedSubmission, b: IndexedSubmission): boolean {
  if (a.score.valBpb === null) return false;
  if (b.score.valBpb === null) return true;
  if (a.score.seedBpb.length >= 3) {
    const r = significance({ valBpb: a.score.valBpb, seedBpb: a.score.seedBpb }, { valBpb: b.score.valBpb, ...(b.score.seedBpb.length ? { seedBpb: b.score.seedBpb } : {}) }, NEAR_DUPLICATE_RULE);
    return r.verdict === "significant";
  }
  return a.score.valBpb < b.score.valBpb - marginBpb(NEAR_DUPLICATE_RULE.marginNats, SP1024_TOKENS_PER_BYTE);
}

export interface Prepared {
  entry: IndexedSubmission;
  techniquesDeclared: string[];
  located: Map<string, LocatedTechnique>;
}

/**
 * Reads, unwraps and fingerprints one submission, and resolves its credits against `index`.
 * `onText` sees each analysed file's text (unwrapped ones too).
 */
export async function prepareEntry(index: LineageIndex, sub: Submission, kind: "pr-corpus" | "records", onText?: (file: string, text: string) => void, siblings: string[] = []): Promise<Prepared> {
  const located = new Map<string, LocatedTechnique>();
  const inCode: number[] = [];
  const print = await printSubmission(sub.dir, sub.code, (file, text) => {
    locateTechniques(file, text, located);
    inCode.push(...commentCredits(text));
    onText?.(file, text);
  });
  const refs = declaredRefs(sub.dir, siblings);
  refs.prs = [...new Set([...refs.prs, ...inCode])];
  const declared = new Set<string>();
  const unresolved: number[] = [];
  for (const pr of refs.prs) {
    if (pr === sub.pr) continue;
    const held = index.byPr.get(pr);
    if (!held) {
      if (sub.pr === null || pr < sub.pr) unresolved.push(pr);
      continue;
    }
    for (const o of held) declared.add(index.entries[o].sub.id);
  }
  // record folders named outright (records/track_x/2026-03-19_Name links, "based_on" paths)
  for (const f of refs.folders) for (const o of index.byFolder.get(f) ?? []) if (index.entries[o].sub.id !== sub.id) declared.add(index.entries[o].sub.id);
  for (const name of refs.names) {
    const o = index.byId.get(name);
    if (o !== undefined && o !== index.byId.get(sub.id)) declared.add(name);
  }
  if (kind === "records") {
    // records credit each other by folder (or record) name
    for (const e of index.entries) {
      const base = e.sub.folder.split("/").pop()!;
      if (e.sub.id !== sub.id && base.length >= 8 && refs.text.includes(base)) declared.add(e.sub.id);
    }
  }
  let json = "";
  try {
    json = readConfinedIfExists(sub.dir, "submission.json", RECORD_FILE_LIMITS.json)?.toString("utf8") ?? "";
  } catch {
    // refused (a link, a pipe, too large): no declared score
  }
  return { entry: { sub, print, distinct: new Uint32Array(), declared: [...declared], score: declaredScore(json), creditText: refs.text, unresolved }, techniquesDeclared: declaredTechniques(refs.text), located };
}

/** What the index keeps of an entry: not its credit text (read again when needed). */
function strip(e: IndexedSubmission): Omit<IndexedSubmission, "distinct"> {
  const { distinct: _distinct, creditText: _text, unresolved: _unresolved, ...rest } = e;
  return rest;
}

/** Analyses every submission under `root` (a PR corpus or a records root) in submission order. */
export async function analyzeLineage(root: string, opts: LineageOptions = {}): Promise<LineageReport> {
  return (await indexLineage(root, opts)).report;
}

/** analyzeLineage, also returning the index it built (every submission of `root`). */
export async function indexLineage(root: string, opts: LineageOptions = {}): Promise<{ report: LineageReport; index: LineageIndex }> {
  const t0 = performance.now();
  let peak = process.memoryUsage().rss;
  await parsersReady();
  const corpus = readCorpus(root, { template: opts.template });
  // the template is boilerplate, not a source: it is indexed first, whatever its date
  const subs = corpus.submissions.filter((s) => s.id === corpus.template).concat(corpus.submissions.filter((s) => s.id !== corpus.template)).slice(0, opts.limit ?? Infinity);
  const index = new LineageIndex();
  index.template = corpus.template;
  const progress = new Progress("lineage", subs.length, { unit: " submissions", enabled: opts.progress });
  const results: SubmissionLineage[] = [];
  const techniques = new Map<string, { declared: string[]; located: Map<string, LocatedTechnique> }>();
  const byPr = new Map<number, string[]>();
  for (const s of corpus.submissions) if (s.pr !== null) byPr.set(s.pr, [...(byPr.get(s.pr) ?? []), s.dir]);
  for (const sub of subs) {
    const siblings = sub.pr !== null ? (byPr.get(sub.pr) ?? []).filter((d) => d !== sub.dir) : [];
    const p = await prepareEntry(index, sub, corpus.kind, undefined, siblings);
    techniques.set(sub.id, { declared: p.techniquesDeclared, located: p.located });
    if (sub.id !== corpus.template) results.push(attribute(index, p.entry, { quote: opts.quote, betterThan: significantlyBetter }));
    index.add(strip(p.entry));
    progress.tick();
    if (results.length % 25 === 0) {
      peak = Math.max(peak, process.memoryUsage().rss);
      await new Promise((r) => setImmediate(r)); // lets tree-sitter's wasm trees be collected
    }
  }
  progress.finish();
  if (opts.saveIndex) await index.save(opts.saveIndex);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { report: buildReport(corpus.root, corpus.kind, corpus.template, index, results, techniques, (performance.now() - t0) / 1000, peak), index };
}

/**
 * Checks one submission folder against a saved index: the incremental check the contest server
 * runs at intake. `meta` overrides what the folder's submission.json says (id, pr, author, date).
 */
export async function checkAgainstIndex(indexFile: string | LineageIndex, dir: string, meta: Partial<Pick<Submission, "id" | "pr" | "author" | "date">> = {}): Promise<SubmissionLineage> {
  await parsersReady();
  const index = typeof indexFile === "string" ? LineageIndex.load(indexFile) : indexFile;
  const folder = readSubmissionFolder(dir, meta.id ?? path.basename(path.resolve(dir)));
  const date = meta.date ?? (folder.date || new Date().toISOString());
  const sub: Submission = { ...folder, pr: meta.pr ?? folder.pr, author: meta.author ?? folder.author, date, time: Date.parse(date) };
  const p = await prepareEntry(index, sub, index.entries.some((e) => e.sub.pr !== null) ? "pr-corpus" : "records");
  return attribute(index, p.entry, { betterThan: significantlyBetter });
}

function buildReport(
  root: string,
  kind: LineageReport["kind"],
  template: string | null,
  index: LineageIndex,
  results: SubmissionLineage[],
  techniques: Map<string, { declared: string[]; located: Map<string, LocatedTechnique> }>,
  seconds: number,
  peakRss: number,
): LineageReport {
  const subOf = (id: string): Submission => index.entries[index.byId.get(id)!].sub;
  // credit graph: declared edges, and inferred edges to the top 3 sources holding SUGGEST_SHARE or more
  const edges: GraphEdge[] = [];
  for (const r of results) {
    for (const d of r.declared) edges.push({ from: d, to: r.id, kind: "declared" });
    for (const inf of r.inferred.slice(0, 3)) if (inf.share >= SUGGEST_SHARE) edges.push({ from: inf.id, to: r.id, kind: "inferred", share: inf.share });
  }
  // technique genome, in submission order
  const genome: TechniqueGenome[] = [];
  const tags = new Set([...techniques.values()].flatMap((t) => [...t.located.keys()]));
  for (const tag of [...tags].sort()) {
    let introducedBy: string | null = null;
    let located: LocatedTechnique | null = null;
    const carriers: string[] = [];
    for (const e of index.entries) {
      const t = techniques.get(e.sub.id);
      const loc = t?.located.get(tag);
      if (!loc || e.sub.id === template) continue;
      carriers.push(e.sub.id);
      if (introducedBy === null && e.sub.id !== template && t!.declared.includes(tag)) {
        introducedBy = e.sub.id;
        located = loc;
      }
    }
    genome.push({ tag, introducedBy, located, carriers });
  }
  // credit per author
  const authors = new Map<string, AuthorCredit>();
  const credit = (sub: Submission): AuthorCredit => {
    const k = authorKey(sub);
    let c = authors.get(k);
    if (!c) authors.set(k, (c = { author: sub.author || k, submissions: 0, techniquesIntroduced: [], builtOnBy: 0, carriedBy: 0 }));
    return c;
  };
  for (const e of index.entries) credit(e.sub).submissions++;
  for (const g of genome) {
    if (!g.introducedBy) continue;
    const by = subOf(g.introducedBy);
    credit(by).techniquesIntroduced.push(g.tag);
    credit(by).carriedBy += g.carriers.filter((id) => authorKey(subOf(id)) !== authorKey(by)).length;
  }
  for (const r of results) {
    const me = authorKey(subOf(r.id));
    const builders = new Map(r.inferred.slice(0, 3).map((i) => [authorKey(subOf(i.id)), subOf(i.id)] as const));
    builders.delete(me);
    for (const b of builders.values()) credit(b).builtOnBy++;
  }
  // citation recovery@3, by pull request (or id where there is none)
  const group = (id: string): string => {
    const s = subOf(id);
    return s.pr !== null ? `pr:${s.pr}` : `id:${s.id}`;
  };
  const citing = results.filter((r) => r.declared.length);
  const hits = citing.filter((r) => {
    const cited = new Set(r.declared.map(group));
    return r.inferred.slice(0, 3).some((i) => cited.has(group(i.id)));
  }).length;
  // warnings by kind (credit-suggested: its suggestions); informational notes apart
  const findings = { "uncredited-reuse": 0, "near-duplicate": 0, "credit-suggested": 0 };
  let notes = 0;
  for (const r of results) for (const f of r.findings) {
    if (f.kind === "credit-suggested" || f.severity === "warning") findings[f.kind]++;
    else notes++;
  }
  return {
    root,
    kind,
    template,
    submissions: results,
    graph: { edges },
    techniques: genome,
    authors: [...authors.values()].sort((a, b) => b.builtOnBy + b.carriedBy - (a.builtOnBy + a.carriedBy) || a.author.localeCompare(b.author)),
    summary: {
      submissions: results.length,
      findings,
      notes,
      citing: citing.length,
      citationRecoveryAt3: citing.length ? Math.round((hits / citing.length) * 10000) / 10000 : 0,
      unwrapped: results.filter((r) => r.unwrapped.length).length,
      seconds: Math.round(seconds * 10) / 10,
      peakRssMB: Math.round(peakRss / 1e6),
    },
  };
}

export type LineageResult = ({ mode: "corpus" } & LineageReport) | ({ mode: "check"; index: string } & SubmissionLineage);

/**
 * `pgolf lineage`: with `index`, checks the submission folder `target` against that saved index;
 * otherwise analyses the corpus or records root `target` (saving its index when asked).
 */
export async function lineage(target: string, opts: LineageOptions & { index?: string } = {}): Promise<LineageResult> {
  if (opts.index) return { mode: "check", index: opts.index, ...(await checkAgainstIndex(opts.index, target)) };
  return { mode: "corpus", ...(await analyzeLineage(target, opts)) };
}
