// The lineage graph: records linked to the records or pull requests they build on (`parents` of the
// normalized record: "#N" PR numbers for original records, record ids or refs for pgolf records).
// A parent that names a record (by id or name) links to it; any other parent is an external node.
// Layout is layered: a node's column is one more than its deepest parent's, external nodes and
// records without parents in column 0, each column ordered by date. Records with no lineage at
// all (no parent, no child) are left out of the drawing and listed by the page instead.
import { esc, truncate } from "./html.js";

export interface LineageInput {
  id: string;
  name: string | null;
  date: string | null;
  parents: string[];
  /** Records this one reuses code from, as `pgolf lineage` measured it (record ids). */
  inferred?: { id: string; share: number }[];
  page: string;
  val_bpb: number | null;
}

export interface LineageNode {
  key: string;
  label: string;
  kind: "record" | "external";
  /** Record nodes: the page to link. */
  page: string | null;
  date: string | null;
  layer: number;
}

export interface LineageGraph {
  nodes: LineageNode[];
  /** Parent -> child, by node key: declared by the record (solid), or inferred from its code (dashed). */
  edges: LineageEdge[];
  /** Records with neither parents nor children. */
  unlinked: string[];
}

export interface LineageEdge {
  from: string;
  to: string;
  kind: "declared" | "inferred";
  /** inferred: the share of the child's own code the parent holds. */
  share?: number;
}

export function lineageGraph(records: LineageInput[]): LineageGraph {
  const byId = new Map(records.map((r) => [r.id, r]));
  const byName = new Map(records.filter((r) => r.name).map((r) => [r.name!, r]));
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const recordNode = (r: LineageInput): string => {
    const key = `record:${r.id}`;
    if (!nodes.has(key)) nodes.set(key, { key, label: r.name ?? r.id, kind: "record", page: r.page, date: r.date, layer: 0 });
    return key;
  };
  for (const r of records) {
    for (const ref of new Set(r.parents)) {
      const target = byId.get(ref) ?? byName.get(ref);
      let from: string;
      if (target && target !== r) from = recordNode(target);
      else if (target) continue; // a record is not its own parent
      else {
        from = `ref:${ref}`;
        if (!nodes.has(from)) nodes.set(from, { key: from, label: /^#\d+$/.test(ref) ? `PR ${ref}` : ref, kind: "external", page: null, date: null, layer: 0 });
      }
      edges.push({ from, to: recordNode(r), kind: "declared" });
    }
  }
  // inferred edges where the record declares none between the same pair
  for (const r of records) {
    for (const inf of r.inferred ?? []) {
      const target = byId.get(inf.id);
      if (!target || target === r) continue;
      const from = recordNode(target);
      const to = recordNode(r);
      if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, kind: "inferred", share: inf.share });
    }
  }
  // layers: longest path from a root; a cycle (malformed input) is cut where it is met
  const parentsOf = new Map<string, string[]>();
  for (const e of edges) parentsOf.set(e.to, [...(parentsOf.get(e.to) ?? []), e.from]);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const layer = (key: string): number => {
    if (memo.has(key)) return memo.get(key)!;
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const l = Math.max(-1, ...(parentsOf.get(key) ?? []).map(layer)) + 1;
    visiting.delete(key);
    memo.set(key, l);
    return l;
  };
  for (const n of nodes.values()) n.layer = layer(n.key);
  const linked = new Set([...nodes.values()].filter((n) => n.kind === "record").map((n) => n.key.slice("record:".length)));
  return { nodes: [...nodes.values()], edges, unlinked: records.filter((r) => !linked.has(r.id)).map((r) => r.id) };
}

const NODE_W = 230;
const NODE_H = 24;
const COL_W = 300;
const ROW_H = 32;

/** The graph as a layered SVG: <g class="node"> per node (record nodes link to their page), <path class="edge"> per edge. */
export function lineageSvg(g: LineageGraph, base = ""): string {
  const columns = new Map<number, LineageNode[]>();
  for (const n of g.nodes) columns.set(n.layer, [...(columns.get(n.layer) ?? []), n]);
  const pos = new Map<string, { x: number; y: number }>();
  let rows = 1;
  for (const [l, col] of columns) {
    col.sort((a, b) => (a.date ?? "").localeCompare(b.date ?? "") || a.label.localeCompare(b.label, "en", { numeric: true }));
    col.forEach((n, i) => pos.set(n.key, { x: 16 + l * COL_W, y: 16 + i * ROW_H }));
    rows = Math.max(rows, col.length);
  }
  const W = 32 + Math.max(1, columns.size) * COL_W - (COL_W - NODE_W);
  const H = 32 + rows * ROW_H;
  const out = [
    `<svg class="chart lineage" xmlns="http://www.w3.org/2000/svg" data-chart="lineage" data-nodes="${g.nodes.length}" data-edges="${g.edges.length}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Lineage of the records">`,
    "<title>Lineage of the records</title>",
    '<g class="edges">',
  ];
  for (const e of g.edges) {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    const dashed = e.kind === "inferred" ? ` stroke-dasharray="6 4"` : "";
    const title = e.kind === "inferred" ? `<title>inferred from code: ${Math.round((e.share ?? 0) * 100)}% of its own code</title>` : "<title>declared by the record</title>";
    out.push(`<path class="edge ${e.kind}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" fill="none"${dashed}>${title}</path>`);
  }
  out.push("</g>", '<g class="nodes">');
  for (const n of g.nodes) {
    const p = pos.get(n.key)!;
    const title = n.kind === "record" ? `${n.label}${n.date ? ` (${n.date.slice(0, 10)})` : ""}` : `${n.label}: not a record in this folder`;
    const box = `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="4"/><text x="${p.x + 8}" y="${p.y + NODE_H / 2}" dy="0.32em">${esc(truncate(n.label, 31))}</text><title>${esc(title)}</title>`;
    const inner = n.page ? `<a href="${esc(base + n.page)}">${box}</a>` : box;
    out.push(`<g class="node ${n.kind}" data-key="${esc(n.key)}">${inner}</g>`);
  }
  out.push("</g>", "</svg>");
  return out.join("\n");
}
