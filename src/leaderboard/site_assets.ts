// The site's two static files: its stylesheet and its one small script (a filter box over the ranked
// tables). Both are written beside the pages; no page loads anything from anywhere else.

export const STYLE_CSS = `:root { --fg: #1d2125; --muted: #6a737d; --line: #d8dee4; --bg: #fff; --accent: #0b5cad; --err: #b42318; --warn: #a15c00; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { border-bottom: 1px solid var(--line); padding: 10px 24px; background: #f6f8fa; }
header.top nav a { margin-right: 18px; color: var(--accent); text-decoration: none; font-weight: 600; }
header.top nav a[aria-current="page"] { color: var(--fg); }
main { padding: 8px 24px 24px; max-width: 1280px; }
footer { padding: 16px 24px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
h1 { font-size: 24px; margin: 16px 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
a { color: var(--accent); }
p.lead { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
tr.unranked td { color: var(--muted); }
tr.unranked td a { color: #4d7fb5; }
.status { white-space: nowrap; }
.status.member { color: var(--ok); font-weight: 600; }
td.repro { color: var(--ok); white-space: nowrap; }
td.repro.none { color: var(--muted); }
.sev-error { color: var(--err); font-weight: 600; }
.sev-warning { color: var(--warn); font-weight: 600; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 3px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 16px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
ul.findings li { margin-bottom: 8px; }
ul.evidence { margin: 2px 0 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
.blurb { white-space: pre-wrap; max-width: 900px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 4px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #444; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.chart .label { font-size: 12px; fill: var(--muted); }
svg.chart .grid { stroke: #eef1f4; }
svg.chart .frame { stroke: #c9d1d9; }
svg.chart polyline.line { stroke-width: 1.6; }
svg.chart .muted circle { opacity: 0.45; }
svg.chart .band { fill: #0b5cad; opacity: 0.12; }
svg.chart .rule line { stroke: #b42318; stroke-dasharray: 5 4; stroke-width: 1.2; }
svg.chart .rule.mean line { stroke: #0b5cad; stroke-dasharray: none; }
svg.chart .rule text { fill: #b42318; }
svg.chart .rule.mean text { fill: #0b5cad; }
svg.chart .legend line { stroke-width: 3; }
svg.chart circle.pt { stroke: #fff; stroke-width: 1; }
svg.lineage .edge { stroke: #8c959f; stroke-width: 1.2; }
svg.lineage .node rect { fill: #f6f8fa; stroke: #8c959f; }
svg.lineage .node.record rect { fill: #ddf4ff; stroke: #0b5cad; }
svg.lineage .node text { font-size: 12px; }
.scroll { overflow-x: auto; }
input.filter { font: inherit; padding: 3px 8px; margin: 4px 0; width: 280px; max-width: 100%; }
.empty { color: var(--muted); font-style: italic; }
`;

export const SITE_JS = `// Filter boxes over the ranked tables: rows whose text does not contain the query are hidden.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.filter[data-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
});
`;
