// The site's front page: a ranked table per track, the frontier over time per record track (a step
// line of the state of the art against submission date, with every other dated record as a dot),
// and every record's bytes against its val_bpb with each track's size cap.
import { fmtBpb, fmtBytes, fmtDate } from "./format.js";
import { esc, page } from "./html.js";
import type { Leaderboard, LeaderboardEntry, TrackBoard } from "./leaderboard.js";
import { allEntries } from "./leaderboard.js";
import { PALETTE, xyChart, type Series } from "../core/svg_chart.js";


/** Hosted contests: the logs' claim and the fleet's reproductions, beside the (reproduced) score. */
function reproductionCells(e: LeaderboardEntry): string {
  const r = e.reproduction;
  if (!r) return `<td class="num">${fmtBpb(e.val_bpb)}</td><td class="repro none">not reproduced</td>`;
  return `<td class="num">${fmtBpb(r.logs_val_bpb)}</td><td class="repro" title="${esc(`by ${r.workers.join(", ")}`)}">${r.runs} run${r.runs === 1 ? "" : "s"}, ${r.seeds} seed${r.seeds === 1 ? "" : "s"}</td>`;
}

function row(e: LeaderboardEntry, hosted: boolean): string {
  const f = e.findingsSummary;
  const findings = [f.errors ? `<span class="sev-error">${f.errors} error${f.errors === 1 ? "" : "s"}</span>` : "", f.warnings ? `<span class="sev-warning">${f.warnings} warning${f.warnings === 1 ? "" : "s"}</span>` : ""]
    .filter(Boolean)
    .join(", ");
  return `<tr class="${e.rank !== null ? "ranked" : "unranked"}" data-id="${esc(e.id)}">
<td class="num">${e.rank ?? ""}</td>
<td><a href="${esc(e.page)}">${esc(e.name ?? e.id)}</a></td>
<td class="num">${fmtBpb(e.val_bpb)}</td>
<td class="num">${e.val_bpb_std !== null && e.seeds.length > 1 ? `± ${e.val_bpb_std.toFixed(4)}` : ""}</td>
<td class="num">${e.seeds.length}</td>
${hosted ? reproductionCells(e) : ""}
<td class="num">${fmtBytes(e.bytes_total)}</td>
<td>${esc(e.author ?? e.github_id ?? "")}</td>
<td class="date">${fmtDate(e.date)}</td>
<td class="status${e.frontier?.member ? " member" : ""}">${esc(e.status)}</td>
<td>${findings}</td>
</tr>`;
}

function trackTable(t: TrackBoard, i: number, hosted: boolean): string {
  const id = `table-${i}`;
  const ranked = t.records.filter((e) => e.rank !== null).length;
  return `<section class="track" id="track-${esc(t.name)}">
<h2>${esc(t.name)}</h2>
${t.summary ? `<p class="lead">${esc(t.summary)}</p>` : ""}
<p>${ranked} ranked of ${t.records.length} record${t.records.length === 1 ? "" : "s"}.${t.recordTrack ? " A record is ranked when it passes the checks and entered the frontier at its submission time." : " A record is ranked when it passes the checks."} Unranked records follow in grey.</p>
<input class="filter" type="search" placeholder="Filter this table" aria-label="Filter ${esc(t.name)}" data-table="${id}">
<div class="scroll"><table id="${id}" class="ranking">
<thead><tr><th class="num">#</th><th>Run</th><th class="num">val_bpb</th><th class="num">std</th><th class="num">Seeds</th>${hosted ? '<th class="num">Claimed</th><th>Reproduced</th>' : ""}<th class="num">Bytes</th><th>Author</th><th>Date</th><th>Status</th><th>Findings</th></tr></thead>
<tbody>
${t.records.map((e) => row(e, hosted)).join("\n")}
</tbody></table></div>
</section>`;
}

/** The frontier chart of one record track: null when the track has no frontier. */
export function frontierChart(t: TrackBoard, id: string): string | null {
  if (t.frontier.length === 0) return null;
  const byId = new Map(t.records.map((e) => [e.id, e]));
  const point = (e: LeaderboardEntry) => ({ x: Date.parse(e.date!), y: e.val_bpb!, title: `${e.name ?? e.id}: ${fmtBpb(e.val_bpb, 5)} (${fmtDate(e.date)}, ${e.status})`, href: e.page });
  const others = t.timeline.map((x) => byId.get(x.id)!).filter((e) => !e.frontier?.member && e.val_bpb !== null);
  const series: Series[] = [
    { name: "frontier", mode: "step", markers: true, color: "#0b5cad", points: t.frontier.map((f) => point(byId.get(f.id)!)) },
    { name: "other records", mode: "dots", color: "#8c959f", cls: "muted", points: others.map(point) },
  ];
  return xyChart({ id, title: `Record frontier over time: ${t.name}`, xLabel: "submission date", yLabel: "val_bpb (mean over seeds)", xTime: true, series, width: 820, height: 360 });
}

/** Every record with bytes and a score: bytes_total against val_bpb, one series per track, a cap line per distinct cap. */
export function bytesChart(lb: Leaderboard): string | null {
  const series: Series[] = lb.tracks.map((t, i) => ({
    name: t.name,
    mode: "dots",
    color: PALETTE[i % PALETTE.length],
    points: t.records
      .filter((e) => e.bytes_total !== null && e.val_bpb !== null)
      .map((e) => ({ x: e.bytes_total!, y: e.val_bpb!, title: `${e.name ?? e.id}: ${fmtBytes(e.bytes_total)} bytes, val_bpb ${fmtBpb(e.val_bpb, 5)}`, href: e.page })),
  }));
  if (series.every((s) => s.points.length === 0)) return null;
  const caps = [...new Set(lb.tracks.filter((t) => t.maxBytes !== null && t.records.some((e) => e.bytes_total !== null)).map((t) => t.maxBytes!))];
  return xyChart({
    id: "bytes-vs-bpb",
    title: "Bytes against val_bpb (every record with both)",
    xLabel: "bytes_total (model + code)",
    yLabel: "val_bpb",
    series,
    rules: caps.map((c) => ({ axis: "x" as const, value: c, label: `cap ${c.toLocaleString("en-US")}` })),
    xFormat: (v) => `${(v / 1e6).toFixed(2)}M`,
    width: 860,
    height: 420,
  });
}

export function indexPage(lb: Leaderboard): string {
  const entries = allEntries(lb);
  const frontiers = lb.tracks
    .filter((t) => t.recordTrack)
    .map((t, i) => {
      const chart = frontierChart(t, `frontier-${i}`);
      const rows = t.frontier.map((f) => {
        const e = t.records.find((x) => x.id === f.id)!;
        return `<tr><td class="date">${fmtDate(f.date)}</td><td><a href="${esc(e.page)}">${esc(e.name ?? e.id)}</a></td><td class="num">${fmtBpb(f.val_bpb, 5)}</td><td>${esc(f.previous ? (t.records.find((x) => x.id === f.previous)?.name ?? f.previous) : "(started the track)")}</td></tr>`;
      });
      return `<h3>${esc(t.name)}</h3>
${chart ?? '<p class="empty">No record has entered this track\'s frontier.</p>'}
${rows.length ? `<table class="frontier"><thead><tr><th>Date</th><th>Record</th><th class="num">val_bpb</th><th>Displaced</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>` : ""}`;
    });
  const bytes = bytesChart(lb);
  const body = `<h1>Parameter Golf leaderboard</h1>
<p class="lead">${lb.summary.records} records, ${lb.summary.ranked} ranked, ${lb.summary.passing} passing every check, ${lb.summary.findings} findings. ${lb.hosted ? "Scores are the mean val_bpb over the seeds the contest's fleet reproduced (lower is better), beside the logs' claim and the number of independent reproductions; a record not yet reproduced shows its claim." : "Scores are the mean val_bpb over the seeds the logs show (lower is better); the records' own claims are on their pages."}</p>
${lb.tracks.map((t, i) => trackTable(t, i, lb.hosted)).join("\n")}
<section id="frontier">
<h2>The frontier over time</h2>
<p>Records in submission order: a record enters when it passes its checks and beats the state of the art of its time by the track's margin, significantly over its seeds. Blue: the state of the art; grey: every other dated record with a score.</p>
${frontiers.join("\n") || '<p class="empty">No record track in these records.</p>'}
</section>
<section id="bytes">
<h2>Bytes against bpb</h2>
<p>${entries.filter((e) => e.bytes_total !== null && e.val_bpb !== null).length} records give both a size and a score. The dashed line is the size cap.</p>
${bytes ?? '<p class="empty">No record gives both bytes and a score.</p>'}
</section>`;
  return page({ title: "Parameter Golf leaderboard", base: "", nav: "index", body, hosted: lb.hosted });
}
