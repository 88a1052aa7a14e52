// One record's page: who and when, its normalized result, per-seed results with their evidence, the
// seed spread (per-seed val_bpb as dots, the mean as a line, mean ± std as a band), the loss curves
// from its logs (train loss and val_bpb against step, one line per log), its findings with the file
// and line each points at, and its lineage.
import type { SubmissionLineage } from "../lineage/attribute.js";
import type { CompareResult } from "../submission/compare.js";
import type { Evidence, NormalizedRecord, SeedLog } from "../submission/normalized_record.js";
import { fmtBpb, fmtBytes } from "./format.js";
import { esc, page } from "./html.js";
import type { LeaderboardEntry } from "./leaderboard.js";
import { xyChart, type Series } from "../core/svg_chart.js";

/** Links of the lineage section: parents (a record page or an external ref) and children. */
export interface RecordLinks {
  parents: { label: string; page: string | null }[];
  children: { label: string; page: string }[];
  /** What `pgolf lineage` measured from the record's code, when its code was analysed. */
  measured?: { lineage: SubmissionLineage; recordOf: (id: string) => { label: string; page: string } | null };
  /** The record against its declared parent, document by document, when both carry atlases of the same documents. */
  versusParent?: { label: string; page: string | null; compare: CompareResult };
}

/** Per-document bpb of the record (y) against its parent's (x), with the y = x line: below it, the record is better. */
export function versusParentChart(v: NonNullable<RecordLinks["versusParent"]>): string {
  const docs = v.compare.per_document ?? [];
  const lo = Math.min(...docs.map((d) => Math.min(d.bpb_a, d.bpb_b)));
  const hi = Math.max(...docs.map((d) => Math.max(d.bpb_a, d.bpb_b)));
  const series: Series[] = [
    { name: "same as the parent", mode: "line", color: "#8c959f", points: [{ x: lo, y: lo }, { x: hi, y: hi }] },
    {
      name: "documents",
      mode: "dots",
      points: docs.map((d) => ({ x: d.bpb_a, y: d.bpb_b, title: `document ${d.index} (${d.bytes.toLocaleString("en-US")} bytes): ${d.bpb_a.toFixed(4)} -> ${d.bpb_b.toFixed(4)} bpb` })),
    },
  ];
  return xyChart({ id: "versus-parent", title: `Per-document bpb: this record against ${v.label}`, xLabel: `${v.label} (bpb)`, yLabel: "this record (bpb)", series });
}

function versusParentSection(v: NonNullable<RecordLinks["versusParent"]>): string {
  const c = v.compare;
  const name = v.page ? `<a href="../${esc(v.page)}">${esc(v.label)}</a>` : esc(v.label);
  const sign = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
  return `<h3>Per document against ${name}</h3>
<p>${sign(c.delta_bpb)} bpb over ${c.documents.toLocaleString("en-US")} documents (${Math.round(c.bootstrap.confidence * 100)}% interval ${sign(c.bootstrap.low)} to ${sign(c.bootstrap.high)}); paired t test p = ${c.paired.p.toPrecision(3)}; better on ${c.paired.b_better_documents} of ${c.paired.documents} documents. Below the line, this record spends fewer bits per byte than its parent.</p>
<div class="charts">${versusParentChart(v)}</div>`;
}

/** "Built on" (measured), "new in this record" and the credit findings. */
function measuredLineage(m: NonNullable<RecordLinks["measured"]>): string {
  const l = m.lineage;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const name = (id: string) => {
    const r = m.recordOf(id);
    return r ? `<a href="../${esc(r.page)}">${esc(r.label)}</a>` : esc(id);
  };
  const side = (sd: { file: string; lines: [number, number] }) => `<code>${esc(sd.file)}:${sd.lines[0]}-${sd.lines[1]}</code>`;
  const built = l.inferred.slice(0, 5).map((i) => `<li>${name(i.id)}: ${pct(i.share)} of this record's own code${i.fragments[0] ? `, e.g. ${side(i.fragments[0].left)} = ${side(i.fragments[0].right!)}` : ""}</li>`);
  const novel = l.novel.fragments.slice(0, 5).map((f) => `<li>${side(f.left)}</li>`);
  const findings = l.findings.map(
    (f) =>
      `<li class="finding" data-kind="${esc(f.kind)}"><span class="sev-${f.severity === "info" ? "warning" : f.severity}">${esc(f.severity)}</span> <code>${esc(f.kind)}</code> ${esc(f.message)}${
        f.evidence.length ? `<ul class="evidence">${f.evidence.map((ev) => `<li><code>${esc(ev.submission)} ${esc(ev.file)}:${ev.line}-${ev.endLine}</code>${ev.text ? `<pre>${esc(ev.text)}</pre>` : ""}</li>`).join("")}</ul>` : ""
      }</li>`,
  );
  return `<h3>Built on (measured from code)</h3>
${built.length ? `<ul class="built-on">${built.join("")}</ul>` : '<p class="empty">No earlier record holds its code.</p>'}
<h3>New in this record</h3>
<p class="novel">${pct(l.novel.share)} of its own code is in no earlier record${novel.length ? ":" : "."}</p>${novel.length ? `<ul class="novel">${novel.join("")}</ul>` : ""}
<h3>Credit findings</h3>
${findings.length ? `<ul class="findings lineage">${findings.join("\n")}</ul>` : '<p class="empty">None: what it reuses, it credits.</p>'}`;
}

export const evidenceText = (e: Evidence): string => `${e.file}${e.line ? `:${e.line}` : ""}`;

/** A log's series name: its seed when known, and the file's name. */
export function seriesName(l: SeedLog): string {
  const seed = l.seed?.value ?? l.seedFromName;
  const file = l.log.split("/").pop()!;
  return seed !== null ? `seed ${seed} (${file})` : file;
}

/** The seed-spread chart, or null without scored seeds. */
export function seedSpreadChart(e: LeaderboardEntry): string | null {
  if (e.seeds.length === 0 || e.val_bpb === null) return null;
  const mean = e.val_bpb;
  const std = e.val_bpb_std ?? 0;
  const labels = e.seeds.map((s, i) => (s.seed !== null ? String(s.seed) : `#${i + 1}`));
  return xyChart({
    id: "seed-spread",
    title: `Seed spread: ${e.seeds.length} scored seed${e.seeds.length === 1 ? "" : "s"}, mean ${mean.toFixed(5)}${e.seeds.length > 1 ? ` ± ${std.toFixed(5)}` : ""}`,
    xLabel: "seed",
    yLabel: "val_bpb",
    series: [
      {
        name: "per-seed val_bpb",
        mode: "dots",
        color: "#0b5cad",
        points: e.seeds.map((s, i) => ({ x: i + 1, y: s.val_bpb, title: `seed ${labels[i]}: ${s.val_bpb} (${evidenceText(s.evidence)})` })),
      },
    ],
    rules: [{ axis: "y", value: mean, label: `mean ${mean.toFixed(5)}`, cls: "mean" }],
    bands: e.seeds.length > 1 ? [{ y0: mean - std, y1: mean + std, label: `mean ± std: ${(mean - std).toFixed(5)} to ${(mean + std).toFixed(5)}` }] : [],
    xFormat: (v) => (Number.isInteger(v) && v >= 1 && v <= labels.length ? labels[v - 1] : ""),
    width: 480,
    height: 300,
  });
}

/** Train loss or val_bpb against step, one series per log that has points; null when none has. */
export function curveChart(r: NormalizedRecord, which: "train" | "val"): string | null {
  const series: Series[] = r.logs
    .map((l) => ({ name: seriesName(l), mode: "line" as const, markers: which === "val", points: (which === "train" ? l.trainCurve : l.valCurve).map(([x, y]) => ({ x, y })) }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return null;
  return xyChart({
    id: which === "train" ? "train-loss" : "val-bpb",
    title: which === "train" ? "Train loss by step" : "val_bpb by step",
    xLabel: "step",
    yLabel: which === "train" ? "train loss" : "val_bpb",
    series,
    yFocusAfter: 0.1,
    xFormat: (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(+v.toFixed(1))),
    width: 720,
    height: 340,
  });
}

function findingsList(e: LeaderboardEntry): string {
  if (e.findings.length === 0) return '<p class="empty">No findings: the record passes every check.</p>';
  const items = e.findings.map(
    (f) => `<li class="finding" data-kind="${esc(f.kind)}"><span class="sev-${f.severity}">${esc(f.severity)}</span> <code>${esc(f.kind)}</code> ${esc(f.message)}${
      f.evidence.length
        ? `<ul class="evidence">${f.evidence.map((ev) => `<li><code>${esc(evidenceText(ev))}</code>${ev.text ? ` ${esc(ev.text)}` : ""}</li>`).join("")}</ul>`
        : ""
    }</li>`,
  );
  return `<ul class="findings">${items.join("\n")}</ul>`;
}

export function recordPage(e: LeaderboardEntry, r: NormalizedRecord | undefined, links: RecordLinks, hosted = false): string {
  const fr = e.frontier;
  const meta: [string, string][] = [
    ["Folder", `<code>${esc(e.id)}</code>`],
    ["Track", esc(e.track)],
    ["Author", esc([e.author, e.github_id && e.github_id !== e.author ? `(${e.github_id})` : null].filter(Boolean).join(" ")) || '<span class="empty">none given</span>'],
    ["Submitted", esc(e.date ?? "no date")],
    ["Format", esc(e.format)],
    ["Rank", e.rank !== null ? `#${e.rank} on ${esc(e.track)}` : "unranked"],
    ["Status", `<span class="status${fr?.member ? " member" : ""}">${esc(e.status)}</span>`],
  ];
  if (fr?.against) {
    const p = [fr.p_one_sample !== null ? `one-sample p = ${fr.p_one_sample.toPrecision(3)}` : "", fr.p_welch !== null ? `Welch p = ${fr.p_welch.toPrecision(3)}` : ""].filter(Boolean).join(", ");
    meta.push(["Judged against", `<code>${esc(fr.against)}</code>${p ? ` (${esc(p)})` : ""}`]);
  }
  const rep = e.reproduction;
  const results: [string, string][] = [
    ...(rep
      ? ([
          [`val_bpb (reproduced: mean of ${rep.seeds} seed${rep.seeds === 1 ? "" : "s"})`, fmtBpb(e.val_bpb, 8)],
          ["val_bpb (mean of the logs)", fmtBpb(rep.logs_val_bpb, 8)],
          ["independent reproductions", `${rep.runs} by ${esc(rep.workers.join(", "))}`],
        ] as [string, string][])
      : ([["val_bpb (mean of the logs)", fmtBpb(e.val_bpb, 8)]] as [string, string][])),
    ["std over seeds", e.val_bpb_std !== null ? e.val_bpb_std.toFixed(8) : ""],
    ["val_loss (mean)", e.val_loss !== null ? e.val_loss.toFixed(8) : ""],
    ["val_bpb claimed by the JSON", e.claimed_val_bpb !== null ? String(e.claimed_val_bpb) : ""],
    ["bytes_total (largest)", fmtBytes(e.bytes_total)],
    ["scored seeds", String(e.seeds.length)],
  ];
  const seedRows = e.seeds.map(
    (s) =>
      `<tr><td>${s.seed ?? ""}</td><td><code>${esc(s.log)}</code></td><td class="num">${s.val_bpb}</td><td class="num">${s.val_loss ?? ""}</td><td>${esc(s.kind)}</td><td class="num">${fmtBytes(s.bytes_total)}</td><td class="num">${s.train_seconds !== null ? s.train_seconds.toFixed(1) : ""}</td><td><code>${esc(evidenceText(s.evidence))}</code></td></tr>`,
  );
  const spread = seedSpreadChart(e);
  const train = r ? curveChart(r, "train") : null;
  const val = r ? curveChart(r, "val") : null;
  const parents = links.parents.map((p) => (p.page ? `<li><a href="../${esc(p.page)}">${esc(p.label)}</a></li>` : `<li>${esc(p.label)} <span class="empty">(not among these records)</span></li>`));
  const children = links.children.map((c) => `<li><a href="../${esc(c.page)}">${esc(c.label)}</a></li>`);
  const body = `<p><a href="../index.html#track-${esc(e.track)}">← ${esc(e.track)} leaderboard</a></p>
<h1>${esc(e.name ?? e.id)}</h1>
${e.summary ? `<p class="blurb">${esc(e.summary)}</p>` : ""}
<dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<h2>Result</h2>
<table class="results"><tbody>${results.map(([k, v]) => `<tr><th>${k}</th><td class="num">${v}</td></tr>`).join("")}</tbody></table>
<h2>Seeds</h2>
${
  seedRows.length
    ? `<div class="scroll"><table class="seeds"><thead><tr><th>Seed</th><th>Log</th><th class="num">val_bpb</th><th class="num">val_loss</th><th>Final</th><th class="num">Bytes</th><th class="num">Train s</th><th>Evidence</th></tr></thead><tbody>${seedRows.join("\n")}</tbody></table></div>`
    : '<p class="empty">No log shows a scored final.</p>'
}
${spread ?? ""}
<h2>Loss curves</h2>
<div class="charts">
${train ?? '<p class="empty">The logs show no train loss points.</p>'}
${val ?? '<p class="empty">The logs show no val_bpb points.</p>'}
</div>
<h2>Findings</h2>
${findingsList(e)}
<h2>Lineage</h2>
${parents.length ? `<h3>Builds on</h3><ul class="parents">${parents.join("")}</ul>` : '<p class="empty">The record names no parent.</p>'}
${children.length ? `<h3>Built on by</h3><ul class="children">${children.join("")}</ul>` : ""}
${links.versusParent ? versusParentSection(links.versusParent) : ""}
${links.measured ? measuredLineage(links.measured) : ""}
${e.techniques.length ? `<h3>Techniques</h3><p>${e.techniques.map((t) => `<code>${esc(t)}</code>`).join(" ")}</p>` : ""}
${r && r.codeFiles.length ? `<h3>Code files</h3><p>${r.codeFiles.map((f) => `<code>${esc(f)}</code>`).join(" ")}</p>` : ""}`;
  return page({ title: `${e.name ?? e.id}: Parameter Golf record`, base: "../", nav: "record", body, hosted });
}
