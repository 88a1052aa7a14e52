// The lineage page: the layered graph of which records build on which records or pull requests,
// with the same facts as a table, and the records that name no lineage.
import { esc, page } from "./html.js";
import type { LineageGraph } from "./lineage.js";
import { lineageSvg } from "./lineage.js";

export function lineagePage(g: LineageGraph, labelOf: (id: string) => { label: string; page: string }, hosted = false): string {
  const label = new Map(g.nodes.map((n) => [n.key, n]));
  const rows = g.edges.map((e) => {
    const from = label.get(e.from)!;
    const to = label.get(e.to)!;
    const link = (n: typeof from) => (n.page ? `<a href="${esc(n.page)}">${esc(n.label)}</a>` : esc(n.label));
    const how = e.kind === "inferred" ? `inferred from code (${Math.round((e.share ?? 0) * 100)}% of its own code)` : "declared";
    return `<tr class="${e.kind}"><td>${link(to)}</td><td>${link(from)}</td><td>${how}</td></tr>`;
  });
  const unlinked = g.unlinked.map((id) => labelOf(id)).map((x) => `<li><a href="${esc(x.page)}">${esc(x.label)}</a></li>`);
  const body = `<h1>Lineage</h1>
<p class="lead">Records linked to the records and pull requests they say they build on (their <code>parents</code> and credits: solid lines), and to the earlier records whose code they reuse, as <code>pgolf lineage</code> measures it from code (dashed lines). Columns: a record stands one column right of its deepest parent. Blue boxes are records in these folders (click to open); grey boxes are pull requests or refs that are not.</p>
${g.edges.length ? `<div class="scroll">${lineageSvg(g)}</div>` : '<p class="empty">No record names a parent, and none reuses another record\'s code.</p>'}
${rows.length ? `<h2>Links</h2><table class="lineage-links"><thead><tr><th>Record</th><th>Builds on</th><th>Edge</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>` : ""}
<h2>Records without lineage</h2>
${unlinked.length ? `<p>${unlinked.length} records name no parent and no record names them.</p><ul class="unlinked">${unlinked.join("")}</ul>` : '<p class="empty">None.</p>'}`;
  return page({ title: "Lineage: Parameter Golf records", base: "", nav: "lineage", body, hosted });
}
