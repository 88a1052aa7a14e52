// The static website, as a list of files to write (paths relative to the site root). Plain HTML,
// one stylesheet, one small script; charts are inline SVG drawn here at build time, so the site
// opens from file:// with no server and loads nothing from the network.
//   index.html              ranked tables per track, frontier over time, bytes against bpb
//   lineage.html            the lineage graph
//   records/<slug>.html     one page per record
//   assets/style.css, assets/site.js
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { indexPage } from "./index_page.js";
import { allEntries, folderOf, type Leaderboard, type RecordsRoot } from "./leaderboard.js";
import { lineageGraph, type LineageGraph } from "./lineage.js";
import { lineagePage } from "./lineage_page.js";
import { recordPage, type RecordLinks } from "./record_page.js";
import { SITE_JS, STYLE_CSS } from "./site_assets.js";

export interface SiteFile {
  path: string;
  content: string;
}

/** The lineage graph of a leaderboard's records. */
export function leaderboardLineage(lb: Leaderboard): LineageGraph {
  return lineageGraph(allEntries(lb).map((e) => ({ id: e.id, name: e.name, date: e.date, parents: e.parents, page: e.page, val_bpb: e.val_bpb })));
}

export function siteFiles(lb: Leaderboard, records: NormalizedRecord[], root: RecordsRoot = lb.root): SiteFile[] {
  const entries = allEntries(lb);
  const byFolder = new Map(records.map((r) => [folderOf(root, r.dir), r]));
  const graph = leaderboardLineage(lb);
  const node = new Map(graph.nodes.map((n) => [n.key, n]));
  const files: SiteFile[] = [
    { path: "assets/style.css", content: STYLE_CSS },
    { path: "assets/site.js", content: SITE_JS },
    { path: "index.html", content: indexPage(lb) },
    {
      path: "lineage.html",
      content: lineagePage(graph, (id) => {
        const e = entries.find((x) => x.id === id)!;
        return { label: e.name ?? e.id, page: e.page };
      }, lb.hosted),
    },
  ];
  for (const e of entries) {
    const key = `record:${e.id}`;
    const links: RecordLinks = {
      parents: graph.edges.filter((x) => x.to === key).map((x) => ({ label: node.get(x.from)!.label, page: node.get(x.from)!.page })),
      children: graph.edges.filter((x) => x.from === key).map((x) => ({ label: node.get(x.to)!.label, page: node.get(x.to)!.page! })),
    };
    files.push({ path: e.page, content: recordPage(e, byFolder.get(e.folder), links, lb.hosted) });
  }
  return files;
}
