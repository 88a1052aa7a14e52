// The human report of `pgolf lineage`: the top credit suspects first, then each submission.
import type { Fragment, LineageFinding, SubmissionLineage } from "./attribute.js";
import type { LineageReport } from "./lineage.js";

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const lines = (f: Fragment): string => `${f.left.file}:${f.left.lines[0]}-${f.left.lines[1]}${f.right ? ` = ${f.right.file}:${f.right.lines[0]}-${f.right.lines[1]}` : ""}`;

function finding(f: LineageFinding): string[] {
  const out = [`  ${f.severity} ${f.kind}: ${f.message}`];
  for (let i = 0; i + 1 < f.evidence.length && i < 2; i += 2) {
    const [a, b] = [f.evidence[i], f.evidence[i + 1]];
    out.push(`    ${a.submission} ${a.file}:${a.line}-${a.endLine}  <->  ${b.submission} ${b.file}:${b.line}-${b.endLine}`);
  }
  return out;
}

/** One submission's lineage as text. */
export function submissionText(s: SubmissionLineage, name: (id: string) => string = (id) => id): string {
  return [
    `${s.id} ${s.folder} (${s.author || "unknown author"}, ${s.date})`,
    `  built on: ${s.inferred.length ? s.inferred.slice(0, 3).map((i) => `${name(i.id)} ${pct(i.share)}`).join(", ") : "nothing earlier"}`,
    `  declares: ${s.declared.length ? s.declared.map(name).join(", ") : "no credits"}`,
    `  new: ${pct(s.novel.share)} of its own code${s.novel.fragments[0] ? `, largest at ${lines(s.novel.fragments[0])}` : ""}${s.unwrapped.length ? `; unwrapped ${s.unwrapped.map((u) => `${u.file} (${u.via})`).join(", ")}` : ""}`,
    ...s.findings.flatMap(finding),
  ].join("\n");
}

/** The whole report as text. */
export function lineageText(r: LineageReport): string {
  const byId = new Map(r.submissions.map((s) => [s.id, s]));
  const name = (id: string): string => {
    const s = byId.get(id);
    return s?.pr != null ? `PR #${s.pr}` : id;
  };
  const suspects = r.submissions
    .map((s) => ({ s, lines: s.findings.filter((f) => f.kind === "uncredited-reuse").reduce((a, f) => a + (f.lines ?? 0), 0) }))
    .filter((x) => x.lines > 0)
    .sort((a, b) => b.lines - a.lines)
    .slice(0, 15);
  const out = [
    `${r.summary.submissions} submissions analysed in ${r.summary.seconds} s (peak ${r.summary.peakRssMB} MB); ${r.summary.unwrapped} had packed code unwrapped`,
    `findings: ${Object.entries(r.summary.findings).map(([k, v]) => `${v} ${k}`).join(", ")}`,
    `citation recovery@3: ${r.summary.citationRecoveryAt3} over ${r.summary.citing} citing submissions`,
    "",
    "Top credit suspects (most lines reused from another author without credit):",
    ...suspects.map(({ s, lines: n }) => {
      const f = s.findings.find((x) => x.kind === "uncredited-reuse")!;
      return `  ${name(s.id)} ${s.folder} (${s.author || "unknown"}): ${n} lines; first source ${name(f.source!)}`;
    }),
    "",
    "Techniques (introduced by, carried by):",
    ...r.techniques.map((t) => `  ${t.tag}: ${t.introducedBy ? `${name(t.introducedBy)}${t.located ? ` at ${t.located.file}:${t.located.line}` : ""}` : "no declaring submission"}, ${t.carriers.length} carriers`),
    "",
    ...r.submissions.map((s) => submissionText(s, name)),
  ];
  return out.join("\n");
}
