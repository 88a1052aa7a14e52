// The web UI's stylesheet (on top of the leaderboard site's) and its one script. The script talks
// to the JSON API with the signed-in account's token and builds every element with textContent, so
// no text from a record, an author or a worker is ever parsed as HTML. Plain ES2020, no framework.

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
fieldset#screening { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
`;

export const UI_JS = `"use strict";
(function () {
  var TOKEN_KEY = "pgolf-token";
  function token() { return localStorage.getItem(TOKEN_KEY) || ""; }
  function $(sel) { return document.querySelector(sel); }

  /** An element with attributes and children (strings become text nodes, never HTML). */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  /** The API with the signed-in token; errors carry the server's code, message and fix. */
  function api(method, path, body) {
    var headers = {};
    if (token()) headers.authorization = "Bearer " + token();
    if (body !== undefined) headers["content-type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
      if (res.status === 204) return null;
      return res.json().catch(function () { return null; }).then(function (json) {
        if (res.ok) return json;
        var e = json && json.error;
        throw new Error(e ? e.code + ": " + e.message + (e.fix ? " (" + e.fix + ")" : "") : "HTTP " + res.status);
      });
    });
  }

  function say(text, kind) {
    var m = $("#message");
    m.textContent = text;
    m.className = kind || "";
  }

  function bpb(x) { return typeof x === "number" ? x.toFixed(4) : ""; }
  function when(iso) { return iso ? iso.replace("T", " ").slice(0, 16) : ""; }

  function findingsCell(findings) {
    if (!findings || findings.length === 0) return el("td", { class: "ok", text: "none" });
    var list = el("ul", { class: "findings" });
    findings.forEach(function (f) { list.appendChild(el("li", { class: f.severity === "error" ? "error" : "" }, f.kind + ": " + f.message)); });
    return el("td", {}, list);
  }

  /** "2 of 3 seeds, mean 1.2345 (box-1)" from GET /api/submissions/:id/results. */
  function reproducedText(v) {
    if (!v || v.runs.length === 0) return v && v.queued.length ? "0 of " + v.queued.length + " seeds yet" : "not queued";
    var sum = 0;
    v.runs.forEach(function (r) { sum += r.val_bpb; });
    var workers = Array.from(new Set(v.runs.map(function (r) { return r.worker; }))).join(", ");
    return v.verified.length + " of " + Math.max(v.queued.length, v.verified.length) + " seeds, mean " + bpb(sum / v.runs.length) + " (" + workers + ")";
  }

  function showReproduced(cell, v) {
    cell.textContent = reproducedText(v);
    cell.className = v && v.runs.length > 0 ? "repro" : "repro none";
  }

  // signed in by a pasted token (kept in localStorage) or by GitHub (an HttpOnly session cookie the
  // page never sees; the API takes it): ask the server who this is
  function who() {
    var w = $("#who");
    return api("GET", "/api/session").then(function (s) {
      var me = s && s.user;
      w.textContent = me ? "signed in as " + me.handle + " (" + me.role + ")" : "not signed in";
      return me || null;
    }, function () { w.textContent = "not signed in"; return null; });
  }

  // ---- sign in ----
  function signin() {
    // back from GitHub: the session is an HttpOnly cookie; the fragment only says how it went (a
    // token in the address is never taken: a link must not sign a browser in as someone else)
    var hash = new URLSearchParams(location.hash.slice(1));
    history.replaceState(null, "", location.pathname);
    if (hash.has("signed-in")) {
      localStorage.removeItem(TOKEN_KEY);
      who().then(function (me) { if (me) say("Signed in with GitHub as " + me.handle + " (" + me.role + ").", "ok"); });
    } else if (hash.get("error")) say("GitHub sign-in failed: " + hash.get("error"), "error");
    $("#signin").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = $("#token").value.trim();
      localStorage.setItem(TOKEN_KEY, t);
      who().then(function (me) {
        if (me) say("Signed in as " + me.handle + " (" + me.role + ").", "ok");
        else { localStorage.removeItem(TOKEN_KEY); say("That token is not valid.", "error"); who(); }
      });
    });
    $("#signout").addEventListener("click", function () {
      var had = token();
      localStorage.removeItem(TOKEN_KEY);
      // a GitHub session ends on the server (its cookie goes too); a pasted token is only forgotten here
      (had ? Promise.resolve() : api("POST", "/api/session/logout").catch(function () {})).then(function () { who(); say("Signed out."); });
    });
  }

  // ---- submit ----
  function readBase64(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { var s = String(r.result); resolve(s.slice(s.indexOf(",") + 1)); };
      r.onerror = function () { reject(new Error("could not read " + file.name)); };
      r.readAsDataURL(file);
    });
  }

  function chosenFiles() {
    var folder = Array.from($("#folder").files || []);
    if (folder.length > 0) {
      // webkitRelativePath is "<folder>/<path>": the pack holds paths inside the folder
      return folder.map(function (f) { var p = f.webkitRelativePath || f.name; return { path: p.slice(p.indexOf("/") + 1), file: f }; });
    }
    return Array.from($("#files").files || []).map(function (f) { return { path: f.name, file: f }; });
  }

  function loadMine() {
    api("GET", "/api/submissions").then(function (subs) {
      var body = $("#mine tbody");
      body.textContent = "";
      subs.forEach(function (s) {
        var repro = el("td", { class: "repro", text: "…" });
        body.appendChild(el("tr", { "data-id": s.id }, el("td", { text: when(s.created_at) }), el("td", { text: (s.claimed.name || s.id) }), el("td", { class: "num", text: bpb(s.claimed.val_bpb) }), el("td", { class: "status", text: s.status }), findingsCell(s.findings), repro));
        api("GET", "/api/submissions/" + s.id + "/results").then(function (v) { showReproduced(repro, v); }, function () { repro.textContent = ""; });
      });
    }, function (e) { say(e.message, "error"); });
  }

  function submit() {
    loadMine();
    $("#submit").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = chosenFiles();
      if (chosen.length === 0) { say("Choose a record folder or its files first.", "error"); return; }
      var button = $("#submit button[type=submit]");
      button.disabled = true;
      say("Uploading " + chosen.length + " files…");
      Promise.all(chosen.map(function (c) { return readBase64(c.file).then(function (b) { return { path: c.path, base64: b }; }); }))
        .then(function (files) { return api("POST", "/api/submissions", { files: files }); })
        .then(function (s) {
          say("Received: submission " + s.id + " is " + s.status + (s.findings.length ? ", with " + s.findings.length + " finding(s)" : "") + ".", s.status === "changes-requested" ? "error" : "ok");
          loadMine();
        }, function (e) { say(e.message, "error"); })
        .then(function () { button.disabled = false; });
    });
  }

  // ---- review ----
  function decisionCell(s) {
    var action = el("select", { "aria-label": "decision" }, el("option", { value: "approve", text: "approve" }), el("option", { value: "request-changes", text: "request changes" }), el("option", { value: "reject", text: "reject" }));
    var reason = el("textarea", { placeholder: "reason (for the author)", "aria-label": "reason" });
    var go = el("button", { type: "button", class: "decide", text: "Decide" });
    go.addEventListener("click", function () {
      go.disabled = true;
      api("POST", "/api/submissions/" + s.id + "/review", { action: action.value, reason: reason.value }).then(function (r) {
        say("Submission " + s.id + " is now " + r.status + ".", "ok");
        loadQueue();
      }, function (e) { go.disabled = false; say(e.message, "error"); });
    });
    return el("td", { class: "decision" }, action, " ", reason, " ", go);
  }

  /** A submission's files and history below the queue; a file opens as text. */
  function showDetail(s) {
    $("#detail").hidden = false;
    $("#detail-title").textContent = (s.claimed.name || s.id) + " by " + s.author;
    var files = $("#files");
    var history = $("#history");
    files.textContent = "";
    history.textContent = "";
    $("#file-name").textContent = "Choose a file";
    $("#file-view").textContent = "";
    api("GET", "/api/submissions/" + s.id + "/files").then(function (list) {
      list.forEach(function (f) {
        var open = el("button", { type: "button", class: "file", "data-path": f.path, text: f.path });
        open.addEventListener("click", function () {
          var headers = token() ? { authorization: "Bearer " + token() } : {};
          fetch("/api/submissions/" + s.id + "/files/" + f.path.split("/").map(encodeURIComponent).join("/"), { headers: headers })
            .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
            .then(function (text) {
              $("#file-name").textContent = f.path + " (" + f.bytes + " bytes)";
              $("#file-view").textContent = text.length > 200000 ? text.slice(0, 200000) + "\\n… (first 200,000 characters)" : text;
            }, function (e) { say(e.message, "error"); });
        });
        files.appendChild(el("li", {}, open, " " + f.bytes + " bytes"));
      });
    }, function (e) { say(e.message, "error"); });
    api("GET", "/api/submissions/" + s.id + "/audit").then(function (trail) {
      trail.forEach(function (a) {
        var d = a.details || {};
        history.appendChild(el("li", {}, el("strong", { text: a.actor }), " " + a.action + (d.reason ? ": " + d.reason : "") + (d.seed !== undefined ? " (seed " + d.seed + ", val_bpb " + bpb(d.val_bpb) + ")" : "")));
      });
    }, function (e) { say(e.message, "error"); });
  }

  function loadQueue() {
    return api("GET", "/api/review/queue").then(function (subs) {
      var body = $("#queue tbody");
      body.textContent = "";
      if (subs.length === 0) body.appendChild(el("tr", {}, el("td", { colspan: "8", class: "empty", text: "Nothing is waiting for review." })));
      subs.forEach(function (s) {
        var repro = el("td", { class: "repro", text: "…" });
        var name = el("button", { type: "button", class: "link", text: s.claimed.name || s.id });
        name.addEventListener("click", function () { showDetail(s); });
        body.appendChild(el("tr", { "data-id": s.id }, el("td", { text: when(s.created_at) }), el("td", {}, name), el("td", { text: s.author + (s.source === "github" ? " (GitHub)" : "") }), el("td", { class: "num", text: bpb(s.claimed.val_bpb) }), el("td", { class: "status", text: s.status }), findingsCell(s.findings), repro, decisionCell(s)));
        api("GET", "/api/submissions/" + s.id + "/results").then(function (v) { showReproduced(repro, v); }, function () { repro.textContent = ""; });
      });
    }, function (e) { say(e.message, "error"); });
  }

  // ---- admin ----
  function mib(x) { return (x / 1048576).toFixed(0) + " MiB"; }

  function loadFleet() {
    return api("GET", "/api/admin/fleet").then(function (f) {
      $("#alive-after").textContent = String(f.alive_after_seconds);
      var q = f.queue;
      $("#queue-stats").textContent = q ? Object.keys(q).map(function (k) { return k + " " + q[k]; }).join(", ") : "no verification queue";
      $("#queue-stats").className = "";
      var body = $("#fleet tbody");
      body.textContent = "";
      if (f.workers.length === 0) body.appendChild(el("tr", {}, el("td", { colspan: "11", class: "empty", text: "No worker has sent a heartbeat in the last day." })));
      f.workers.forEach(function (w) {
        var state = el("td", { class: w.alive ? "alive" : "dead", text: w.alive ? w.state : w.state === "stopped" ? "stopped" : "silent" });
        var job = w.job ? "submission " + String(w.job.submission_id).slice(0, 8) + " seed " + w.job.seed : "";
        body.appendChild(el("tr", { "data-instance": w.instance, "data-handle": w.handle }, el("td", { text: w.handle }), el("td", { text: w.host }), state, el("td", { text: job }), el("td", { class: "num", text: w.seconds_since_heartbeat + " s ago" }), el("td", { class: "num", text: String(w.jobs_done) }), el("td", { class: "num", text: String(w.jobs_failed) }), el("td", { class: "num", text: String(w.cpus) }), el("td", { class: "num", text: mib(w.memory_bytes) }), el("td", { text: w.isolation ? "yes" : "no" }), el("td", { text: w.version })));
      });
    }, function (e) { say(e.message, "error"); });
  }

  var KINDS = ["schema", "missing-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time", "implausible-score", "too-few-seeds", "not-significant", "reproduction-differs"];

  function loadRules() {
    return api("GET", "/api/admin/contest").then(function (c) {
      $("#max-open").value = String(c.max_open_submissions_per_author);
      $("#verify-minutes").value = c.verify_minutes === null ? "" : String(c.verify_minutes);
      $("#private-courses").value = c.private_validation_courses.join(", ");
      var box = $("#screening");
      Array.from(box.querySelectorAll("label")).forEach(function (l) { l.remove(); });
      KINDS.forEach(function (k) {
        var cb = el("input", { type: "checkbox", value: k });
        cb.checked = c.screening.indexOf(k) >= 0;
        box.appendChild(el("label", {}, cb, " " + k));
      });
    }, function (e) { say(e.message, "error"); });
  }

  function admin() {
    loadRules();
    $("#rules").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var minutes = $("#verify-minutes").value.trim();
      var body = {
        max_open_submissions_per_author: Number($("#max-open").value),
        verify_minutes: minutes === "" ? null : Number(minutes),
        screening: Array.from(document.querySelectorAll("#screening input:checked")).map(function (x) { return x.value; }),
        private_validation_courses: $("#private-courses").value.split(",").map(function (x) { return x.trim(); }).filter(function (x) { return x !== ""; }),
      };
      api("PATCH", "/api/admin/contest", body).then(function () { say("Rules saved.", "ok"); loadRules(); }, function (e) { say(e.message, "error"); });
    });
    loadFleet();
    setInterval(loadFleet, 5000);
    $("#adduser").addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("POST", "/api/users", { handle: $("#handle").value.trim(), role: $("#role").value, github_login: $("#github-login").value.trim() }).then(function (r) {
        var t = $("#newtoken");
        t.textContent = "";
        t.appendChild(el("span", { class: "ok", text: r.user.handle + " (" + r.user.role + ") created. Token, shown once: " }));
        t.appendChild(el("code", { class: "token", text: r.token }));
      }, function (e) { say(e.message, "error"); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "signin") { who(); signin(); return; }
    who().then(function (me) {
      if (!me) say("Sign in first (Sign in, above): with the token the organizers gave you, or with GitHub.", "error");
      else if (page === "submit") submit();
      else if (page === "review") loadQueue();
      else if (page === "admin") admin();
    });
  });
})();
`;
