// Small HTTP helpers for the contest server (node:http, no framework): bounded body reading, JSON
// responses, and PgolfErrors mapped to HTTP statuses with the same JSON error shape as `--json`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPgolfError, PgolfError, type ErrorCode } from "../core/error.js";

/** Reads a request body, refusing (413) past `limit` bytes without buffering the rest. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new PgolfError("HTTP_TOO_LARGE", `the request body is ${declared} bytes, over the ${limit}-byte limit`, { fix: "send a smaller body" }));
      req.resume();
      return;
    }
    const parts: Buffer[] = [];
    let n = 0;
    req.on("data", (d: Buffer) => {
      n += d.length;
      if (n > limit) {
        reject(new PgolfError("HTTP_TOO_LARGE", `the request body passed the ${limit}-byte limit`, { fix: "send a smaller body" }));
        req.destroy();
        return;
      }
      parts.push(d);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

/** A percent-encoded URL path (or part of one), decoded; HTTP_BAD_REQUEST when it is not valid. */
export function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new PgolfError("HTTP_BAD_REQUEST", "the path is not valid percent-encoding");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
  res.end(text);
}

/** Seconds a client is told to wait (Retry-After) before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** HTTP status of an error code: client mistakes 4xx, a database outage 503 (retry), the rest 500. */
export function httpStatus(code: ErrorCode): number {
  if (code === "DB_UNAVAILABLE") return 503;
  if (code === "HTTP_TOO_LARGE") return 413;
  if (code === "HTTP_UNAUTHORIZED") return 401;
  if (code === "HTTP_FORBIDDEN") return 403;
  if (code === "HTTP_NOT_FOUND" || code === "FILE_NOT_FOUND") return 404;
  if (code === "HTTP_CONFLICT") return 409;
  if (code === "HTTP_RATE_LIMITED") return 429;
  // the contest's rules refuse the submission as it is (course_rule.ts)
  if (code.startsWith("CONTEST_")) return 422;
  if (code.startsWith("ARTIFACT_") || code.startsWith("RECORD_") || code === "USAGE" || code === "CONFIG_INVALID" || code === "CONFIG_UNKNOWN_KEY" || code === "HTTP_BAD_REQUEST") return 400;
  return 500;
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isPgolfError(e)) {
    const status = httpStatus(e.code);
    sendJson(res, status, e.toJSON(), status === 503 ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {});
  } else sendJson(res, 500, { error: { code: "PGOLF_INTERNAL", message: "internal error", file: null, fix: null } });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export function contentType(p: string): string {
  const dot = p.lastIndexOf(".");
  return TYPES[dot >= 0 ? p.slice(dot) : ""] ?? "application/octet-stream";
}
