// The contest's HTTP API (JSON; tokens as `Authorization: Bearer`):
//   POST /api/submissions               a record pack (application/octet-stream), or the web form's
//                                       {files: [{path, base64}]} (application/json) -> 201 the submission
//                                       (200 with repeated: true when the author sent these bytes before)
//   GET  /api/submissions               the caller's own submissions, newest first
//   GET  /api/submissions/:id           a submission, its status and findings
//   GET  /api/submissions/:id/results   its verification: seeds queued and verified, reproduced runs
//   GET  /api/submissions/:id/files     the author, reviewers and admins: its files (path, bytes, sha256)
//   GET  /api/submissions/:id/files/:p  one of them, as text/plain
//   GET  /api/me                        the caller's account {handle, role}
//   GET  /api/review/queue              reviewers: submissions waiting, oldest first
//   POST /api/submissions/:id/review    reviewers: {action: approve|reject|request-changes, reason}
//   GET  /api/submissions/:id/audit     reviewers: the submission's audit trail
//   POST /api/users                     admins: {handle, role, github_login?} -> the account and its
//                                       token (shown once); with a GitHub login it can also sign in with GitHub
//   POST /api/worker/lease              workers: the next verification job {job, track} (204: none)
//   GET  /api/submissions/:id/pack      workers and reviewers: the stored record pack
//   POST /api/worker/jobs/:job          workers: {result: {seed, artifact_sha256, val_loss, val_bpb,
//                                       bytes_total, train_seconds, eval_seconds}} or {error}
//   POST /api/worker/heartbeat          workers: who, where, what they are doing (contest.ts Heartbeat)
//   GET  /api/admin/fleet               reviewers and admins: the workers and the queue's counts
//   GET  /api/admin/contest             reviewers and admins: the contest's rules (contest_config.ts)
//   PATCH /api/admin/contest            admins: change some of them (audited)
// After a review the live leaderboard is rebuilt from the approved records.
// Retrying is safe: an upload, a review or a result report sent again after its answer was lost
// records nothing new and answers 200 with `repeated: true`. While the database is unreachable,
// requests fail with 503 and PGOLF_DB_UNAVAILABLE (Retry-After: 2).
import type { IncomingMessage, ServerResponse } from "node:http";
import { PgolfError } from "../core/error.js";
import { packRecordFiles } from "../artifact/pack.js";
import type { Contest, Heartbeat, ResultInput, ReviewAction, Role } from "./contest.js";
import { decodePath, readBody, sendJson } from "./http_util.js";

/** Largest upload, bytes (a 16 MB-cap record folder is code and logs, far below this). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** The web form's upload: files as base64 in JSON (4/3 of the bytes, plus the JSON around them). */
function formFiles(body: Buffer): { path: string; data: Buffer }[] {
  const fix = 'send {"files": [{"path": "submission.json", "base64": "..."}, ...]}';
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    throw new PgolfError("HTTP_BAD_REQUEST", "the upload is not JSON", { fix });
  }
  const files = (v as { files?: unknown })?.files;
  if (!Array.isArray(files) || files.length === 0 || files.length > 1000) throw new PgolfError("HTTP_BAD_REQUEST", "the upload must list between 1 and 1000 files", { fix });
  return files.map((f: { path?: unknown; base64?: unknown }) => {
    if (typeof f?.path !== "string" || typeof f.base64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(f.base64)) throw new PgolfError("HTTP_BAD_REQUEST", "each file needs a path and its content as base64", { fix });
    return { path: f.path, data: Buffer.from(f.base64, "base64") };
  });
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const b = await readBody(req, 1 << 20);
  try {
    const v = JSON.parse(b.toString("utf8")) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new PgolfError("HTTP_BAD_REQUEST", "the body is not a JSON object", { fix: "send Content-Type: application/json with an object" });
}

export function contestRoutes(contest: Contest, onChange: () => Promise<void> = async () => {}) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const p = url.pathname;
    /** The caller's account (401 without a valid token), held to `roles` when given (403). */
    const signedIn = async (roles?: Role[]) => {
      const user = await contest.authenticate(req.headers.authorization);
      if (roles) contest.requireRole(user, roles);
      return user;
    };
    const m = /^\/api\/submissions\/([^/]+)(\/review|\/audit|\/pack|\/results)?$/.exec(p);
    if (p === "/api/worker/lease" && req.method === "POST") {
      const user = await signedIn(["worker"]);
      const job = contest.jobs ? await contest.jobs.fetch(user.handle) : null;
      if (!job) {
        res.writeHead(204);
        res.end();
        return true;
      }
      const track = (await contest.db.query<{ track: string; config: Record<string, unknown> }>(`SELECT track, config FROM contests WHERE id = $1`, [contest.contestId])).rows[0];
      sendJson(res, 200, { job: { id: job.id, submission_id: job.data.submissionId, seed: job.data.seed, attempt: job.retryCount + 1 }, track: track.track, config: track.config });
      return true;
    }
    const jm = /^\/api\/worker\/jobs\/([^/]+)$/.exec(p);
    if (jm && req.method === "POST") {
      const user = await signedIn(["worker"]);
      if (!contest.jobs) throw new PgolfError("HTTP_NOT_FOUND", "this contest has no verification queue");
      const info = await contest.jobs.job(jm[1]);
      // a report sent again after its answer was lost finds the job completed by this worker
      if (info?.state === "completed" && (info.output as { worker?: string } | null)?.worker === user.handle) {
        await jsonBody(req);
        sendJson(res, 200, { recorded: false, repeated: true, status: await contest.settleVerification(info.data.submissionId, user.handle) });
        return true;
      }
      if (!info || info.state !== "active") throw new PgolfError("HTTP_CONFLICT", `job ${jm[1]} is not active (expired, finished or unknown)`, { fix: "lease a new job" });
      if ((info.output as { worker?: string } | null)?.worker !== user.handle) throw new PgolfError("HTTP_CONFLICT", `job ${jm[1]} is held by another worker`, { fix: "report only jobs you leased" });
      const b = await jsonBody(req);
      const submissionId = info.data.submissionId;
      if (b.error !== undefined) {
        await contest.jobs.fail(jm[1], { message: String(b.error), worker: user.handle });
        sendJson(res, 200, { recorded: false, status: (await contest.get(submissionId)).status });
        return true;
      }
      const r = b.result as ResultInput | undefined;
      const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
      if (!r || r.seed !== info.data.seed || !/^[0-9a-f]{64}$/.test(String(r.artifact_sha256)) || ![r.val_loss, r.val_bpb, r.bytes_total, r.eval_seconds].every(num)) {
        throw new PgolfError("HTTP_BAD_REQUEST", "the result must give the job's seed, artifact_sha256, val_loss, val_bpb, bytes_total and eval_seconds", { fix: "report what the trusted evaluator returned" });
      }
      const recorded = await contest.recordResult(submissionId, r, user.handle);
      await contest.jobs.complete(jm[1], { recorded, worker: user.handle });
      const status = await contest.settleVerification(submissionId, user.handle);
      if (recorded) await onChange();
      sendJson(res, 200, { recorded, status });
      return true;
    }
    if (p === "/api/worker/heartbeat" && req.method === "POST") {
      const user = await signedIn();
      await contest.heartbeat(user, (await jsonBody(req)) as unknown as Heartbeat);
      res.writeHead(204);
      res.end();
      return true;
    }
    if (p === "/api/admin/fleet" && req.method === "GET") {
      await signedIn(["reviewer", "admin"]);
      sendJson(res, 200, await contest.fleet());
      return true;
    }
    if (p === "/api/admin/contest" && (req.method === "GET" || req.method === "PATCH")) {
      const user = await signedIn(req.method === "GET" ? ["reviewer", "admin"] : ["admin"]);
      sendJson(res, 200, req.method === "GET" ? await contest.settings() : await contest.configure(user, await jsonBody(req)));
      return true;
    }
    if (p === "/api/me" && req.method === "GET") {
      const user = await signedIn();
      sendJson(res, 200, { handle: user.handle, role: user.role });
      return true;
    }
    if (p === "/api/submissions" && req.method === "GET") {
      const user = await signedIn();
      sendJson(res, 200, await contest.mine(user));
      return true;
    }
    const fm = /^\/api\/submissions\/([^/]+)\/files(?:\/(.+))?$/.exec(p);
    if (fm && req.method === "GET") {
      const user = await signedIn();
      if (!fm[2]) {
        sendJson(res, 200, await contest.files(user, fm[1]));
        return true;
      }
      const body = await contest.file(user, fm[1], decodePath(fm[2]));
      // a record's own bytes, shown as text and never run: no sniffing, and a sandbox if opened directly
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": body.length, "x-content-type-options": "nosniff", "content-security-policy": "sandbox; default-src 'none'", "cache-control": "no-store" });
      res.end(body);
      return true;
    }
    if (m && m[2] === "/results" && req.method === "GET") {
      sendJson(res, 200, await contest.results(m[1]));
      return true;
    }
    if (m && m[2] === "/pack" && req.method === "GET") {
      await signedIn(["worker", "reviewer", "admin"]);
      const pack = await contest.pack(m[1]);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": pack.length });
      res.end(pack);
      return true;
    }
    if (p === "/api/submissions" && req.method === "POST") {
      const user = await signedIn();
      const form = /^application\/json\b/.test(req.headers["content-type"] ?? "");
      const body = await readBody(req, form ? Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + (1 << 20) : MAX_UPLOAD_BYTES);
      const s = await contest.submit(user, form ? packRecordFiles(formFiles(body)) : body);
      sendJson(res, s.repeated ? 200 : 201, s); // 200: the same upload again (a retry), recorded once
      return true;
    }
    if (m && !m[2] && req.method === "GET") {
      sendJson(res, 200, await contest.get(m[1]));
      return true;
    }
    if (m && m[2] === "/review" && req.method === "POST") {
      const user = await signedIn();
      const b = await jsonBody(req);
      const s = await contest.review(user, m[1], String(b.action) as ReviewAction, typeof b.reason === "string" ? b.reason : "");
      await onChange();
      sendJson(res, 200, s);
      return true;
    }
    if (m && m[2] === "/audit" && req.method === "GET") {
      await signedIn(["reviewer", "admin"]);
      await contest.get(m[1]);
      sendJson(res, 200, await contest.auditTrail(`submission:${m[1]}`));
      return true;
    }
    if (p === "/api/review/queue" && req.method === "GET") {
      await signedIn(["reviewer", "admin"]);
      sendJson(res, 200, await contest.queue());
      return true;
    }
    if (p === "/api/users" && req.method === "POST") {
      const user = await signedIn(["admin"]);
      const b = await jsonBody(req);
      const role = String(b.role ?? "participant") as Role;
      if (!["participant", "reviewer", "admin", "worker"].includes(role)) throw new PgolfError("HTTP_BAD_REQUEST", `unknown role "${role}"`, { fix: "participant, reviewer, admin or worker" });
      sendJson(res, 201, await contest.addUser(String(b.handle ?? ""), role, user.handle, typeof b.github_login === "string" && b.github_login ? b.github_login : null));
      return true;
    }
    return false;
  };
}
