// The contest's HTTP API (JSON; tokens as `Authorization: Bearer`), as Hono routes:
//   POST /api/submissions               a record pack (application/octet-stream), or the web form's
//                                       {files: [{path, base64}]} (application/json) -> 201 the submission
//                                       (200 with repeated: true when the author sent these bytes before;
//                                       429 PGOLF_CONTEST_QUOTA past the account's bytes a day, before
//                                       the body is read when its Content-Length says so)
//   GET  /api/submissions               the caller's own submissions, newest first
//   GET  /api/submissions/:id           signed in: a submission, its status and findings
//   GET  /api/submissions/:id/results   signed in: its verification: seeds queued and verified, reproduced runs
//   GET  /api/submissions/:id/files     the author, reviewers and admins: its files (path, bytes, sha256),
//                                       from the pack's table alone; 410 PGOLF_HTTP_GONE once a withdrawn
//                                       or replaced one's pack was collected
//   GET  /api/submissions/:id/files/:p  one of them, as text/plain, read from its byte range alone and
//                                       streamed (stored_packs.ts)
//   GET  /api/me                        the caller's account {handle, role}
//   GET  /api/session                   {user: {handle, role}} when signed in, else {user: null} (always 200)
//   POST /api/session/logout            ends the caller's sign-in session (its token stops working)
//   POST /api/me/token/rotate           a new account token for the caller (shown once); the old one stops working
//   DELETE /api/users/:handle/token     admins: revoke an account's token and every session of it
//   GET  /api/review/queue              reviewers: submissions waiting, oldest first
//   POST /api/submissions/:id/review    reviewers: {action: approve|reject|request-changes, reason}; approval
//                                       once every seed is reproduced within tolerance, or by an admin
//                                       with {override: true, reason} (audited, shown as not reproduced)
//   POST /api/submissions/:id/withdraw  its author: takes an open submission back (audited)
//   GET  /api/submissions/:id/audit     reviewers: the submission's audit trail
//   GET  /api/submissions/:id/lineage   reviewers: what it reuses from earlier submissions, its new
//                                       code and credit findings, with the evidence quoted on both
//                                       sides ({status: done|pending, lineage, credits}; contest_lineage.ts)
//   POST /api/submissions/:id/credits   reviewers: {source} accepts the credit its lineage suggests
//                                       for that earlier submission (audited; once)
//   POST /api/users                     admins: {handle, role, github_login?} -> the account and its
//                                       token (shown once); with a GitHub login it can also sign in with GitHub
//   POST /api/worker/lease              workers: the next verification job {job, track} (204: none)
//   GET  /api/submissions/:id/pack      reviewers, and workers holding one of its jobs: the stored record
//                                       pack, streamed from disk
//   POST /api/worker/jobs/:job          workers: {result: {seed, artifact_sha256, val_loss, val_bpb,
//                                       bytes_total, train_seconds, eval_seconds}} or {error}
//   POST /api/worker/heartbeat          workers: who, where, what they are doing (contest.ts Heartbeat)
//   GET  /api/admin/fleet               reviewers and admins: the workers and the queue's counts
//   GET  /api/admin/contest             reviewers and admins: the contest's rules (contest_config.ts)
//   PATCH /api/admin/contest            admins: change some of them (audited)
// Credentials: a token as `Authorization: Bearer`, or the HttpOnly session cookie that "Sign in with
// GitHub" sets (github_signin.ts).
// Every JSON body is checked against its schema (request_schemas.ts) and every id in a path is a
// UUID before a handler runs, so bad input is a 4xx with a stable code and never reaches SQL.
// After a review the live leaderboard is rebuilt from the approved records.
// Retrying is safe: an upload, a review or a result report sent again after its answer was lost
// records nothing new and answers 200 with `repeated: true`. While the database is unreachable,
// requests fail with 503 and PGOLF_DB_UNAVAILABLE (Retry-After: 2).
import type { Context } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { isPgolfError, PgolfError } from "../core/error.js";
import type { App, AppEnv } from "./app.js";
import { SESSION_COOKIE } from "./github_signin.js";
import type { Contest, Heartbeat, ResultInput, ReviewAction, Role, User } from "./contest.js";
import { decodePath, json, readBody, readUpload, sendSized } from "./http_util.js";
import { answerSlots } from "./answer_slots.js";
import { addressKey } from "./connection_guard.js";
import { admitUpload, decodeFormUpload, MIN_UPLOAD_BYTES_PER_SECOND, refuseWhenFull, UPLOAD_READING } from "./intake.js";
import { parseBody, uuidParam, type SchemaName } from "./request_schemas.js";

/** Largest upload, bytes (a 16 MB-cap record folder is code and logs, far below this). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Largest JSON body of any other request, bytes. */
const MAX_JSON_BYTES = 1 << 20;

/** A JSON body checked against its schema (HTTP_BAD_REQUEST otherwise). */
async function body<T>(c: Context<AppEnv>, schema: SchemaName, limit = MAX_JSON_BYTES): Promise<T> {
  return parseBody<T>((await readBody(c, limit)).toString("utf8"), schema);
}

/** An Origin header's host, or null when it is not a URL (a sandboxed frame sends "null"): never the site's own. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export function mountContestApi(app: App, contest: Contest, onChange: () => Promise<void> = async () => {}): void {
  /**
   * The caller's account (401 without a valid token or session cookie), held to `roles` when given
   * (403). A request that changes something on the strength of the session cookie alone must come
   * from this site's own pages: a browser's Origin header, when it sends one, must be this host.
   */
  const signedIn = async (c: Context<AppEnv>, roles?: Role[]): Promise<User> => {
    const bearer = c.req.header("authorization");
    if (!bearer && c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = c.req.header("origin");
      if (origin && originHost(origin) !== c.req.header("host")) throw new PgolfError("HTTP_FORBIDDEN", `a request from ${origin} may not act with this site's session`, { fix: "use the contest's own pages, or send a token" });
    }
    const user = await contest.accounts.authenticate(bearer, bearer ? undefined : getCookie(c, SESSION_COOKIE));
    if (roles) contest.accounts.requireRole(user, roles);
    return user;
  };
  /** The token the request was authenticated with (Bearer, else the session cookie). */
  const presented = (c: Context<AppEnv>) => /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? getCookie(c, SESSION_COOKIE) ?? "";
  const submissionId = (c: Context<AppEnv>) => uuidParam(c.req.param("id") ?? "", "submission");

  app.post("/api/worker/lease", async (c) => {
    const user = await signedIn(c, ["worker"]);
    const job = contest.jobs ? await contest.jobs.fetch(user.handle) : null;
    if (!job) return c.body(null, 204);
    const track = (await contest.db.query<{ track: string; config: Record<string, unknown> }>(`SELECT track, config FROM contests WHERE id = $1`, [contest.contestId])).rows[0];
    return json(c, 200, { job: { id: job.id, submission_id: job.data.submissionId, seed: job.data.seed, attempt: job.retryCount + 1 }, track: track.track, config: track.config });
  });

  app.post("/api/worker/jobs/:job", async (c) => {
    const user = await signedIn(c, ["worker"]);
    const jobId = uuidParam(c.req.param("job"), "job");
    if (!contest.jobs) throw new PgolfError("HTTP_NOT_FOUND", "this contest has no verification queue", { fix: "start the server with --data so that it holds a verification queue" });
    const b = await body<{ result?: ResultInput; error?: string }>(c, "jobReport");
    const info = await contest.jobs.job(jobId);
    // a report sent again after its answer was lost finds the job completed by this worker
    if (info?.state === "completed" && (info.output as { worker?: string } | null)?.worker === user.handle) {
      return json(c, 200, { recorded: false, repeated: true, status: await contest.verification.settleVerification(info.data.submissionId, user.handle) });
    }
    if (!info || info.state !== "active") throw new PgolfError("HTTP_CONFLICT", `job ${jobId} is not active (expired, finished or unknown)`, { fix: "lease a new job" });
    if ((info.output as { worker?: string } | null)?.worker !== user.handle) throw new PgolfError("HTTP_CONFLICT", `job ${jobId} is held by another worker`, { fix: "report only jobs you leased" });
    const id = info.data.submissionId;
    if (b.error !== undefined) {
      await contest.jobs.fail(jobId, { message: b.error, worker: user.handle });
      return json(c, 200, { recorded: false, status: (await contest.submissions.get(id)).status });
    }
    const r = b.result!;
    if (r.seed !== info.data.seed) throw new PgolfError("HTTP_BAD_REQUEST", `the result is for seed ${r.seed}, the job is seed ${info.data.seed}`, { fix: "report what the trusted evaluator returned for the job's seed" });
    const recorded = await contest.verification.recordResult(id, r, user.handle);
    await contest.jobs.complete(jobId, { recorded, worker: user.handle });
    const status = await contest.verification.settleVerification(id, user.handle);
    if (recorded) await onChange();
    return json(c, 200, { recorded, status });
  });

  app.post("/api/worker/heartbeat", async (c) => {
    const user = await signedIn(c);
    await contest.fleet.heartbeat(user, await body<Heartbeat>(c, "heartbeat"));
    return c.body(null, 204);
  });

  app.get("/api/admin/fleet", async (c) => {
    await signedIn(c, ["reviewer", "admin"]);
    return json(c, 200, await contest.fleet.view());
  });
  app.get("/api/admin/contest", async (c) => {
    await signedIn(c, ["reviewer", "admin"]);
    return json(c, 200, await contest.settings());
  });
  app.patch("/api/admin/contest", async (c) => {
    const user = await signedIn(c, ["admin"]);
    return json(c, 200, await contest.configure(user, await body<unknown>(c, "object")));
  });

  // the page's "who is this": 200 either way, so a signed-out visitor's browser logs no error
  app.get("/api/session", async (c) => {
    try {
      const user = await signedIn(c);
      return json(c, 200, { user: { handle: user.handle, role: user.role } });
    } catch (e) {
      if (e instanceof PgolfError && e.code === "HTTP_UNAUTHORIZED") return json(c, 200, { user: null });
      throw e;
    }
  });
  app.get("/api/me", async (c) => {
    const user = await signedIn(c);
    return json(c, 200, { handle: user.handle, role: user.role });
  });
  app.post("/api/session/logout", async (c) => {
    const user = await signedIn(c);
    if (!(await contest.accounts.endSession(user, presented(c)))) throw new PgolfError("HTTP_BAD_REQUEST", "this is an account token, not a sign-in session", { fix: "rotate an account token instead (POST /api/me/token/rotate)" });
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
  app.post("/api/me/token/rotate", async (c) => {
    const user = await signedIn(c);
    return json(c, 200, { handle: user.handle, token: await contest.accounts.rotateToken(user) });
  });
  app.delete("/api/users/:handle/token", async (c) => {
    const admin = await signedIn(c, ["admin"]);
    await contest.accounts.revokeToken(admin, c.req.param("handle"));
    return c.body(null, 204);
  });

  app.get("/api/submissions", async (c) => json(c, 200, await contest.submissions.mine(await signedIn(c))));
  app.post("/api/submissions", async (c) => {
    refuseWhenFull();
    const user = await signedIn(c);
    const form = /^application\/json\b/.test(c.req.header("content-type") ?? "");
    // ?replaces=<id>: a new version of the author's open submission, which it closes (audited)
    const replacesParam = c.req.query("replaces");
    const replaces = replacesParam === undefined ? undefined : uuidParam(replacesParam, "submission");
    // the account's upload quota before the body is read (contest_quota.ts): a pack's declared length
    // over what is left is refused at once; a web form's pack is smaller than its body, so only an
    // account with nothing left is refused before its form is read (the intake charges the pack itself)
    const length = Number(c.req.header("content-length") ?? NaN);
    const budget = await contest.quota.admit(user, !form && Number.isSafeInteger(length) && length >= 0 ? length : null);
    // admitted before the body is read: bounded bodies in memory, overall and per account (intake.ts)
    // read no slower than the floor, and with every other upload under one rate (intake.ts)
    const floor = { minBytesPerSecond: MIN_UPLOAD_BYTES_PER_SECOND, budget: UPLOAD_READING };
    const s = await admitUpload({ account: user.handle, address: addressKey(c.env.incoming?.socket?.remoteAddress) }, async () => {
      if (form) {
        // decoded in a worker thread: a large JSON body is seconds of parsing (intake.ts)
        const raw = await readUpload(c, Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + (1 << 20), floor);
        const { pack, sha256 } = await decodeFormUpload(raw.bytes);
        return contest.submissions.submit(user, pack, { kind: "upload" }, { digest: sha256, handOver: true, replaces });
      }
      // a body of no declared length is read no further than the quota leaves room for
      const cap = Math.min(MAX_UPLOAD_BYTES, budget.remaining);
      const raw = await readUpload(c, cap, floor).catch(async (e: unknown) => {
        if (cap < MAX_UPLOAD_BYTES && isPgolfError(e, "HTTP_TOO_LARGE")) throw await contest.quota.refusal(contest.db, user, budget, null);
        throw e;
      });
      return contest.submissions.submit(user, raw.bytes, { kind: "upload" }, { digest: raw.sha256, handOver: true, replaces });
    });
    return json(c, s.repeated ? 200 : 201, s); // 200: the same upload again (a retry), recorded once
  });
  app.get("/api/submissions/:id", async (c) => {
    await signedIn(c);
    return json(c, 200, await contest.submissions.get(submissionId(c)));
  });
  app.get("/api/submissions/:id/results", async (c) => {
    await signedIn(c);
    return json(c, 200, await contest.verification.results(submissionId(c)));
  });
  app.get("/api/submissions/:id/files", async (c) => json(c, 200, await contest.submissions.files(await signedIn(c), submissionId(c))));
  // answers that stream a file from disk hold a slot until they are read (answer_slots.ts)
  const streamed = answerSlots();
  app.get("/api/submissions/:id/files/*", streamed, async (c) => {
    const user = await signedIn(c);
    const id = submissionId(c);
    const prefix = `/api/submissions/${c.req.param("id")}/files/`;
    const rawPath = new URL(c.req.url).pathname;
    const file = await contest.submissions.file(user, id, decodePath(rawPath.slice(prefix.length)));
    // a record's own bytes, shown as text and never run: no sniffing, and a sandbox if opened directly
    return sendSized(c, file, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", "content-security-policy": "sandbox; default-src 'none'", "cache-control": "no-store" });
  });
  app.get("/api/submissions/:id/pack", streamed, async (c) => {
    const user = await signedIn(c, ["worker", "reviewer", "admin"]);
    const id = submissionId(c);
    // a worker gets only the packs of the seeds it holds: a lease is its reason to read one
    if (user.role === "worker" && !(await contest.jobs?.holds(user.handle, id))) {
      throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} holds no job of submission ${id}`, { fix: "lease a job (POST /api/worker/lease), then fetch that job's pack" });
    }
    return sendSized(c, await contest.submissions.pack(id), { "content-type": "application/octet-stream" });
  });
  app.post("/api/submissions/:id/withdraw", async (c) => {
    const user = await signedIn(c);
    const id = submissionId(c);
    const s = await contest.submissions.withdraw(user, id);
    await onChange();
    return json(c, 200, s);
  });
  app.post("/api/submissions/:id/review", async (c) => {
    const user = await signedIn(c);
    const id = submissionId(c);
    const b = await body<{ action: ReviewAction; reason?: string; override?: boolean }>(c, "review");
    const s = await contest.submissions.review(user, id, b.action, b.reason ?? "", { override: b.override === true });
    await onChange();
    return json(c, 200, s);
  });
  app.get("/api/submissions/:id/lineage", async (c) => json(c, 200, await contest.lineage.view(await signedIn(c), submissionId(c))));
  app.post("/api/submissions/:id/credits", async (c) => {
    const user = await signedIn(c);
    const id = submissionId(c);
    const b = await body<{ source: string }>(c, "credit");
    const v = await contest.lineage.acceptCredit(user, id, b.source);
    return json(c, v.repeated ? 200 : 201, v);
  });
  app.get("/api/submissions/:id/audit", async (c) => {
    await signedIn(c, ["reviewer", "admin"]);
    const id = submissionId(c);
    await contest.submissions.get(id);
    return json(c, 200, await contest.auditTrail(`submission:${id}`));
  });
  app.get("/api/review/queue", async (c) => {
    await signedIn(c, ["reviewer", "admin"]);
    return json(c, 200, await contest.submissions.queue());
  });
  app.post("/api/users", async (c) => {
    const user = await signedIn(c, ["admin"]);
    const b = await body<{ handle: string; role?: Role; github_login?: string }>(c, "user");
    return json(c, 201, await contest.accounts.addUser(b.handle, b.role ?? "participant", user.handle, b.github_login ? b.github_login : null));
  });
}
