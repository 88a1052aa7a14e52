// The web UI's one script (ui_pages.ts serves it as /ui/app.js, bundled by esbuild: ui_script.ts).
// The page's <body data-page> says which page this is; the script fills it from the JSON API with
// the signed-in account's credentials, so the browser can do nothing the API would not allow. Every
// element is built with textContent (dom.ts): no text from a record, an author or a worker is ever
// parsed as HTML. Checked with the DOM's types by tsconfig.browser.json, never by Node's tsconfig.
import { api, authorization, forgetToken, keepToken, token } from "./api.js";
import type { AuditEntry, ContestRules, Fleet, Finding, LineageAnswer, LineageEvidence, LineageFinding, NewAccount, Results, SessionAnswer, Submission, SubmissionFile } from "./api_types.js";
import { $, el } from "./dom.js";

type Me = NonNullable<SessionAnswer["user"]>;

function say(text: string, kind?: string): void {
  const m = $("#message");
  m.textContent = text;
  m.className = kind || "";
}

/** A refused or failed request, shown in the page's message line. */
function sayError(e: Error): void {
  say(e.message, "error");
}

function bpb(x: number | null | undefined): string {
  return typeof x === "number" ? x.toFixed(4) : "";
}

function when(iso: string): string {
  return iso ? iso.replace("T", " ").slice(0, 16) : "";
}

function findingsCell(findings: Finding[]): HTMLTableCellElement {
  if (!findings || findings.length === 0) return el("td", { class: "ok", text: "none" });
  const list = el("ul", { class: "findings" });
  for (const f of findings) list.appendChild(el("li", { class: f.severity === "error" ? "error" : "" }, f.kind + ": " + f.message));
  return el("td", {}, list);
}

/** "2 of 3 seeds, mean 1.2345 (box-1)" from GET /api/submissions/:id/results. */
function reproducedText(v: Results | null): string {
  if (!v || v.runs.length === 0) return v && v.queued.length ? "0 of " + v.queued.length + " seeds yet" : "not queued";
  let sum = 0;
  for (const r of v.runs) sum += r.val_bpb;
  const workers = Array.from(new Set(v.runs.map((r) => r.worker))).join(", ");
  return v.verified.length + " of " + Math.max(v.queued.length, v.verified.length) + " seeds, mean " + bpb(sum / v.runs.length) + " (" + workers + ")";
}

function showReproduced(cell: HTMLTableCellElement, v: Results | null): void {
  cell.textContent = reproducedText(v);
  cell.className = v && v.runs.length > 0 ? "repro" : "repro none";
}

/** A "Reproduced" cell, filled when the submission's results arrive (emptied if they cannot be read). */
function reproducedCell(s: Submission): HTMLTableCellElement {
  const repro = el("td", { class: "repro", text: "…" });
  api<Results>("GET", "/api/submissions/" + s.id + "/results").then(
    (v) => showReproduced(repro, v),
    () => {
      repro.textContent = "";
    },
  );
  return repro;
}

// signed in by a pasted token (kept in localStorage) or by GitHub (an HttpOnly session cookie the
// page never sees; the API takes it): ask the server who this is
function who(): Promise<Me | null> {
  const w = $("#who");
  return api<SessionAnswer>("GET", "/api/session").then(
    (s) => {
      const me = s && s.user;
      w.textContent = me ? "signed in as " + me.handle + " (" + me.role + ")" : "not signed in";
      return me || null;
    },
    () => {
      w.textContent = "not signed in";
      return null;
    },
  );
}

// ---- sign in ----
function signin(): void {
  // back from GitHub: the session is an HttpOnly cookie; the fragment only says how it went (a
  // token in the address is never taken: a link must not sign a browser in as someone else)
  const hash = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname);
  if (hash.has("signed-in")) {
    forgetToken();
    who().then((me) => {
      if (me) say("Signed in with GitHub as " + me.handle + " (" + me.role + ").", "ok");
    });
  } else if (hash.get("error")) say("GitHub sign-in failed: " + hash.get("error"), "error");
  $("#signin").addEventListener("submit", (ev) => {
    ev.preventDefault();
    keepToken($<HTMLInputElement>("#token").value.trim());
    who().then((me) => {
      if (me) say("Signed in as " + me.handle + " (" + me.role + ").", "ok");
      else {
        forgetToken();
        say("That token is not valid.", "error");
        who();
      }
    });
  });
  $("#signout").addEventListener("click", () => {
    const had = token();
    forgetToken();
    // a GitHub session ends on the server (its cookie goes too); a pasted token is only forgotten here
    (had ? Promise.resolve() : api<null>("POST", "/api/session/logout").catch(() => undefined)).then(() => {
      who();
      say("Signed out.");
    });
  });
}

// ---- submit ----
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(",") + 1));
    };
    r.onerror = () => reject(new Error("could not read " + file.name));
    r.readAsDataURL(file);
  });
}

/** The chosen folder's files (or else the chosen files), each with its path in the record. */
function chosenFiles(): { path: string; file: File }[] {
  const folder = Array.from($<HTMLInputElement>("#folder").files || []);
  if (folder.length > 0) {
    // webkitRelativePath is "<folder>/<path>": the pack holds paths inside the folder
    return folder.map((f) => {
      const p = f.webkitRelativePath || f.name;
      return { path: p.slice(p.indexOf("/") + 1), file: f };
    });
  }
  return Array.from($<HTMLInputElement>("#files").files || []).map((f) => ({ path: f.name, file: f }));
}

function loadMine(): void {
  api<Submission[]>("GET", "/api/submissions").then((subs) => {
    const body = $("#mine tbody");
    body.textContent = "";
    for (const s of subs) {
      body.appendChild(el("tr", { "data-id": s.id }, el("td", { text: when(s.created_at) }), el("td", { text: s.claimed.name || s.id }), el("td", { class: "num", text: bpb(s.claimed.val_bpb) }), el("td", { class: "status", text: s.status }), findingsCell(s.findings), reproducedCell(s)));
    }
  }, sayError);
}

function submit(): void {
  loadMine();
  $("#submit").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const chosen = chosenFiles();
    if (chosen.length === 0) {
      say("Choose a record folder or its files first.", "error");
      return;
    }
    const button = $<HTMLButtonElement>("#submit button[type=submit]");
    button.disabled = true;
    say("Uploading " + chosen.length + " files…");
    Promise.all(chosen.map((c) => readBase64(c.file).then((b) => ({ path: c.path, base64: b }))))
      .then((files) => api<Submission>("POST", "/api/submissions", { files }))
      .then((s) => {
        say("Received: submission " + s.id + " is " + s.status + (s.findings.length ? ", with " + s.findings.length + " finding(s)" : "") + ".", s.status === "changes-requested" ? "error" : "ok");
        loadMine();
      }, sayError)
      .then(() => {
        button.disabled = false;
      });
  });
}

// ---- review ----
function decisionCell(s: Submission): HTMLTableCellElement {
  const action = el("select", { "aria-label": "decision" }, el("option", { value: "approve", text: "approve" }), el("option", { value: "request-changes", text: "request changes" }), el("option", { value: "reject", text: "reject" }));
  const reason = el("textarea", { placeholder: "reason (for the author)", "aria-label": "reason" });
  const go = el("button", { type: "button", class: "decide", text: "Decide" });
  go.addEventListener("click", () => {
    go.disabled = true;
    api<Submission>("POST", "/api/submissions/" + s.id + "/review", { action: action.value, reason: reason.value }).then(
      (r) => {
        say("Submission " + s.id + " is now " + r.status + ".", "ok");
        loadQueue();
      },
      (e: Error) => {
        go.disabled = false;
        sayError(e);
      },
    );
  });
  return el("td", { class: "decision" }, action, " ", reason, " ", go);
}

/** The longest text a file shows, in characters: the rest is left out rather than slowing the page. */
const FILE_VIEW_CHARS = 200000;

/** A submission's files and history below the queue; a file opens as text. */
function showDetail(s: Submission): void {
  $("#detail").hidden = false;
  $("#detail-title").textContent = (s.claimed.name || s.id) + " by " + s.author;
  const files = $("#files");
  const trail = $("#history");
  files.textContent = "";
  trail.textContent = "";
  $("#file-name").textContent = "Choose a file";
  $("#file-view").textContent = "";
  api<SubmissionFile[]>("GET", "/api/submissions/" + s.id + "/files").then((list) => {
    for (const f of list) {
      const open = el("button", { type: "button", class: "file", "data-path": f.path, text: f.path });
      open.addEventListener("click", () => {
        fetch("/api/submissions/" + s.id + "/files/" + f.path.split("/").map(encodeURIComponent).join("/"), { headers: authorization() })
          .then((r) => {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.text();
          })
          .then((text) => {
            $("#file-name").textContent = f.path + " (" + f.bytes + " bytes)";
            $("#file-view").textContent = text.length > FILE_VIEW_CHARS ? text.slice(0, FILE_VIEW_CHARS) + "\n… (first 200,000 characters)" : text;
          }, sayError);
      });
      files.appendChild(el("li", {}, open, " " + f.bytes + " bytes"));
    }
  }, sayError);
  showLineage(s);
  api<AuditEntry[]>("GET", "/api/submissions/" + s.id + "/audit").then((entries) => {
    for (const a of entries) {
      const d = a.details || {};
      trail.appendChild(el("li", {}, el("strong", { text: a.actor }), " " + a.action + (d.reason ? ": " + d.reason : "") + (d.seed !== undefined ? " (seed " + d.seed + ", val_bpb " + bpb(d.val_bpb) + ")" : "")));
    }
  }, sayError);
}

/** Both sides of a finding's evidence, side by side: this submission's lines, then the earlier one's. */
function evidencePairs(f: LineageFinding): HTMLElement {
  const pairs = el("div", { class: "pairs" });
  for (let i = 0; i + 1 < f.evidence.length; i += 2) {
    const side = (e: LineageEvidence, label: string) =>
      el("figure", { class: "side" }, el("figcaption", { text: label + ": " + e.submission + " " + e.file + ":" + e.line + "-" + e.endLine }), el("pre", { text: e.text || "" }));
    pairs.appendChild(el("div", { class: "pair" }, side(f.evidence[i], "this submission"), side(f.evidence[i + 1], "earlier")));
  }
  return pairs;
}

/** The lineage section of a submission's detail: built on, new code, credit findings; a suggested credit is accepted with one click (audited). */
function showLineage(s: Submission): void {
  const box = $("#lineage");
  box.textContent = "";
  api<LineageAnswer>("GET", "/api/submissions/" + s.id + "/lineage").then((v) => renderLineage(s, v), sayError);
}

function renderLineage(s: Submission, v: LineageAnswer): void {
  const box = $("#lineage");
  box.textContent = "";
  if (v.status !== "done" || !v.lineage) {
    box.appendChild(el("p", { class: "empty", text: "Not analysed yet: the lineage analysis runs after intake, against every earlier submission." }));
    return;
  }
  const l = v.lineage;
  const pct = (x: number) => Math.round(x * 100) + "%";
  box.appendChild(el("p", { class: "built-on", text: "Built on: " + (l.inferred.length ? l.inferred.slice(0, 3).map((i) => i.id + " (" + pct(i.share) + ")").join(", ") : "no earlier submission") + ". New code: " + pct(l.novel.share) + " of its own." }));
  const accepted = new Set(v.credits.map((c) => c.source));
  for (const c of v.credits) box.appendChild(el("p", { class: "credit accepted", text: "Credited (accepted by " + c.accepted_by + "): " + c.credit }));
  if (l.findings.length === 0) box.appendChild(el("p", { class: "empty", text: "No credit findings." }));
  for (const f of l.findings) {
    const item = el("div", { class: "lineage-finding", "data-kind": f.kind }, el("p", {}, el("strong", { text: f.severity + " " + f.kind + ": " }), f.message));
    if (f.source && (f.kind === "credit-suggested" || f.kind === "uncredited-reuse") && !accepted.has(f.source)) {
      const accept = el("button", { type: "button", class: "accept-credit", "data-source": f.source, text: "Accept suggested credit" });
      accept.addEventListener("click", () => {
        accept.disabled = true;
        api<LineageAnswer>("POST", "/api/submissions/" + s.id + "/credits", { source: f.source }).then(
          (r) => {
            say("Credit to " + f.source + " accepted and recorded in the audit log.", "ok");
            renderLineage(s, r);
          },
          (e: Error) => {
            accept.disabled = false;
            sayError(e);
          },
        );
      });
      item.appendChild(accept);
    }
    item.appendChild(evidencePairs(f));
    box.appendChild(item);
  }
}

function loadQueue(): Promise<void> {
  return api<Submission[]>("GET", "/api/review/queue").then((subs) => {
    const body = $("#queue tbody");
    body.textContent = "";
    if (subs.length === 0) body.appendChild(el("tr", {}, el("td", { colspan: "8", class: "empty", text: "Nothing is waiting for review." })));
    for (const s of subs) {
      const name = el("button", { type: "button", class: "link", text: s.claimed.name || s.id });
      name.addEventListener("click", () => showDetail(s));
      body.appendChild(el("tr", { "data-id": s.id }, el("td", { text: when(s.created_at) }), el("td", {}, name), el("td", { text: s.author + (s.source === "github" ? " (GitHub)" : "") }), el("td", { class: "num", text: bpb(s.claimed.val_bpb) }), el("td", { class: "status", text: s.status }), findingsCell(s.findings), reproducedCell(s), decisionCell(s)));
    }
  }, sayError);
}

// ---- admin ----
function mib(x: number): string {
  return (x / 1048576).toFixed(0) + " MiB";
}

function loadFleet(): Promise<void> {
  return api<Fleet>("GET", "/api/admin/fleet").then((f) => {
    $("#alive-after").textContent = String(f.alive_after_seconds);
    const q = f.queue;
    $("#queue-stats").textContent = q ? Object.keys(q).map((k) => k + " " + q[k]).join(", ") : "no verification queue";
    $("#queue-stats").className = "";
    const body = $("#fleet tbody");
    body.textContent = "";
    if (f.workers.length === 0) body.appendChild(el("tr", {}, el("td", { colspan: "11", class: "empty", text: "No worker has sent a heartbeat in the last day." })));
    for (const w of f.workers) {
      const state = el("td", { class: w.alive ? "alive" : "dead", text: w.alive ? w.state : w.state === "stopped" ? "stopped" : "silent" });
      const job = w.job ? "submission " + String(w.job.submission_id).slice(0, 8) + " seed " + w.job.seed : "";
      body.appendChild(el("tr", { "data-instance": w.instance, "data-handle": w.handle }, el("td", { text: w.handle }), el("td", { text: w.host }), state, el("td", { text: job }), el("td", { class: "num", text: w.seconds_since_heartbeat + " s ago" }), el("td", { class: "num", text: String(w.jobs_done) }), el("td", { class: "num", text: String(w.jobs_failed) }), el("td", { class: "num", text: String(w.cpus) }), el("td", { class: "num", text: mib(w.memory_bytes) }), el("td", { text: w.isolation ? "yes" : "no" }), el("td", { text: w.version })));
    }
  }, sayError);
}

/** The finding kinds an admin may screen on, as contest_config.ts's FINDING_KINDS lists them. */
const KINDS = ["schema", "missing-file", "unsafe-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time", "implausible-score", "too-few-seeds", "not-significant", "reproduction-differs"];

function loadRules(): Promise<void> {
  return api<ContestRules>("GET", "/api/admin/contest").then((c) => {
    $<HTMLInputElement>("#max-open").value = String(c.max_open_submissions_per_author);
    $<HTMLInputElement>("#upload-quota").value = String(c.max_upload_bytes_per_author_per_day / 1048576);
    $<HTMLInputElement>("#verify-minutes").value = c.verify_minutes === null ? "" : String(c.verify_minutes);
    $<HTMLInputElement>("#private-courses").value = c.private_validation_courses.join(", ");
    const box = $("#screening");
    for (const l of Array.from(box.querySelectorAll("label"))) l.remove();
    for (const k of KINDS) {
      const cb = el("input", { type: "checkbox", value: k });
      cb.checked = c.screening.indexOf(k) >= 0;
      box.appendChild(el("label", {}, cb, " " + k));
    }
  }, sayError);
}

function admin(): void {
  loadRules();
  $("#rules").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const minutes = $<HTMLInputElement>("#verify-minutes").value.trim();
    const body: ContestRules = {
      max_open_submissions_per_author: Number($<HTMLInputElement>("#max-open").value),
      // the form says MiB, the rule is bytes
      max_upload_bytes_per_author_per_day: Math.round(Number($<HTMLInputElement>("#upload-quota").value) * 1048576),
      verify_minutes: minutes === "" ? null : Number(minutes),
      screening: Array.from(document.querySelectorAll<HTMLInputElement>("#screening input:checked")).map((x) => x.value),
      private_validation_courses: $<HTMLInputElement>("#private-courses")
        .value.split(",")
        .map((x) => x.trim())
        .filter((x) => x !== ""),
    };
    api<ContestRules>("PATCH", "/api/admin/contest", body).then(() => {
      say("Rules saved.", "ok");
      loadRules();
    }, sayError);
  });
  loadFleet();
  setInterval(loadFleet, 5000);
  $("#adduser").addEventListener("submit", (ev) => {
    ev.preventDefault();
    api<NewAccount>("POST", "/api/users", { handle: $<HTMLInputElement>("#handle").value.trim(), role: $<HTMLSelectElement>("#role").value, github_login: $<HTMLInputElement>("#github-login").value.trim() }).then((r) => {
      const t = $("#newtoken");
      t.textContent = "";
      t.appendChild(el("span", { class: "ok", text: r.user.handle + " (" + r.user.role + ") created. Token, shown once: " }));
      t.appendChild(el("code", { class: "token", text: r.token }));
    }, sayError);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.getAttribute("data-page");
  if (page === "signin") {
    who();
    signin();
    return;
  }
  who().then((me) => {
    if (!me) say("Sign in first (Sign in, above): with the token the organizers gave you, or with GitHub.", "error");
    else if (page === "submit") submit();
    else if (page === "review") loadQueue();
    else if (page === "admin") admin();
  });
});
