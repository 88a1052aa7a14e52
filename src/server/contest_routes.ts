// The contest's HTTP API (JSON; tokens as `Authorization: Bearer`):
//   POST /api/submissions               a record pack (application/octet-stream) -> 201 the submission
//   GET  /api/submissions/:id           a submission, its status and findings
//   GET  /api/review/queue              reviewers: submissions waiting, oldest first
//   POST /api/submissions/:id/review    reviewers: {action: approve|reject|request-changes, reason}
//   GET  /api/submissions/:id/audit     reviewers: the submission's audit trail
//   POST /api/users                     admins: {handle, role} -> the account and its token (shown once)
// After a review the live leaderboard is rebuilt from the approved records.
import type { IncomingMessage, ServerResponse } from "node:http";
import { PgolfError } from "../core/error.js";
import type { Contest, ReviewAction, Role } from "./contest.js";
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
    const m = /^\/api\/submissions\/([^/]+)(\/review|\/audit)?$/.exec(p);
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
      if (!["participant", "reviewer", "admin"].includes(role)) throw new PgolfError("HTTP_BAD_REQUEST", `unknown role "${role}"`, { fix: "participant, reviewer or admin" });
      sendJson(res, 201, await contest.addUser(String(b.handle ?? ""), role, user.handle));
      return true;
    }
    return false;
  };
}
