// The leaderboard as Markdown, in the shape of the original contest's README:
//   | Run | Score | Author | Summary | Date | Info |
// one table per track, the ranked records only (best first). Score is the mean val_bpb to 4 decimals;
// Info links to the record's page of the site. Record text is untrusted: Markdown and HTML
// metacharacters are escaped and line breaks folded, so a name can neither break the table nor
// inject markup.
import type { Leaderboard, LeaderboardEntry, TrackBoard } from "./leaderboard.js";

export const MARKDOWN_COLUMNS = ["Run", "Score", "Author", "Summary", "Date", "Info"] as const;

/** Summaries longer than this are cut (the README's column holds a line, not the blurb). */
const SUMMARY_MAX = 160;

/** Escapes text for one cell of a Markdown table. */
export function mdCell(text: string | null | undefined): string {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.replace(/[\\`*_[\]<>|#!~&]/g, (c) => `\\${c}`);
}

function cut(text: string | null, max: number): string | null {
  if (text === null) return null;
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= max ? flat : chars.slice(0, max - 1).join("") + "…";
}

/** One row. `base` is prefixed to the record page link (the folder of the site, relative to the .md). */
export function markdownRow(e: LeaderboardEntry, base = ""): string {
  const cells = [
    mdCell(e.name ?? e.id),
    e.val_bpb !== null ? e.val_bpb.toFixed(4) : "",
    mdCell(e.author ?? e.github_id),
    mdCell(cut(e.summary, SUMMARY_MAX)),
    e.date ? e.date.slice(0, 10) : "",
    `[info](${base}${encodeURI(e.page)})`,
  ];
  return `| ${cells.join(" | ")} |`;
}

export function markdownTable(t: TrackBoard, base = ""): string {
  const ranked = t.records.filter((e) => e.rank !== null);
  const lines = [`| ${MARKDOWN_COLUMNS.join(" | ")} |`, "|-----|------:|--------|---------|------|------|", ...ranked.map((e) => markdownRow(e, base))];
  return lines.join("\n");
}

/** The whole file: a heading per track, its table, and a line on what was left out. */
export function leaderboardMarkdown(lb: Leaderboard, base = ""): string {
  const out = ["# Leaderboard", "", `Built from ${lb.summary.records} record folders. Score: mean val_bpb over the seeds ${lb.hosted ? "the contest's fleet reproduced (the logs' where none was reproduced)" : "the logs show"} (lower is better).`, ""];
  for (const t of lb.tracks) {
    const ranked = t.records.filter((e) => e.rank !== null).length;
    out.push(`## ${mdCell(t.name)}`, "");
    if (t.summary) out.push(`${mdCell(t.summary)}`, "");
    out.push(markdownTable(t, base), "");
    const rest = t.records.length - ranked;
    if (rest > 0) out.push(`${rest} more record${rest === 1 ? "" : "s"} on this track ${rest === 1 ? "is" : "are"} not ranked (findings, no score${t.recordTrack ? ", or did not enter the frontier" : ""}): see leaderboard.json or the site.`, "");
  }
  return out.join("\n");
}
