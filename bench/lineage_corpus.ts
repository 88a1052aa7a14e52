// `pgolf lineage` on the contest's PR corpus (../shared/fixtures/pr-corpus.tar.xz, 2,030
// submissions): time and peak memory of the full run and of one incremental check, and citation
// recovery@3 against a naive winnowing baseline measured in the same run.
//
// Citation recovery@3: among submissions whose README or submission.json cites an earlier
// submission of the corpus, the share where a cited pull request is among the top 3 pull
// requests of `inferred`. The naive baseline: the raw files as they are (packed code left packed),
// lexical tokens (comments dropped), 5-grams winnowed in windows of 4, earlier submissions of other
// pull requests ranked by Jaccard similarity; one per pull request.
//
// Run: node --import tsx bench/lineage_corpus.ts [--limit N]. Writes bench-output/lineage.json and
// the full report to bench-output/lineage-report.json.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { declaredRefs } from "../src/lineage/declared_credits.js";
import { analyzeLineage, type LineageReport } from "../src/lineage/lineage.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tarball = path.resolve(root, "../shared/fixtures/pr-corpus.tar.xz");

/** The corpus unpacked once into the temp folder. */
export function unpackedCorpus(): string | null {
  if (!fs.existsSync(tarball)) return null;
  const dir = path.join(os.tmpdir(), "pgolf-pr-corpus");
  if (!fs.existsSync(path.join(dir, ".complete"))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync("tar", ["-xJf", tarball, "-C", dir], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`tar -xJf ${tarball} failed`);
    fs.writeFileSync(path.join(dir, ".complete"), "");
  }
  return dir;
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The naive baseline's fingerprint set of a folder's code files, read raw. */
function naivePrint(dir: string, files: string[]): Set<number> {
  const tokens: number[] = [];
  for (const f of files) {
    if (!/\.(py|ts|js)$/.test(f)) continue;
    let text = "";
    try {
      text = fs.readFileSync(path.join(dir, f), "utf8");
    } catch {
      continue;
    }
    for (const m of text.replace(/#[^\n]*/g, "").matchAll(/[A-Za-z_]\w*|\d+(?:\.\d+)?|\S/g)) tokens.push(fnv(m[0]));
  }
  const grams: number[] = [];
  for (let i = 0; i + 5 <= tokens.length; i++) {
    let h = 0x9e3779b9;
    for (let j = 0; j < 5; j++) h = Math.imul(h ^ tokens[i + j], 0x85ebca6b) >>> 0;
    grams.push(h);
  }
  const out = new Set<number>();
  let last = -1;
  for (let i = 0; i + 4 <= grams.length; i++) {
    let m = i;
    for (let j = i; j < i + 4; j++) if (grams[j] <= grams[m]) m = j;
    if (m !== last) out.add(grams[m]);
    last = m;
  }
  return out;
}

/** Cited pull requests of a submission: those its credits name (citedPrs), or all it declares. */
type CitedOf = (s: LineageReport["submissions"][number]) => Set<number>;

/** Our recovery@3 by pull request, for a given notion of "cited". */
function ourRecovery(index: { pr: number }[], report: LineageReport, citedOf: CitedOf): { citing: number; hits: number; recoveryAt3: number } {
  let citing = 0;
  let hits = 0;
  for (const s of report.submissions) {
    const cited = citedOf(s);
    if (!cited.size) continue;
    citing++;
    if (s.inferred.slice(0, 3).some((i) => cited.has(index[+i.id].pr))) hits++;
  }
  return { citing, hits, recoveryAt3: Math.round((hits / Math.max(1, citing)) * 10000) / 10000 };
}

function naiveRecovery(corpus: string, report: LineageReport, citedOf: CitedOf): { citing: number; hits: number; recoveryAt3: number; seconds: number } {
  const t0 = performance.now();
  const index = JSON.parse(fs.readFileSync(path.join(corpus, "index.json"), "utf8")) as { pr: number; folder: string; files: string[] }[];
  const order = [report.template!, ...report.submissions.map((s) => s.id)];
  const prints = new Map(order.map((id) => [id, naivePrint(path.join(corpus, String(index[+id].pr), index[+id].folder), index[+id].files)]));
  const pos = new Map(order.map((id, i) => [id, i]));
  // inverted index: gram -> positions (in submission order) of the submissions holding it
  const postings = new Map<number, number[]>();
  order.forEach((id, i) => {
    for (const h of prints.get(id)!) {
      const l = postings.get(h);
      if (l) l.push(i);
      else postings.set(h, [i]);
    }
  });
  let citing = 0;
  let hits = 0;
  const inter = new Float64Array(order.length);
  for (const s of report.submissions) {
    const cited = citedOf(s);
    if (!cited.size) continue;
    citing++;
    const me = pos.get(s.id)!;
    const mine = prints.get(s.id)!;
    inter.fill(0);
    for (const h of mine) for (const i of postings.get(h)!) if (i < me) inter[i]++;
    const best = new Map<number, { score: number; at: number }>();
    for (let i = 1; i < me; i++) {
      const pr = index[+order[i]].pr;
      if (pr === s.pr || inter[i] === 0) continue;
      const score = inter[i] / (mine.size + prints.get(order[i])!.size - inter[i]);
      const cur = best.get(pr);
      if (!cur || score > cur.score) best.set(pr, { score, at: i });
    }
    const top = [...best.entries()].sort((a, b) => b[1].score - a[1].score || b[1].at - a[1].at).slice(0, 3).map(([pr]) => pr);
    if (top.some((pr) => cited.has(pr))) hits++;
  }
  return { citing, hits, recoveryAt3: Math.round((hits / Math.max(1, citing)) * 10000) / 10000, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}

export async function lineageCorpusBench(opts: { limit?: number } = {}): Promise<Record<string, unknown> | null> {
  const corpus = unpackedCorpus();
  if (!corpus) return null;
  const out = path.join(root, "bench-output");
  fs.mkdirSync(out, { recursive: true });
  const indexFile = path.join(out, "lineage.idx");
  const report = await analyzeLineage(corpus, { saveIndex: indexFile, limit: opts.limit, progress: process.stderr.isTTY === true });
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  fs.writeFileSync(path.join(out, "lineage-report.json"), JSON.stringify(report));
  const index = JSON.parse(fs.readFileSync(path.join(corpus, "index.json"), "utf8")) as { pr: number; folder: string }[];
  // "cited": every earlier submission the credits resolve to (PR numbers, links, folder names) ...
  const declaredPrs: CitedOf = (s) => new Set(s.declared.map((id) => index[+id].pr));
  // ... or, as the issue counts them, earlier in-corpus pull requests named by number or link only
  const earlierPrs = new Map(report.submissions.map((s, i) => [s.id, new Set(report.submissions.slice(0, i).map((x) => x.pr))]));
  const prCited: CitedOf = (s) => new Set(declaredRefs(path.join(corpus, String(s.pr), s.folder)).prs.filter((p) => p !== s.pr && p !== 0 && earlierPrs.get(s.id)!.has(p)));
  const naive = naiveRecovery(corpus, report, declaredPrs);
  const byPr = { pgolf: ourRecovery(index, report, prCited), naive: naiveRecovery(corpus, report, prCited) };
  // one incremental check in a fresh process, as the server's intake runs it: the last submission
  const last = report.submissions[report.submissions.length - 1];
  const lastDir = path.join(corpus, String(last.pr), last.folder);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, "bin/pgolf.js"), "lineage", lastDir, "--index", indexFile, "--json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  const checkSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`incremental check failed: ${r.stderr}`);
  const time = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, path.join(root, "bin/pgolf.js"), "lineage", lastDir, "--index", indexFile, "--json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  const checkPeakMB = Math.round(Number(time.stderr.trim().split("\n").pop()) / 1024);
  return {
    cpu: os.cpus()[0]?.model,
    submissions: report.summary.submissions,
    seconds: report.summary.seconds,
    peakRssMB,
    findings: report.summary.findings,
    citing: report.summary.citing,
    recoveryAt3: report.summary.citationRecoveryAt3,
    naive,
    citedByPrNumber: byPr,
    incremental: { submission: last.id, seconds: Math.round(checkSeconds * 100) / 100, peakRssMB: checkPeakMB, indexMB: Math.round(fs.statSync(indexFile).size / 1e5) / 10 },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf("--limit");
  const r = await lineageCorpusBench(i > 0 ? { limit: Number(process.argv[i + 1]) } : {});
  if (!r) console.log("pr-corpus.tar.xz not found beside the project: skipped");
  else {
    console.log(JSON.stringify(r, null, 2));
    fs.writeFileSync(path.join(root, "bench-output", "lineage.json"), JSON.stringify(r, null, 2));
  }
}
