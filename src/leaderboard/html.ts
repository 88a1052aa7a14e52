// HTML text from untrusted input. Every string a record supplies (names, authors, blurbs, file
// names, finding messages) goes through `esc` before it reaches a page; nothing else builds markup
// from record text. Attribute values are always double-quoted, so the same escaping covers them.

import { esc } from "../core/markup.js";

export { esc, truncate } from "../core/markup.js";

/** A file name safe in a URL and on any file system: [A-Za-z0-9._-], never starting with a dot. */
export function slug(text: string): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return s.length > 0 ? s.slice(0, 120) : "record";
}

export interface PageSpec {
  title: string;
  /** "" for pages at the site root, "../" for pages one folder down. */
  base: string;
  /** Which nav item is current. */
  nav?: "index" | "lineage" | "record";
  body: string;
  /** Served by a contest server: the nav also links its pages (submit, review, admin, sign in). */
  hosted?: boolean;
}

/** The contest server's own pages (src/server/ui_pages.ts), at the site root of a hosted contest. */
const HOSTED_NAV = [
  ["/submit", "Submit"],
  ["/review", "Review"],
  ["/admin", "Admin"],
  ["/signin", "Sign in"],
];

/** The page frame every page shares: one local stylesheet, one local script, no remote resource. */
export function page(p: PageSpec): string {
  const item = (href: string, label: string, key: PageSpec["nav"]) => `<a href="${p.base}${href}"${p.nav === key ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self' file:; script-src 'self' file:; img-src 'self' file: data:">
<title>${esc(p.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${p.base}assets/style.css">
<script src="${p.base}assets/site.js" defer></script>
</head>
<body>
<header class="top"><nav>${item("index.html", "Leaderboard", "index")} ${item("index.html#frontier", "Frontier", undefined)} ${item("index.html#bytes", "Bytes vs bpb", undefined)} ${item("lineage.html", "Lineage", "lineage")}${p.hosted ? " " + HOSTED_NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join(" ") : ""}</nav></header>
<main>
${p.body}
</main>
<footer>Built by pgolf from the record folders. Scores are the mean val_bpb of each record's scored seeds: as its logs give them, or, on a contest server, as the organizers' fleet reproduced them (each record says which).</footer>
</body>
</html>
`;
}
