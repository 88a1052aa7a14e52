// The contest's web pages in a real browser (Debian's chromium, driven by playwright-core) against a
// real `pgolf serve` on the embedded PGlite: a participant signs in and submits a record folder with
// the form, a real worker reproduces it in an isolated run while the admin page shows it working, a
// reviewer approves it from the queue with the reproduced score in view, and the leaderboard shows
// the reproduced val_bpb beside the claim and the number of reproductions. Also: heartbeats and the
// fleet view over the API, the form upload's refusals, and "Sign in with GitHub" against a local
// server that speaks GitHub's OAuth web flow.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { launchChromium, NO_CHROMIUM } from "../../test/support/browser.js";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { api, declarePrivateValidation, listen } from "../../test/support/contest_api.js";
import { fastRecord } from "../../test/support/fast_record.js";
import { writeRoleRecord } from "../../test/support/original_record.js";
import { startContestServer } from "./contest_server.js";
import { CookieJar } from "../../test/support/cookie_jar.js";
import { GitHubServer } from "../../test/support/github_server.js";
import { isolationSupport } from "./isolation.js";
import { uiScript } from "./ui_script.js";
import { uploadRecord } from "./upload_client.js";
import { runWorker } from "./worker.js";

const work = tempDir();

/**
 * Waits until the element's text matches. Polled from here: the pages' CSP forbids eval, which
 * waitForFunction with a string would need (and the tests compile without DOM types).
 */
async function waitText(page: import("playwright-core").Page, selector: string, re: RegExp, timeout = 30_000): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    const text = await page.textContent(selector, { timeout: 1000 }).catch(() => null);
    if (text !== null && re.test(text)) return;
    if (Date.now() > end) throw new Error(`${selector} did not show ${re} within ${timeout} ms; it shows: ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function files(dir: string, rel = ""): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(dir, path.join(rel, d.name)) : [path.join(rel, d.name)]));
}

test("heartbeats make the fleet view; a silent worker is shown dead; web-form uploads are checked like packs", { timeout: 60_000 }, async () => {
  const s = await startContestServer({ data: path.join(work, "fleet"), databaseUrl: "" });
  const base = await listen(s);
  try {
    const admin = s.adminToken!;
    const w = (await api(base, "POST", "/api/users", admin, { handle: "box-1", role: "worker" })).json.token as string;
    const w2 = (await api(base, "POST", "/api/users", admin, { handle: "box-2", role: "worker" })).json.token as string;
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice" })).json.token as string;
    const beat = { instance: "inst-0001-abcdef", host: "rack-7", version: "0.1.0", started_at: new Date().toISOString(), state: "working", job: { id: "job-1", submission_id: "00000000-0000-4000-8000-000000000001", seed: 3 }, cpus: 2, memory_bytes: 8 * 2 ** 30, isolation: true, jobs_done: 4, jobs_failed: 1 };
    assert.equal((await api(base, "POST", "/api/worker/heartbeat", w, beat)).status, 204);
    assert.equal((await api(base, "POST", "/api/worker/heartbeat", alice, beat)).status, 403, "only workers beat");
    assert.equal((await api(base, "POST", "/api/worker/heartbeat", w2, beat)).status, 409, "another account's instance");
    assert.equal((await api(base, "POST", "/api/worker/heartbeat", w, { ...beat, state: "dancing" })).status, 400);
    assert.equal((await api(base, "GET", "/api/admin/fleet", alice)).status, 403);
    const fleet = (await api(base, "GET", "/api/admin/fleet", admin)).json;
    assert.equal(fleet.workers.length, 1);
    assert.deepEqual(
      { handle: fleet.workers[0].handle, host: fleet.workers[0].host, alive: fleet.workers[0].alive, state: fleet.workers[0].state, job: fleet.workers[0].job, done: fleet.workers[0].jobs_done },
      { handle: "box-1", host: "rack-7", alive: true, state: "working", job: { id: "job-1", submission_id: beat.job.submission_id, seed: 3 }, done: 4 },
    );
    assert.deepEqual(Object.keys(fleet.queue).sort(), ["active", "cancelled", "completed", "created", "failed", "retry"].sort());
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await s.contest!.fleet.view(1)).workers[0].alive, false, "silent past the limit");
    await api(base, "POST", "/api/worker/heartbeat", w, { ...beat, state: "idle", job: null, jobs_done: 5 });
    const again = (await s.contest!.fleet.view(1)).workers[0];
    assert.deepEqual([again.alive, again.state, again.job, again.jobs_done], [true, "idle", null, 5]);

    // the web form's JSON upload: a traversal path and bad base64 are refused before anything is stored
    const bad = await api(base, "POST", "/api/submissions", alice, { files: [{ path: "../evil.sh", base64: "aGk=" }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "PGOLF_ARTIFACT_TABLE");
    assert.equal((await api(base, "POST", "/api/submissions", alice, { files: [{ path: "a.txt", base64: "not base64!" }] })).status, 400);
    assert.equal((await api(base, "POST", "/api/submissions", alice, { files: [] })).status, 400);
    assert.equal((await api(base, "GET", "/api/submissions", alice)).json.length, 0);
    // the contest's rules: defaults, checked changes (admins only, audited), and intake follows them
    const rules = (await api(base, "GET", "/api/admin/contest", admin)).json;
    assert.deepEqual(rules, { track: "cpu-10min-2mb", max_open_submissions_per_author: 3, screening: ["schema", "missing-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time"], verify_minutes: null, private_validation_courses: [], max_upload_bytes_per_author_per_day: 1024 ** 3 });
    assert.equal((await api(base, "PATCH", "/api/admin/contest", alice, { verify_minutes: 1 })).status, 403);
    const unknown = await api(base, "PATCH", "/api/admin/contest", admin, { max_open: 1 });
    assert.deepEqual([unknown.status, unknown.json.error.code], [400, "PGOLF_CONFIG_UNKNOWN_KEY"]);
    assert.equal((await api(base, "PATCH", "/api/admin/contest", admin, { screening: ["no-such-kind"] })).status, 400);
    assert.equal((await api(base, "PATCH", "/api/admin/contest", admin, { max_open_submissions_per_author: 0 })).status, 400);
    // FineWeb records on this ranked track: the course rule needs the split declared private (course_rule.ts)
    const changed = (await api(base, "PATCH", "/api/admin/contest", admin, { max_open_submissions_per_author: 1, screening: [], verify_minutes: 0.5, private_validation_courses: ["fineweb-sp1024"] })).json;
    assert.deepEqual([changed.max_open_submissions_per_author, changed.screening, changed.verify_minutes, changed.private_validation_courses], [1, [], 0.5, ["fineweb-sp1024"]]);
    assert.deepEqual((await s.contest!.auditTrail("contest:main")).map((a) => a.action), ["contest.configure"]);
    // with nothing screened, a record with a score mismatch goes on to review; the limit of 1 then holds
    const records = path.join(work, "records", "track_10min_16mb");
    const first = await uploadRecord(base, alice, writeRoleRecord(records, "mismatched"));
    assert.equal(first.status, "checked");
    assert.ok(first.findings.some((f) => f.severity === "error" && f.kind === "score-mismatch"), JSON.stringify(first.findings));
    await rejectsWith(uploadRecord(base, alice, writeRoleRecord(records, "baseline")), "HTTP_RATE_LIMITED");
    // the pages' one script is valid JavaScript (a syntax error would leave every page empty)
    assert.doesNotThrow(() => new Function(uiScript()));
    // the pages are served with a strict CSP
    const page = await fetch(`${base}/submit`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy")!, /default-src 'none'.*connect-src 'self'/);
  } finally {
    await s.close();
  }
});

const skip = NO_CHROMIUM ?? (!isolationSupport().ok ? `isolation unavailable: ${isolationSupport().problems.join("; ")}` : undefined);

test("in the browser: submit with the form, watch the worker on the admin page, approve in the queue, see the reproduced score on the leaderboard", { skip, timeout: 300_000 }, async () => {
  fs.chmodSync(work, 0o755); // the sandbox user must reach the worker's folders
  const {
    runs: [run],
    record: rec,
  } = await fastRecord({ work, tag: "web", seeds: [7], name: "Unigram TTT (web)" });

  const s = await startContestServer({ data: path.join(work, "contest"), databaseUrl: "" });
  const base = await listen(s);
  const browser = await launchChromium();
  try {
    const admin = s.adminToken!;
    await declarePrivateValidation(base, admin);
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice" })).json.token as string;
    const rita = (await api(base, "POST", "/api/users", admin, { handle: "rita", role: "reviewer" })).json.token as string;
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    const signIn = async (token: string, handle: string) => {
      await page.goto(`${base}/signin`);
      await page.fill("#token", token);
      await page.click("#signin button[type=submit]");
      await waitText(page, "#who", new RegExp(handle));
    };

    // a participant submits the record folder with the form
    await signIn(alice, "alice");
    await page.goto(`${base}/submit`);
    const names = files(rec);
    const flat = names.every((n) => !n.includes(path.sep));
    if (flat) await page.setInputFiles("#files", names.map((n) => path.join(rec, n)));
    else await page.setInputFiles("#folder", rec);
    await page.click("#submit button[type=submit]");
    await waitText(page, "#message", /Received: submission/, 30_000);
    const message = await page.textContent("#message");
    assert.match(message!, /is queued/, message!);
    const id = /submission ([0-9a-f-]{36})/.exec(message!)![1];
    await page.waitForSelector(`#mine tr[data-id="${id}"]`);
    assert.equal(await page.textContent(`#mine tr[data-id="${id}"] td.status`), "queued");
    // the stored pack holds exactly the folder's files
    const stored = await s.contest!.submissions.get(id);
    assert.equal(stored.claimed.name, "Unigram TTT (web)");

    // a worker reproduces it; the admin page shows it while it works
    const workerToken = (await api(base, "POST", "/api/users", admin, { handle: "box-1", role: "worker" })).json.token as string;
    const lines: string[] = [];
    const worker = runWorker({ server: base, token: workerToken, workDir: path.join(work, "worker"), once: true, minutes: 0.05, heartbeatMs: 500, say: (l) => lines.push(l) });
    const adminPage = await browser.newPage();
    adminPage.on("pageerror", (e) => problems.push(`admin page error: ${e.message}`));
    await adminPage.goto(`${base}/signin`);
    await adminPage.fill("#token", admin);
    await adminPage.click("#signin button[type=submit]");
    await waitText(adminPage, "#who", /admin/);
    await adminPage.goto(`${base}/admin`);
    await waitText(adminPage, '#fleet tr[data-handle="box-1"]', /working/, 60_000);
    const working = await adminPage.textContent('#fleet tr[data-handle="box-1"]');
    assert.match(working!, new RegExp(`submission ${id.slice(0, 8)} seed 7`));
    assert.deepEqual(await worker, { jobs: 1, failed: 0 }, lines.join("\n"));
    await waitText(adminPage, '#fleet tr[data-handle="box-1"]', /stopped/, 15_000);
    assert.match((await adminPage.textContent("#queue-stats"))!, /completed 1/);

    // a reviewer sees the reproduced score in the queue and approves
    await signIn(rita, "rita");
    await page.goto(`${base}/review`);
    const row = `#queue tr[data-id="${id}"]`;
    await waitText(page, `${row} td.repro`, /1 of 1 seeds, mean/);
    assert.match((await page.textContent(`${row} td.repro`))!, new RegExp(`1 of 1 seeds, mean ${run.val_bpb.toFixed(4)} \\(box-1\\)`));
    assert.equal(await page.textContent(`${row} td.status`), "verified");
    // the reviewer reads the record's files and its history before deciding
    await page.click(`${row} button.link`);
    await waitText(page, "#files", /submission\.json/);
    await page.click('#files button[data-path="submission.json"]');
    await waitText(page, "#file-view", /Unigram TTT \(web\)/);
    await waitText(page, "#history", /box-1 result\.record \(seed 7/);
    assert.match((await page.textContent("#history"))!, /^alice submission\.receive/);
    // files are for reviewers and the author, not for other participants
    const bob = (await api(base, "POST", "/api/users", admin, { handle: "bob" })).json.token as string;
    assert.equal((await api(base, "GET", `/api/submissions/${id}/files`, bob)).status, 403);
    assert.equal((await api(base, "GET", `/api/submissions/${id}/files`, alice)).status, 200);
    const raw = await fetch(`${base}/api/submissions/${id}/files/submission.json`, { headers: { authorization: `Bearer ${alice}` } });
    assert.match(raw.headers.get("content-security-policy")!, /sandbox/);
    assert.equal(JSON.parse(await raw.text()).name, "Unigram TTT (web)");
    assert.equal((await api(base, "GET", `/api/submissions/${id}/files/..%2Fetc%2Fpasswd`, alice)).status, 404);
    await page.click(`${row} button.decide`);
    await waitText(page, "#message", /is now approved/);

    // the leaderboard shows the reproduced result, its claim and the number of reproductions
    await page.goto(`${base}/`);
    const lbRow = `tr[data-id="${id}"]`;
    await page.waitForSelector(lbRow);
    const cells = await page.$$eval(`${lbRow} td`, (tds) => tds.map((td) => td.textContent?.trim() ?? ""));
    assert.ok(await page.$('header.top a[href="/submit"]'), "the hosted leaderboard links the contest's pages");
    assert.equal(cells[2], run.val_bpb.toFixed(4), cells.join(" | "));
    assert.ok(cells.includes("1 run, 1 seed"), cells.join(" | "));
    const res = await s.contest!.db.query<{ val_bpb: number; worker: string }>(`SELECT val_bpb, worker FROM results WHERE submission_id = $1`, [id]);
    assert.deepEqual(res.rows.map((r) => r.worker), ["box-1"]);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await s.close();
  }
});

test("Sign in with GitHub: a reviewer made with a GitHub login signs in through the OAuth flow; replayed and forged callbacks fail", { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
  const gh = await GitHubServer.start();
  gh.oauthApp("Iv1.pgolf-test", "oauth-secret");
  const s = await startContestServer({ data: path.join(work, "signin"), databaseUrl: "", githubSignIn: { clientId: "Iv1.pgolf-test", clientSecret: "oauth-secret", webUrl: gh.url, apiUrl: gh.url } });
  const base = await listen(s);
  const browser = await launchChromium();
  try {
    assert.equal((await api(base, "POST", "/api/users", s.adminToken, { handle: "rita", role: "reviewer", github_login: "octo-rita" })).status, 201);
    assert.equal((await api(base, "POST", "/api/users", s.adminToken, { handle: "rita2", role: "reviewer", github_login: "octo-rita" })).status, 409, "one account per GitHub login");
    const page = await browser.newPage();
    gh.signIn("octo-rita");
    await page.goto(`${base}/signin`);
    await page.click("#github-signin");
    await waitText(page, "#message", /Signed in with GitHub as rita \(reviewer\)/);
    assert.equal(new URL(page.url()).hash, "", "the token is taken out of the address bar");
    await page.goto(`${base}/review`);
    await waitText(page, "#queue tbody", /Nothing is waiting for review/);
    const audit = await s.contest!.auditTrail("user:rita");
    assert.deepEqual(audit.map((a) => a.action), ["user.add", "user.github_bind", "session.start"], "the first sign-in binds the account to the GitHub id");

    // the callback GitHub sent is good once, and only in the browser that started it: replaying it
    // fails, as does a made-up state, and so does the same URL opened in another browser
    const callback = gh.requests.filter((r) => r.url.startsWith("/login/oauth/authorize")).length;
    assert.equal(callback, 1);
    const jar = new CookieJar();
    const start = await jar.get(`${base}/auth/github`);
    assert.match(start.headers.getSetCookie().join("\n"), /pgolf_oauth_state=[0-9a-f]{48}; .*HttpOnly/i, "the state is bound to the browser by an HttpOnly cookie");
    const back = await jar.get(start.headers.get("location")!);
    const callbackUrl = back.headers.get("location")!;
    const elsewhere = await new CookieJar().get(callbackUrl);
    assert.match(decodeURIComponent(elsewhere.headers.get("location")!), /not started in this browser/);
    const first = await jar.get(callbackUrl);
    assert.equal(first.headers.get("location"), "/signin#signed-in", "no token in the address");
    assert.match(first.headers.getSetCookie().join("\n"), /pgolf_session=pg_[0-9a-f]{48}; .*HttpOnly/i);
    const again = await jar.get(callbackUrl);
    assert.match(again.headers.get("location")!, /^\/signin#error=/);
    const forged = await jar.get(`${base}/auth/github/callback?code=abc&state=${"0".repeat(48)}`);
    assert.match(decodeURIComponent(forged.headers.get("location")!), /not started in this browser/);

    // someone new on GitHub becomes a participant; the session cookie works on the API, and signing out ends it
    gh.signIn("newcomer");
    const nj = new CookieJar();
    await nj.get((await nj.get((await nj.get(`${base}/auth/github`)).headers.get("location")!)).headers.get("location")!);
    const me = await fetch(`${base}/api/me`, { headers: nj.header() });
    assert.deepEqual(await me.json(), { handle: "newcomer", role: "participant" });
    assert.equal((await fetch(`${base}/api/review/queue`, { headers: nj.header() })).status, 403);
    assert.equal((await fetch(`${base}/api/session/logout`, { method: "POST", headers: nj.header() })).status, 204);
    assert.equal((await fetch(`${base}/api/me`, { headers: nj.header() })).status, 401, "signed out means the session is gone");
  } finally {
    await browser.close();
    await s.close();
    await gh.close();
  }
});
