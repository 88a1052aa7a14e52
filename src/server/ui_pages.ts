// The contest's web pages for people: sign in (an account token, kept in the browser's
// localStorage), submit a record folder, the review queue, and the admin view of the fleet. The
// pages are fixed HTML; their one script (ui/app.browser.ts, bundled by ui_script.ts) fills them
// from the JSON API (contest_routes.ts) with the same token a CLI user sends, so the browser can do
// nothing the API would not allow.
// Record text reaches a page only through textContent, and a strict CSP allows this origin's own
// script, style and API and nothing else.
import { esc } from "../leaderboard/html.js";
import { UI_CSS } from "./ui_assets.js";
import { uiScript } from "./ui_script.js";
import type { App } from "./app.js";

export type UiPage = "signin" | "submit" | "review" | "admin";

const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const TITLES: Record<UiPage, string> = { signin: "Sign in", submit: "Submit a record", review: "Review queue", admin: "Fleet and accounts" };

const BODIES: Record<UiPage, string> = {
  signin: `<h1>Sign in</h1>
<p class="lead">Paste the account token the organizers gave you (it starts with <code>pg_</code>). It stays in this browser and is sent with each request, as <code>pgolf submit --token</code> does.</p>
<form id="signin" class="box">
<label>Token <input id="token" name="token" type="password" autocomplete="off" required size="60"></label>
<button type="submit">Sign in</button>
<button type="button" id="signout">Sign out</button>
</form>
<p id="message" role="status"></p>
<!--github-->`,
  submit: `<h1>Submit a record</h1>
<p class="lead">Choose a record folder (its code, <code>submission.json</code>, one log per seed and README.md), as <code>pgolf submit</code> or <code>pgolf run</code> writes it. It is checked at once; a pgolf record is then reproduced by the contest's fleet, seed by seed, and reviewed.</p>
<form id="submit" class="box">
<label>Record folder <input id="folder" type="file" webkitdirectory multiple></label>
<span class="or">or its files</span>
<label>Files <input id="files" type="file" multiple></label>
<button type="submit">Submit</button>
</form>
<div id="message" role="status"></div>
<h2>Your submissions</h2>
<div class="scroll"><table id="mine"><thead><tr><th>Submitted</th><th>Record</th><th class="num">Claimed val_bpb</th><th>Status</th><th>Findings</th><th>Reproduced</th></tr></thead><tbody></tbody></table></div>`,
  review: `<h1>Review queue</h1>
<p class="lead">Submissions that passed the automatic checks, oldest first, with what the fleet reproduced so far. Approve, reject or request changes; a reason is required except to approve, and every action is in the audit log.</p>
<div id="message" role="status"></div>
<div class="scroll"><table id="queue"><thead><tr><th>Submitted</th><th>Record</th><th>Author</th><th class="num">Claimed</th><th>Status</th><th>Findings</th><th>Reproduced</th><th>Decision</th></tr></thead><tbody></tbody></table></div>
<section id="detail" hidden>
<h2 id="detail-title"></h2>
<div class="detail">
<div><h3>Files</h3><ul id="files"></ul><h3>History</h3><ol id="history"></ol></div>
<div><h3 id="file-name">Choose a file</h3><pre id="file-view"></pre></div>
</div>
<h3>Lineage</h3>
<div id="lineage"></div>
</section>`,
  admin: `<h1>Fleet and accounts</h1>
<p class="lead">Every worker heard from in the last day (alive: a heartbeat in the last <span id="alive-after">45</span> s) and the verification queue. Refreshed every 5 s.</p>
<div id="message" role="status"></div>
<h2>Queue</h2>
<p id="queue-stats" class="empty">loading…</p>
<h2>Workers</h2>
<div class="scroll"><table id="fleet"><thead><tr><th>Worker</th><th>Host</th><th>State</th><th>Job</th><th class="num">Last heartbeat</th><th class="num">Done</th><th class="num">Failed</th><th class="num">CPUs</th><th class="num">Memory</th><th>Isolation</th><th>Version</th></tr></thead><tbody></tbody></table></div>
<h2>Contest rules</h2>
<form id="rules" class="box">
<label>Open submissions per author <input id="max-open" type="number" min="1" max="1000" required></label>
<label>Record packs an author may upload in 24 hours, MiB <input id="upload-quota" type="number" min="0.001" step="any" required></label>
<label>Training minutes per seed on the fleet <input id="verify-minutes" type="number" min="0" step="any" placeholder="the track's cap"></label>
<label>Courses whose validation split only this server holds (ranked play allowed whatever their memorization bound) <input id="private-courses" placeholder="e.g. fineweb-sp1024"></label>
<fieldset id="screening"><legend>Findings that send a submission back before verification</legend></fieldset>
<button type="submit">Save rules</button>
</form>
<h2>New account</h2>
<form id="adduser" class="box">
<label>Handle <input id="handle" required pattern="[A-Za-z0-9][A-Za-z0-9_-]{0,38}"></label>
<label>GitHub login (optional) <input id="github-login" pattern="[A-Za-z0-9][A-Za-z0-9-]{0,38}"></label>
<label>Role <select id="role"><option>participant</option><option>reviewer</option><option>worker</option><option>admin</option></select></label>
<button type="submit">Create</button>
</form>
<p id="newtoken" role="status"></p>`,
};

/** A page of the web UI (fixed HTML: nothing from the request or the database is in it). */
export function uiPage(page: UiPage, o: { github?: boolean } = {}): string {
  const nav = (href: string, label: string, key?: UiPage) => `<a href="${href}"${key === page ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(TITLES[page])}: Parameter Golf</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
<link rel="stylesheet" href="/ui/ui.css">
<script src="/ui/app.js" defer></script>
</head>
<body data-page="${page}">
<header class="top"><nav>${nav("/", "Leaderboard")} ${nav("/submit", "Submit", "submit")} ${nav("/review", "Review", "review")} ${nav("/admin", "Admin", "admin")} ${nav("/signin", "Sign in", "signin")} <span id="who" class="who"></span></nav></header>
<main>
${BODIES[page].replace("<!--github-->", o.github ? '<p><a id="github-signin" class="button" href="/auth/github">Sign in with GitHub</a></p>' : "")}
</main>
</body>
</html>
`;
}

const PAGES: Record<string, UiPage> = { "/signin": "signin", "/submit": "submit", "/review": "review", "/admin": "admin" };

/** Mounts the UI's pages and its two static files. */
export function mountUi(app: App, o: { github?: boolean } = {}): void {
  const files = new Map<string, { type: string; body: Buffer }>([
    ["/ui/app.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(uiScript()) }],
    ["/ui/ui.css", { type: "text/css; charset=utf-8", body: Buffer.from(UI_CSS) }],
    ...Object.entries(PAGES).map(([p, k]) => [p, { type: "text/html; charset=utf-8", body: Buffer.from(uiPage(k, o)) }] as const),
  ]);
  for (const [p, f] of files) {
    app.get(p, (c) =>
      c.body(new Uint8Array(f.body), 200, {
        "content-type": f.type,
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-cache",
      }),
    );
  }
}
