// The contest's HTTP API (JSON; tokens as `Authorization: Bearer`):
//   POST /api/submissions               a record pack (application/octet-stream) -> 201 the submission
//   GET  /api/submissions/:id           a submission, its status and findings
//   GET  /api/review/queue              reviewers: submissions waiting, oldest first
//   POST /api/submissions/:id/review    reviewers: {action: approve|reject|request-changes, reason}
//   GET  /api/submissions/:id/audit     reviewers: the submission's audit trail
//   POST /api/users                     admins: {handle, role} -> the account and its token (shown once)
//   POST /api/worker/lease              workers: the next verification job {job, track} (204: none)
//   GET  /api/submissions/:id/pack      workers and reviewers: the stored record pack
//   POST /api/worker/jobs/:job          workers: {result: {seed, artifact_sha256, val_loss, val_bpb,
//                                       bytes_total, train_seconds, eval_seconds}} or {error}
// After a review the live leaderboard is rebuilt from the approved records.
import type { IncomingMessage, ServerResponse } from "node:http";
import { PgolfError } from "../core/error.js";
import type { Contest, ResultInput, ReviewAction, Role } from "./contest.js";
import { readBody, sendJson } from "./http_util.js";

/** Largest upload, bytes (a 16 MB-cap record folder is code and logs, far below this). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

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
    const m = /^\/api\/submissions\/([^/]+)(\/review|\/audit|\/pack)?$/.exec(p);
    if (p === "/api/worker/lease" && req.method === "POST") {
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["worker"]);
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
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["worker"]);
      if (!contest.jobs) throw new PgolfError("HTTP_NOT_FOUND", "this contest has no verification queue");
      const info = await contest.jobs.job(jm[1]);
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
      await contest.jobs.complete(jm[1], { recorded });
      const status = await contest.settleVerification(submissionId, user.handle);
      sendJson(res, 200, { recorded, status });
      return true;
    }
    if (m && m[2] === "/pack" && req.method === "GET") {
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["worker", "reviewer", "admin"]);
      const pack = await contest.pack(m[1]);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": pack.length });
      res.end(pack);
      return true;
    }
    if (p === "/api/submissions" && req.method === "POST") {
      const user = await contest.authenticate(req.headers.authorization);
      const body = await readBody(req, MAX_UPLOAD_BYTES);
      sendJson(res, 201, await contest.submit(user, body));
      return true;
    }
    if (m && !m[2] && req.method === "GET") {
      sendJson(res, 200, await contest.get(m[1]));
      return true;
    }
    if (m && m[2] === "/review" && req.method === "POST") {
      const user = await contest.authenticate(req.headers.authorization);
      const b = await jsonBody(req);
      const s = await contest.review(user, m[1], String(b.action) as ReviewAction, typeof b.reason === "string" ? b.reason : "");
      await onChange();
      sendJson(res, 200, s);
      return true;
    }
    if (m && m[2] === "/audit" && req.method === "GET") {
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["reviewer", "admin"]);
      await contest.get(m[1]);
      sendJson(res, 200, await contest.auditTrail(`submission:${m[1]}`));
      return true;
    }
    if (p === "/api/review/queue" && req.method === "GET") {
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["reviewer", "admin"]);
      sendJson(res, 200, await contest.queue());
      return true;
    }
    if (p === "/api/users" && req.method === "POST") {
      const user = await contest.authenticate(req.headers.authorization);
      contest.requireRole(user, ["admin"]);
      const b = await jsonBody(req);
      const role = String(b.role ?? "participant") as Role;
      if (!["participant", "reviewer", "admin", "worker"].includes(role)) throw new PgolfError("HTTP_BAD_REQUEST", `unknown role "${role}"`, { fix: "participant, reviewer, admin or worker" });
      sendJson(res, 201, await contest.addUser(String(b.handle ?? ""), role, user.handle));
      return true;
    }
    return false;
  };
}
