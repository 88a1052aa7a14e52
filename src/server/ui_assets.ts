// The web UI's stylesheet, on top of the leaderboard site's. Its one script is ui/app.browser.ts
// (bundled by ui_script.ts).

export const UI_CSS = `form.box { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; padding: 12px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; max-width: 980px; }
form.box label { display: flex; gap: 6px; align-items: center; }
form.box .or { color: var(--muted); }
button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button[type=submit], button.approve { background: var(--accent); color: #fff; border-color: var(--accent); }
button:disabled { opacity: 0.5; cursor: progress; }
.who { float: right; color: var(--muted); }
a.button { display: inline-block; padding: 6px 14px; border-radius: 6px; background: #24292f; color: #fff; text-decoration: none; font-weight: 600; }
#message { margin: 12px 0; }
.ok { color: var(--ok); }
.error { color: var(--err); }
.alive { color: var(--ok); font-weight: 600; }
.dead { color: var(--err); font-weight: 600; }
td.decision textarea { width: 220px; height: 3em; font: inherit; vertical-align: middle; }
td.decision select { font: inherit; }
ul.findings { margin: 4px 0; padding-left: 18px; }
code.token { user-select: all; background: #fff8c5; padding: 2px 4px; }
button.link { border: none; background: none; padding: 0; color: var(--accent); text-decoration: underline; }
button.file { font-family: ui-monospace, monospace; font-size: 13px; }
.detail { display: grid; grid-template-columns: minmax(220px, 1fr) 3fr; gap: 16px; }
#file-view { max-height: 520px; overflow: auto; background: #f6f8fa; border: 1px solid var(--line); padding: 8px; font-size: 13px; white-space: pre-wrap; }
.pairs .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 6px 0; }
.pairs pre { max-height: 260px; overflow: auto; background: #f6f8fa; border: 1px solid var(--line); padding: 6px; font-size: 12px; white-space: pre; margin: 0; }
.pairs figure { margin: 0; min-width: 0; }
.lineage-finding { border-top: 1px solid var(--line); padding-top: 6px; }
fieldset#screening { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
`;
