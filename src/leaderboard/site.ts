// The static website, as a list of files to write (paths relative to the site root). Plain HTML,
// one stylesheet, one small script; charts are inline SVG drawn here at build time, so the site
// opens from file:// with no server and loads nothing from the network.
//   index.html              ranked tables per track, frontier over time, bytes against bpb
//   lineage.html            the lineage graph
//   records/<slug>.html     one page per record
//   assets/style.css, assets/site.js
import { SUGGEST_SHARE } from "../lineage/attribute.js";
import type { LineageReport } from "../lineage/lineage.js";
import { isPgolfError } from "../core/error.js";
import { compareRuns, type CompareResult } from "../submission/compare.js";
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

/**
 * The lineage graph of a leaderboard's records: declared parents, and with a lineage report of the
 * same records root, the inferred sources (top 3 holding SUGGEST_SHARE of a record's own code).
 */
export function leaderboardLineage(lb: Leaderboard, lineage?: LineageReport): LineageGraph {
  const entries = allEntries(lb);
  const byFolder = new Map(entries.map((e) => [e.folder, e]));
  const measured = new Map((lineage?.submissions ?? []).map((s) => [s.id, s]));
  return lineageGraph(
    entries.map((e) => ({
      id: e.id,
      name: e.name,
      date: e.date,
      // declared: the record's parents, and the credits its README and submission.json give
      parents: [...e.parents, ...(measured.get(e.folder)?.declared ?? []).filter((id) => byFolder.has(id)).map((id) => byFolder.get(id)!.id)],
      inferred: (measured.get(e.folder)?.inferred ?? [])
        .slice(0, 3)
        .filter((i) => i.share >= SUGGEST_SHARE && byFolder.has(i.id))
        .map((i) => ({ id: byFolder.get(i.id)!.id, share: i.share })),
      page: e.page,
      val_bpb: e.val_bpb,
    })),
  );
}

export function siteFiles(lb: Leaderboard, records: NormalizedRecord[], root: RecordsRoot = lb.root, lineage?: LineageReport): SiteFile[] {
  const entries = allEntries(lb);
  const entryByFolder = new Map(entries.map((e) => [e.folder, e]));
  const measured = new Map((lineage?.submissions ?? []).map((s) => [s.id, s]));
  const byFolder = new Map(records.map((r) => [folderOf(root, r.dir), r]));
  const graph = leaderboardLineage(lb, lineage);
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
    // against its first declared parent among these records, when both carry atlases of the same documents
    const parent = graph.edges.find((x) => x.to === key && x.kind === "declared" && x.from.startsWith("record:"));
    const parentEntry = parent ? entries.find((x) => `record:${x.id}` === parent.from) : undefined;
    const mine = byFolder.get(e.folder);
    const theirs = parentEntry ? byFolder.get(parentEntry.folder) : undefined;
    if (parentEntry && mine && theirs) {
      const compare = comparedOrNull(theirs.dir, mine.dir);
      if (compare) links.versusParent = { label: parentEntry.name ?? parentEntry.id, page: parentEntry.page, compare };
    }
    const m = measured.get(e.folder);
    if (m) {
      links.measured = {
        lineage: m,
        recordOf: (id) => {
          const r = entryByFolder.get(id);
          return r ? { label: r.name ?? r.id, page: r.page } : null;
        },
      };
    }
    files.push({ path: e.page, content: recordPage(e, byFolder.get(e.folder), links, lb.hosted) });
  }
  return files;
}

/** The record against its parent by atlases, or null when either has none or they scored different documents. */
function comparedOrNull(parentDir: string, dir: string): CompareResult | null {
  try {
    return compareRuns(parentDir, dir, { documents: true, resamples: 1000 });
  } catch (e) {
    if (isPgolfError(e)) return null; // records made before atlases, other courses: no plot
    throw e;
  }
}
