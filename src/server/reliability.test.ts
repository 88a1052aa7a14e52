// Issue 7's reliability requirement, with real processes, real HTTP on localhost, the embedded
// PGlite and a real Postgres server: "kill a worker mid-job, restart the server mid-intake, and drop
// the database connection: no submission, result or review is lost or recorded twice". Each
// scenario prints one line of measured figures, starting "reliability:".
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { rejectsWith } from "../../test/support/errors.js";
import { PROJECT_ROOT, tempDir } from "../../test/support/fixtures.js";
import { api, declarePrivateValidation, listen } from "../../test/support/contest_api.js";
import { fastRecord } from "../../test/support/fast_record.js";
import { writeRoleRecord, type OriginalRecordRole } from "../../test/support/original_record.js";
import { postgresSkipReason, startPostgresServer, type PostgresServer } from "../../test/support/postgres_server.js";
import type { PgolfError } from "../core/error.js";
import { fetchAttempt, parseRetryAfter, transient, withRetries } from "../core/http_client.js";
import type { SubmissionView } from "./contest.js";
import { CONTEST_RETRY, serverError, type ContestRetryOptions } from "./contest_client.js";
import { startContestServer } from "./contest_server.js";
import { openDb } from "./open_db.js";
import { uploadRecord } from "./upload_client.js";

const work = tempDir("pgolf-reliability-");
/** An original-format record folder of this role (test/support/original_record.ts). */
const folder = (role: OriginalRecordRole) => writeRoleRecord(path.join(work, "records", "track_10min_16mb"), role);
const BIN = path.join(PROJECT_ROOT, "bin", "pgolf.js");
const LEASE_WORKER = path.join(PROJECT_ROOT, "test", "support", "lease_worker.ts");

let pgServer: PostgresServer | undefined;
after(async () => pgServer?.stop());

/** A real pgolf-native record (3 seeds of a fast entry, trained and scored), made once for the file. */
let record: Promise<string> | undefined;
function pgolfRecord(): Promise<string> {
  record ??= fastRecord({ work, tag: "fast", seeds: [1, 2, 3], name: "Unigram TTT" }).then((r) => r.record);
  return record;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A JSON request sent again while the server is unreachable or answers 503 (by the contest policy, as uploadRecord is). */
function requestWithRetry(base: string, method: string, p: string, token: string, body: unknown, retry: ContestRetryOptions = {}): Promise<{ status: number; json: any }> {
  return withRetries(
    base + p,
    method,
    async (a) => {
      const res = await fetchAttempt(base + p, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) }, a);
      if (res.status === 503) throw transient(await serverError(res, `${method} ${p}`, base), parseRetryAfter(res.headers.get("retry-after")));
      return { status: res.status, json: await res.json() };
    },
    { ...CONTEST_RETRY, ...retry, repeatable: true },
  );
}

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

function watch(child: ChildProcess): Proc {
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, stderr: () => err };
}

/** lease_worker.ts in its own process; its JSON events as they come. */
function spawnWorker(args: { server: string; token: string; holdMs?: number; idleExitMs?: number; pollMs?: number; maxJobs?: number }) {
  const child = spawn(process.execPath, ["--import", "tsx", LEASE_WORKER, JSON.stringify(args)], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const p = watch(child);
  const events: any[] = [];
  let waiters: (() => void)[] = [];
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      events.push(JSON.parse(out.slice(0, nl)));
      out = out.slice(nl + 1);
      for (const w of waiters) w();
    }
  });
  const next = async (pred: (e: any) => boolean, timeoutMs = 60_000): Promise<any> => {
    const t = performance.now();
    for (;;) {
      const found = events.find(pred);
      if (found) return found;
      if (performance.now() - t > timeoutMs) throw new Error(`no such worker event in ${timeoutMs} ms; events ${JSON.stringify(events)}; stderr ${p.stderr()}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), p.exited, sleep(250)]);
      waiters = [];
    }
  };
  return { ...p, events, next };
}

/** `pgolf serve --data DIR` (embedded PGlite) on a fixed port, as its own process; resolves when it listens. */
async function startServe(data: string, port: number, tmp: string): Promise<Proc & { hello: { url: string; admin_token: string | null }; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, "serve", "--data", data, "--track", "10min-16mb", "--port", String(port), "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DATABASE_URL: "", TMPDIR: tmp },
  });
  const p = watch(child);
  const hello = await new Promise<{ url: string; admin_token: string | null }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as { url: string; admin_token: string | null });
    });
    void p.exited.then((code) => reject(new Error(`pgolf serve exited with code ${code}: ${p.stderr()}`)));
  });
  return { ...p, hello, ms: performance.now() - t0 };
}

/** Files and folders under dir whose names mark them temporary (".tmp-", "pgolf-intake-"), not what is inside them. */
function temps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const all = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.startsWith("db/"));
  const temp = (name: string) => /(^|\.)tmp-|^pgolf-intake-/.test(name);
  return all.filter((f) => temp(path.basename(f)) && !path.dirname(f).split("/").some(temp));
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const t = performance.now();
  while (!(await cond())) {
    if (performance.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("a worker process killed while it holds a job: the job is leased again after expiry and its result recorded once; the dead lease's late report is refused", { timeout: 240_000 }, async () => {
  const rec = await pgolfRecord();
  const s = await startContestServer({ data: path.join(work, "worker-killed"), databaseUrl: "", queue: { expireInSeconds: 2, maintenanceIntervalSeconds: 1, retryDelaySeconds: 0, retryBackoff: false } });
  const base = await listen(s);
  const procs: Proc[] = [];
  try {
    const admin = s.adminToken!;
    await declarePrivateValidation(base, admin);
    const alice = (await api(base, "POST", "/api/users", admin, { handle: "alice" })).json.token as string;
    const boxA = (await api(base, "POST", "/api/users", admin, { handle: "box-a", role: "worker" })).json.token as string;
    const boxB = (await api(base, "POST", "/api/users", admin, { handle: "box-b", role: "worker" })).json.token as string;
    const sub = await uploadRecord(base, alice, rec);
    assert.equal(sub.status, "queued", JSON.stringify(sub.findings));

    // worker A leases a seed and is killed (SIGKILL: no report, no goodbye) while it holds it
    const a = spawnWorker({ server: base, token: boxA, holdMs: 600_000, maxJobs: 1 });
    procs.push(a);
    const held = (await a.next((e) => e.event === "lease")).job as { id: string; seed: number; attempt: number };
    assert.equal(held.attempt, 1);
    a.child.kill("SIGKILL");
    await a.exited;
    const killedAt = performance.now();
    const info = await s.contest!.jobs!.job(held.id);
    assert.equal(info?.state, "active", "the dead worker's job is still leased to it");
    // when the queue takes the job back: state "retry" (or, if leased again at once, a retry count above 0)
    const expired = (async () => {
      const back = async () => {
        const j = await s.contest!.jobs!.job(held.id);
        return !!j && (j.state !== "active" || j.retryCount > 0);
      };
      await until(back, "the dead worker's lease to expire", 30_000);
      return performance.now() - killedAt;
    })();

    // worker B, another process, takes the other seeds and, once the lease expired, the dead one's
    const b = spawnWorker({ server: base, token: boxB, holdMs: 1500, pollMs: 100, maxJobs: 3, idleExitMs: 60_000 });
    procs.push(b);
    const again = await b.next((e) => e.event === "lease" && e.job.id === held.id);
    const releasedAfterMs = performance.now() - killedAt;
    assert.equal(again.job.attempt, 2, "the job's second attempt");
    const expiredAfterMs = await expired;
    const result = { seed: held.seed, artifact_sha256: "a".repeat(64), val_loss: 1, val_bpb: 1, bytes_total: 1, train_seconds: 1, eval_seconds: 1 };
    // a late report of the dead lease, while B holds the job again, then after B reported it
    const late1 = await api(base, "POST", `/api/worker/jobs/${held.id}`, boxA, { result });
    assert.equal(late1.status, 409, JSON.stringify(late1.json));
    assert.equal(late1.json.error.code, "PGOLF_HTTP_CONFLICT");
    assert.match(late1.json.error.message, /held by another worker/);
    await b.next((e) => e.event === "report" && e.job.id === held.id);
    const late2 = await api(base, "POST", `/api/worker/jobs/${held.id}`, boxA, { result });
    assert.equal(late2.status, 409, JSON.stringify(late2.json));
    assert.match(late2.json.error.message, /not active/);
    assert.equal(await b.exited, 0, b.stderr());
    const verifiedAfterMs = performance.now() - killedAt;

    // one result per seed and per (artifact, seed); one result.record per seed in the audit trail
    const db = s.contest!.db;
    const rows = (await db.query<{ seed: number; artifact_sha256: string; worker: string }>(`SELECT seed, artifact_sha256, worker FROM results WHERE submission_id = $1 ORDER BY seed`, [sub.id])).rows;
    assert.deepEqual(rows.map((r) => [r.seed, r.worker]), [[1, "box-b"], [2, "box-b"], [3, "box-b"]]);
    assert.equal(new Set(rows.map((r) => `${r.artifact_sha256}:${r.seed}`)).size, 3);
    const trail = await s.contest!.auditTrail(`submission:${sub.id}`);
    const recorded = trail.filter((t) => t.action === "result.record").map((t) => (t.details as { seed: number }).seed);
    assert.deepEqual(recorded.sort(), [1, 2, 3]);
    assert.equal(trail.filter((t) => t.action === "verification.verified").length, 1);
    assert.equal((await api(base, "GET", `/api/submissions/${sub.id}`, admin)).json.status, "verified");
    const reports = b.events.filter((e) => e.event === "report");
    assert.ok(reports.every((e) => e.answer.recorded === true), JSON.stringify(reports));
    console.log(
      `reliability: worker SIGKILLed holding seed ${held.seed}: its lease expired ${(expiredAfterMs / 1000).toFixed(1)} s after the kill (expiry 2 s, maintenance every 1 s), the job was leased again by the other worker process after ${(releasedAfterMs / 1000).toFixed(1)} s (attempt ${again.job.attempt}); ` +
        `${reports.length} jobs reported by the other worker, 3 results, 3 result.record; late reports of the dead lease refused 2/2 (409); verified ${(verifiedAfterMs / 1000).toFixed(1)} s after the kill`,
    );
  } finally {
    for (const p of procs) p.child.kill("SIGKILL");
    await s.close();
  }
});

test("pgolf serve killed mid-intake and restarted on its data: every upload recorded once, nothing half-written; reviews sent around the kill recorded once", { timeout: 240_000 }, async () => {
  const data = path.join(work, "serve-killed");
  const tmp = path.join(work, "serve-tmp");
  fs.mkdirSync(tmp, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let srv = await startServe(data, port, tmp);
  const procs: Proc[] = [srv];
  try {
    const admin = srv.hello.admin_token!;
    await declarePrivateValidation(base, admin);
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) tokens.push((await api(base, "POST", "/api/users", admin, { handle: `golfer-${i}` })).json.token as string);
    const rita = (await api(base, "POST", "/api/users", admin, { handle: "rita", role: "reviewer" })).json.token as string;
    // two folders that pass the screening and one that fails it (its claim is its best seed)
    const folders = (["baseline", "threeSeeds", "bestSeed"] as const).map(folder);

    // 30 uploads at once (10 accounts, 3 record folders each: the per-author limit); the server is
    // SIGKILLed once 10 have been answered, and started again on the same data and port
    let answered = 0;
    const retried = new Set<string>();
    let retries = 0;
    const uploads = tokens.flatMap((token, i) =>
      folders.map(async (f, j) => {
        const key = `${i}/${j}`;
        const sub = await uploadRecord(base, token, f, {
          // the 30 come from one address, which the intake gives 8 places at once (intake.ts): more
          // "busy, retry" answers than 30 people from 30 addresses would get, so more attempts
          attempts: 16,
          onRetry: () => {
            retried.add(key);
            retries++;
          },
        });
        answered++;
        return { key, author: `golfer-${i}`, folder: f, sub };
      }),
    );
    const allUploads = Promise.all(uploads);
    await until(() => answered >= 10, "10 uploads answered");
    srv.child.kill("SIGKILL");
    await srv.exited;
    const killedAt = performance.now();
    const answeredBeforeKill = answered;
    const leftBehind = [...temps(data), ...temps(tmp)];
    srv = await startServe(data, port, tmp);
    procs.push(srv);
    const downMs = performance.now() - killedAt;
    const restartMs = srv.ms;
    assert.equal(srv.hello.admin_token, null, "no second admin after the restart");
    const done = await allUploads;
    const allAnsweredMs = performance.now() - killedAt;

    assert.equal(done.length, 30);
    assert.equal(new Set(done.map((d) => d.sub.id)).size, 30, "30 uploads, 30 submissions");
    for (const d of done) {
      assert.equal(d.sub.author, d.author);
      const got = await api(base, "GET", `/api/submissions/${d.sub.id}`, admin);
      assert.equal(got.status, 200);
      assert.equal(got.json.record_blob, d.sub.record_blob);
    }
    const repeated = done.filter((d) => d.sub.repeated).length;
    assert.ok(retried.size > 0, "the kill made some uploads retry");
    // nothing half-written: the restart removed the killed server's temporary files
    assert.deepEqual([...temps(data), ...temps(tmp)], []);
    // an upload sent again is the same submission, however the first answer went
    const twice = await uploadRecord(base, tokens[0], folders[0]);
    assert.equal(twice.repeated, true);
    assert.equal(twice.id, done.find((d) => d.key === "0/0")!.sub.id);

    // reviews: one in flight when the server is killed, two sent while it is down; all retried
    const [x, y, z] = done.filter((d) => d.sub.status === "checked").map((d) => d.sub.id);
    assert.ok(x && y && z, "three submissions without screening findings");
    let reviewRetries = 0;
    const retry = { onRetry: () => void reviewRetries++ };
    const inFlight = requestWithRetry(base, "POST", `/api/submissions/${x}/review`, admin, { action: "approve", reason: "checked by hand", override: true }, retry);
    await sleep(5);
    srv.child.kill("SIGKILL");
    await srv.exited;
    const whileDown = [
      requestWithRetry(base, "POST", `/api/submissions/${y}/review`, admin, { action: "approve", reason: "clean", override: true }, retry),
      requestWithRetry(base, "POST", `/api/submissions/${z}/review`, rita, { action: "request-changes", reason: "say which seeds" }, retry),
    ];
    const allReviews = Promise.all([inFlight, ...whileDown]);
    await sleep(300);
    srv = await startServe(data, port, tmp);
    procs.push(srv);
    const reviews = await allReviews;
    assert.deepEqual(reviews.map((r) => [r.status, r.json.status]), [[200, "approved"], [200, "approved"], [200, "changes-requested"]]);
    const inFlightLanded = reviews[0].json.repeated === true;
    // the same review again is safe and says so; a different one is a clear conflict
    const again = await api(base, "POST", `/api/submissions/${y}/review`, admin, { action: "approve", reason: "clean", override: true });
    assert.deepEqual([again.status, again.json.status, again.json.repeated], [200, "approved", true]);
    const other = await api(base, "POST", `/api/submissions/${y}/review`, rita, { action: "reject", reason: "no" });
    assert.equal(other.status, 409);
    assert.match(other.json.error.message, /already approved \(approve by admin\)/);
    // the approved records are on the live leaderboard, whole
    await until(async () => ((await api(base, "GET", "/api/leaderboard", null)).json.tracks.find((t: { name: string }) => t.name === "10min-16mb")?.records.length ?? 0) === 2, "2 approved records on the leaderboard");

    srv.child.kill("SIGTERM");
    assert.equal(await srv.exited, 0, srv.stderr());
    assert.deepEqual([...temps(data), ...temps(tmp)], []);
    // the database as the restarts left it: opens cleanly, each upload and review once
    const db = await openDb({ dataDir: data, url: "" });
    try {
      const subs = (await db.query<{ n: number; pairs: number }>(`SELECT count(*)::int AS n, count(DISTINCT (author_id, record_blob))::int AS pairs FROM submissions`)).rows[0];
      assert.deepEqual(subs, { n: 30, pairs: 30 });
      const receive = (await db.query<{ n: number; subjects: number }>(`SELECT count(*)::int AS n, count(DISTINCT subject)::int AS subjects FROM audit_log WHERE action = 'submission.receive'`)).rows[0];
      assert.deepEqual(receive, { n: 30, subjects: 30 });
      const rv = (await db.query<{ submission_id: string; n: number }>(`SELECT submission_id, count(*)::int AS n FROM reviews GROUP BY submission_id ORDER BY submission_id`)).rows;
      assert.deepEqual(rv.map((r) => [r.submission_id, r.n]), [x, y, z].sort().map((id) => [id, 1]));
      const ra = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'review.%'`)).rows[0].n;
      assert.equal(ra, 3);
    } finally {
      await db.close();
    }
    console.log(
      `reliability: pgolf serve SIGKILLed mid-burst (30 uploads, ${answeredBeforeKill} answered before the kill): back in ${(downMs / 1000).toFixed(1)} s (the restart, PGlite recovery included, ${(restartMs / 1000).toFixed(1)} s), ` +
        `${retried.size} uploads retried (${retries} retries), ${repeated} found already recorded on retry, all 30 answered ${(allAnsweredMs / 1000).toFixed(1)} s after the kill; ` +
        `30 submissions, 30 submission.receive; ${leftBehind.length} temporary files left by the kill, 0 after the restart; ` +
        `reviews around a second kill: 3 recorded once each (${reviewRetries} retries; the one in flight at the kill had ${inFlightLanded ? "landed" : "not landed"})`,
    );
  } finally {
    for (const p of procs) p.child.kill("SIGKILL");
  }
});

test("the database dropped under load (a real Postgres server): requests fail fast with 503 DB_UNAVAILABLE, the server survives, interrupted transactions roll back, and after retries nothing is lost or doubled", { skip: postgresSkipReason() || undefined, timeout: 300_000 }, async () => {
  const rec = await pgolfRecord();
  pgServer = await startPostgresServer({ durable: true }); // crashed below: a commit it acknowledged must survive
  const pgs = pgServer;
  const url = await pgs.createDatabase();
  const maintenanceErrors: string[] = [];
  const s = await startContestServer({
    data: path.join(work, "pg-dropped"),
    databaseUrl: url,
    queue: { expireInSeconds: 6, maintenanceIntervalSeconds: 1, retryDelaySeconds: 0, retryBackoff: false, retryLimit: 5, onError: (e) => void maintenanceErrors.push(e.message) },
  });
  const base = await listen(s);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  admin.on("error", () => undefined);
  const terminate = async () => (await admin.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows[0].n as number;
  const procs: Proc[] = [];
  try {
    const db = s.contest!.db;
    // a transaction cut off mid-way (its connection terminated between two statements) rolls back
    // entirely, and the error names the outage
    await db.query(`CREATE TABLE probe (x int)`);
    await rejectsWith(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO probe VALUES (1)`);
        await terminate();
        await sleep(200); // the connection dies while idle in the transaction
        await tx.query(`INSERT INTO probe VALUES (2)`);
      }),
      "DB_UNAVAILABLE",
    );
    assert.equal((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM probe`)).rows[0].n, 0);

    const adminToken = s.adminToken!;
    await declarePrivateValidation(base, adminToken);
    const user = async (handle: string, role = "participant") => (await api(base, "POST", "/api/users", adminToken, { handle, role })).json.token as string;
    const authors = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => user(`golfer-${i}`)));
    const alice = await user("alice");
    const rita = await user("rita", "reviewer");
    const workers = [await user("box-1", "worker"), await user("box-2", "worker")];
    const small = (["mismatched", "warmdown", "slidingWindow", "smeargate"] as const).map(folder);

    // every request of the run, with its answer
    const log: { what: string; status: number; code: string | null; ms: number; at: number }[] = [];
    const t0 = performance.now();
    const call = async (what: string, method: string, p: string, token: string | null, body?: unknown) => {
      const at = performance.now() - t0;
      try {
        const r = await api(base, method, p, token, body);
        log.push({ what, status: r.status, code: r.json?.error?.code ?? null, ms: performance.now() - t0 - at, at });
        return r;
      } catch (e) {
        log.push({ what, status: 0, code: `network: ${(e as Error).message}`, ms: performance.now() - t0 - at, at });
        return { status: 0, json: null };
      }
    };
    const uploadOnce = async (token: string, dir: string): Promise<SubmissionView | null> => {
      const at = performance.now() - t0;
      try {
        const sub = await uploadRecord(base, token, dir, { attempts: 1 });
        log.push({ what: "upload", status: sub.repeated ? 200 : 201, code: null, ms: performance.now() - t0 - at, at });
        return sub;
      } catch (e) {
        const err = e as PgolfError;
        log.push({ what: "upload", status: Number(err.details?.status ?? 0), code: `PGOLF_${err.code}`, ms: performance.now() - t0 - at, at });
        return null;
      }
    };

    // the load: the pgolf record and 12 record folders uploaded over 6 s, each reviewed once it is
    // in; two worker processes leasing and reporting the record's 3 seeds; a reader of the review
    // queue every 100 ms. Meanwhile the backends are terminated 3 times, then Postgres is stopped
    // (immediate: a crash) for 2 s and started again.
    const uploads: { token: string; dir: string; sub: SubmissionView | null }[] = [{ token: alice, dir: rec, sub: null }];
    authors.forEach((token, i) => uploads.push({ token, dir: small[i % 4], sub: null }, { token, dir: small[(i + 1) % 4], sub: null }));
    const reviewed = new Map<string, { action: string; reason: string; done: boolean }>();
    const review = async (id: string, i: number) => {
      // not approvals: those wait for the fleet's reproduction, which only the pgolf record gets
      const r = i % 2 === 0 ? { action: "reject", reason: "a copy of a published record" } : { action: "request-changes", reason: "name the seeds in the README" };
      reviewed.set(id, { ...r, done: false });
      const out = await call("review", "POST", `/api/submissions/${id}/review`, rita, r);
      if (out.status === 200) reviewed.get(id)!.done = true;
    };
    let loading = true;
    const readers = [0, 1].map(async () => {
      while (loading) {
        await call("queue", "GET", "/api/review/queue", rita);
        await sleep(25);
      }
    });
    const sending = uploads.map(async (u, i) => {
      await sleep(i * 450);
      u.sub = await uploadOnce(u.token, u.dir);
      if (u.sub && u.dir !== rec) await review(u.sub.id, i);
    });
    await sleep(300);
    const fleet = workers.map((token) => spawnWorker({ server: base, token, holdMs: 1200, pollMs: 100, idleExitMs: 120_000 }));
    procs.push(...fleet);
    const chaos: Record<string, number> = {};
    let terminated = 0;
    const rounds = 16;
    for (let i = 0; i < rounds; i++) {
      await sleep(Math.max(0, 700 + i * 100 - (performance.now() - t0)));
      terminated += await terminate();
    }
    await sleep(Math.max(0, 2600 - (performance.now() - t0)));
    await admin.end();
    chaos.crash = performance.now() - t0;
    await pgs.crash();
    const down = await fetch(`${base}/api/review/queue`, { headers: { authorization: `Bearer ${rita}` } });
    assert.deepEqual([down.status, down.headers.get("retry-after"), ((await down.json()) as { error: { code: string } }).error.code], [503, "2", "PGOLF_DB_UNAVAILABLE"]);
    await sleep(2000);
    chaos.restart = performance.now() - t0;
    await pgs.restart();
    chaos.up = performance.now() - t0;
    await until(() => log.some((l) => l.what === "queue" && l.status === 200 && l.at > chaos.up), "a successful read after the restart", 30_000);
    const recovered = log.find((l) => l.what === "queue" && l.status === 200 && l.at > chaos.up)!;
    await Promise.all(sending);
    loading = false;
    await Promise.all(readers);

    // what failed: 503 PGOLF_DB_UNAVAILABLE only, answered at once (no request hung)
    const failed = log.filter((l) => l.status !== 200 && l.status !== 201);
    const codes = new Map<string, number>();
    for (const f of failed) codes.set(`${f.status} ${f.code}`, (codes.get(`${f.status} ${f.code}`) ?? 0) + 1);
    assert.ok(failed.length > 0, "the outage failed some requests");
    // (uploads waiting on the database hold their address's intake slots: the 25 authors here share
    // one address, so a few are told the intake is busy, also a 503 to retry; intake.ts)
    assert.ok(codes.has("503 PGOLF_DB_UNAVAILABLE"), JSON.stringify(failed.slice(0, 5)));
    const unexpected = failed.filter((f) => !(f.status === 503 && (f.code === "PGOLF_DB_UNAVAILABLE" || (f.code === "PGOLF_HTTP_BUSY" && f.what === "upload"))));
    assert.deepEqual(unexpected, [], JSON.stringify(failed.slice(0, 5)));
    const slowest = Math.max(...failed.map((f) => f.ms));
    assert.ok(slowest < 10_000, `a failed request took ${slowest} ms`);
    assert.equal((await api(base, "GET", "/healthz", null)).status, 200, "the server survived");

    // the clients retry what failed
    let retried = 0;
    let landed = 0;
    for (const [i, u] of uploads.entries()) {
      if (u.sub) continue;
      retried++;
      u.sub = await uploadRecord(base, u.token, u.dir);
      if (u.sub.repeated) landed++; // its first attempt was committed; only the answer was lost
      if (u.dir !== rec) await review(u.sub.id, i);
    }
    for (const [id, r] of reviewed) {
      if (r.done) continue;
      retried++;
      const out = await requestWithRetry(base, "POST", `/api/submissions/${id}/review`, rita, { action: r.action, reason: r.reason });
      assert.equal(out.status, 200, JSON.stringify(out.json));
    }
    const pgolfSub = uploads[0].sub!;
    await until(async () => (await api(base, "GET", `/api/submissions/${pgolfSub.id}`, adminToken)).json.status === "verified", "the pgolf record verified", 90_000);
    const approved = await requestWithRetry(base, "POST", `/api/submissions/${pgolfSub.id}/review`, rita, { action: "approve", reason: "" });
    assert.equal(approved.json.status, "approved");
    for (const p of procs) p.child.kill("SIGTERM");
    const workerEvents = fleet.flatMap((p) => p.events);

    // nothing lost, nothing doubled, nothing half-done
    const rows = async <R>(sql: string, params: unknown[] = []) => (await db.query<R>(sql, params)).rows;
    const ids = uploads.map((u) => u.sub!.id);
    assert.equal(new Set(ids).size, uploads.length);
    const stored = new Set((await rows<{ id: string }>(`SELECT id FROM submissions`)).map((r) => r.id));
    assert.deepEqual(ids.filter((id) => !stored.has(id)), [], "every submission a client was given is stored");
    const subs = (await rows<{ n: number; pairs: number }>(`SELECT count(*)::int AS n, count(DISTINCT (author_id, record_blob))::int AS pairs FROM submissions`))[0];
    assert.deepEqual(subs, { n: uploads.length, pairs: uploads.length });
    const receive = await rows<{ subject: string; n: number }>(`SELECT subject, count(*)::int AS n FROM audit_log WHERE action = 'submission.receive' GROUP BY subject`);
    assert.deepEqual(receive.map((r) => r.subject).sort(), ids.map((id) => `submission:${id}`).sort());
    assert.ok(receive.every((r) => r.n === 1));
    const queued = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'verification.queue'`);
    assert.equal(queued[0].n, 1);
    const reviewRows = await rows<{ submission_id: string; n: number }>(`SELECT submission_id, count(*)::int AS n FROM reviews GROUP BY submission_id`);
    assert.equal(reviewRows.length, reviewed.size + 1);
    assert.ok(reviewRows.every((r) => r.n === 1), JSON.stringify(reviewRows));
    assert.equal((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'review.%'`))[0].n, reviewed.size + 1);
    const results = await rows<{ seed: number }>(`SELECT seed FROM results WHERE submission_id = $1 ORDER BY seed`, [pgolfSub.id]);
    assert.deepEqual(results.map((r) => r.seed), [1, 2, 3]);
    const recorded = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'result.record'`);
    assert.equal(recorded[0].n, 3);
    assert.equal((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'verification.verified'`))[0].n, 1);

    const during = (from: number, to: number) => failed.filter((f) => f.at + f.ms >= from && f.at + f.ms < to).length;
    const byKind = ["upload", "review", "queue"].map((w) => `${failed.filter((f) => f.what === w).length} ${w}`).join(", ");
    console.log(
      `reliability: Postgres dropped under load (${log.length} requests): ${terminated} backends terminated in ${rounds} rounds, then a crash of ${((chaos.restart - chaos.crash) / 1000).toFixed(1)} s (pg_ctl start took ${((chaos.up - chaos.restart) / 1000).toFixed(1)} s); ` +
        `${failed.length} requests failed (${byKind}), all ${[...codes.keys()].join(", ")} (${during(0, chaos.crash)} around the terminations, ${during(chaos.crash, chaos.up)} during the crash), the slowest answered in ${slowest.toFixed(0)} ms; ` +
        `first success ${(recovered.at - chaos.up).toFixed(0)} ms after Postgres was back; ${retried} operations retried by the test (${landed} found already recorded), ${workerEvents.filter((e) => e.event === "retry").length} requests retried by the workers, ${workerEvents.filter((e) => e.event === "refused").length} reports refused (expired), ` +
        `${new Set(workerEvents.filter((e) => e.event === "lease" && e.job.attempt > 1).map((e) => e.job.id)).size} jobs leased again; ${maintenanceErrors.length} queue maintenance errors during the outage; ` +
        `after: ${uploads.length} submissions, ${reviewed.size + 1} reviews, 3 results, each once`,
    );
  } finally {
    for (const p of procs) p.child.kill("SIGKILL");
    await admin.end().catch(() => undefined);
    await s.close();
  }
});
