// The contest server's HTTP helpers over Hono: PgolfErrors mapped to HTTP statuses with the same JSON
// error shape as `--json`, with the request's id and without server paths; JSON answers that are never
// cached; bounded bodies; and answers of a known length streamed as the client reads them.
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import { isPgolfError, PgolfError, type ErrorCode } from "../core/error.js";
import type { ByteBudget } from "./byte_budget.js";

/** Seconds a client is told to wait (Retry-After) before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** HTTP status of an error code: client mistakes 4xx, a database outage 503 (retry), the rest 500. */
export function httpStatus(code: ErrorCode): number {
  if (code === "DB_UNAVAILABLE" || code === "HTTP_BUSY") return 503;
  if (code === "HTTP_TOO_LARGE") return 413;
  if (code === "HTTP_SLOW_BODY") return 408;
  if (code === "HTTP_UNAUTHORIZED") return 401;
  if (code === "HTTP_FORBIDDEN") return 403;
  if (code === "HTTP_NOT_FOUND" || code === "FILE_NOT_FOUND") return 404;
  if (code === "HTTP_CONFLICT") return 409;
  if (code === "HTTP_GONE") return 410;
  // a quota that frees with time: retry later, as for any rate limit
  if (code === "HTTP_RATE_LIMITED" || code === "CONTEST_QUOTA") return 429;
  // the contest's rules refuse the submission as it is (course_rule.ts)
  if (code.startsWith("CONTEST_")) return 422;
  if (code.startsWith("ARTIFACT_") || code.startsWith("RECORD_") || code === "USAGE" || code === "CONFIG_INVALID" || code === "CONFIG_UNKNOWN_KEY" || code === "HTTP_BAD_REQUEST" || code === "HTTP_BODY_INCOMPLETE") return 400;
  return 500;
}

/** Folders whose paths an answer never shows: the server's own layout is not the client's business. */
const PRIVATE_ROOTS = [...new Set([os.tmpdir(), os.homedir(), process.cwd(), "/tmp", "/var", "/home", "/root", "/work", "/srv", "/opt", "/usr"])].filter((r) => r.length > 1);

/** Text with every absolute path under a private root replaced by its last part. */
export function withoutPaths(text: string): string {
  return text.replace(/(?:file:\/\/)?(\/[^\s"'`,;:()<>[\]{}]+)/g, (m, p: string) => (PRIVATE_ROOTS.some((r) => p === r || p.startsWith(r + "/")) ? path.basename(p) : m));
}

/** A PgolfError as an answer's JSON: its code, message and fix, no server paths, and the request's id. */
export function publicError(e: PgolfError, requestId: string): Record<string, unknown> {
  const j = e.toJSON() as { error: Record<string, unknown> };
  const scrub = (v: unknown) => (typeof v === "string" ? withoutPaths(v) : v);
  return { error: { ...j.error, message: scrub(j.error.message), file: typeof j.error.file === "string" ? (path.isAbsolute(j.error.file) ? path.basename(j.error.file) : j.error.file) : null, fix: scrub(j.error.fix), request_id: requestId } };
}

export function json(c: Context, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return c.newResponse(JSON.stringify(body), status as 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
}

/** A streamed answer whose client takes nothing for this long is cut off (a paused reader holds its file and socket until then), ms. */
export const STREAM_STALL_MS = 60_000;

/**
 * A 200 with its Content-Length: bytes in memory as they are, a stream as the client takes it
 * (@hono/node-server writes a chunk, then waits for the socket to drain before it asks the stream for
 * the next, so a client that stops reading holds a chunk or two, not the answer; a stream that
 * errors cuts the connection, so the client sees a short body). A streamed answer whose socket sees
 * no progress for `stallMs` is cut off, which cancels its stream (and closes what it reads from).
 */
export function sendSized<E extends { Bindings: HttpBindings }>(c: Context<E>, part: { bytes: number; body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> }, headers: Record<string, string>, stallMs = STREAM_STALL_MS): Response {
  const h = { ...headers, "content-length": String(part.bytes) };
  if (part.body instanceof Uint8Array) return c.body(part.body, 200, h);
  const outgoing = c.env?.outgoing;
  outgoing?.setTimeout(stallMs, () => outgoing.destroy());
  return c.body(part.body, 200, h);
}

/** Per error code of a 503: when its last line was written, and how many since were folded into the next. */
const folded = new Map<string, { at: number; more: number }>();

/**
 * Writes a 5xx's line to stderr. A 500 is a fault and is always written. A 503 is a refusal the
 * server chose (busy, database down) that a flood can repeat thousands of times a second: its lines
 * are written at most once a second per code, each saying how many like it came since, so a flood can
 * neither fill the disk with its log nor spend the event loop writing it.
 */
function logFault(status: number, code: string, line: string): void {
  if (status !== 503) {
    process.stderr.write(line + "\n");
    return;
  }
  const now = Date.now();
  const f = folded.get(code);
  if (f && now - f.at < 1000) {
    f.more++;
    return;
  }
  process.stderr.write(line + (f?.more ? ` (and ${f.more} more like it in the last ${((now - f.at) / 1000).toFixed(1)} s)` : "") + "\n");
  folded.set(code, { at: now, more: 0 });
}

/**
 * The answer to an error: a PgolfError's status and JSON; anything else a 500 that says only
 * "internal error" and the request's id. Every 5xx is logged with its request id, method, path and
 * the error itself, on the server's stderr.
 */
export function errorResponse(c: Context, e: unknown): Response {
  const requestId = (c.get("requestId") as string | undefined) ?? "-";
  const status = isPgolfError(e) ? httpStatus(e.code) : 500;
  if (status >= 500) {
    const what = isPgolfError(e) ? e.describe() : ((e as Error)?.stack ?? String(e));
    logFault(status, isPgolfError(e) ? e.code : "INTERNAL", `pgolf serve: ${status} request ${requestId} ${c.req.method} ${c.req.path}: ${what}`);
  }
  const body = isPgolfError(e) ? publicError(e, requestId) : { error: { code: "PGOLF_INTERNAL", message: `internal error (request ${requestId})`, file: null, fix: "try again; if it persists, give the organizers the request id", request_id: requestId } };
  // a refusal that knows when it frees (a quota, a cooldown: details.retry_after_seconds) says so; a 503 says to retry soon
  const wait = isPgolfError(e) && typeof e.details?.retry_after_seconds === "number" ? Math.max(1, e.details.retry_after_seconds) : status === 503 ? RETRY_AFTER_SECONDS : null;
  return json(c, status, body, { "x-request-id": requestId, ...(wait !== null ? { "retry-after": String(Math.ceil(wait)) } : {}) });
}

/** What a body reader may be asked besides its size limit. */
export interface BodyOptions {
  /**
   * The slowest a body may arrive, bytes a second on average from the start, once `graceMs` has
   * passed (checked every second, also while nothing arrives): a slower one is refused (408
   * HTTP_SLOW_BODY) and its connection closed.
   */
  minBytesPerSecond?: number;
  graceMs?: number;
  /** A rate the body is read under, shared with other bodies (byte_budget.ts): reading waits while it is spent. */
  budget?: ByteBudget;
}

/**
 * Reads a request body chunk by chunk, handing each to `take`, and refuses it (413) past `limit`
 * bytes: at once when Content-Length declares more, else as soon as the bytes read pass it (nothing
 * past the limit is read). Returns the number of bytes read. A client that hangs up mid-body gets
 * HTTP_BODY_INCOMPLETE (a 400 no one reads), never a 500: a crowd of uploads cut off by their
 * senders filled the server's log with stacks.
 */
async function readCapped(c: Context, limit: number, take: (chunk: Uint8Array, at: number) => void, o: BodyOptions = {}): Promise<number> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new PgolfError("HTTP_TOO_LARGE", `the request body is ${declared} bytes, over the ${limit}-byte limit`, { fix: "send a smaller body" });
  const body = c.req.raw.body;
  if (!body) return 0;
  let n = 0;
  const reader = body.getReader();
  const t0 = performance.now();
  let slow: PgolfError | null = null;
  const floor = o.minBytesPerSecond;
  const grace = o.graceMs ?? 5000;
  const tooSlow = (): boolean => {
    const ms = performance.now() - t0;
    if (floor === undefined || ms < grace || n >= (floor * ms) / 1000) return false;
    slow = new PgolfError("HTTP_SLOW_BODY", `the request body arrived at ${Math.round((n * 1000) / ms)} bytes/s, under the server's floor of ${floor} bytes/s`, { fix: `send the body at ${Math.round(floor / 1024)} KiB/s or faster` });
    return true;
  };
  // a body that stops arriving is checked too, not only when a chunk comes
  const watch = floor === undefined ? null : setInterval(() => void (tooSlow() && reader.cancel().catch(() => undefined)), 1000);
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (e) {
        if (slow) throw slow;
        if (c.env?.incoming?.aborted || c.env?.incoming?.socket?.destroyed) throw new PgolfError("HTTP_BODY_INCOMPLETE", `the connection closed after ${n} bytes of the request body`, { fix: "send the whole body (its Content-Length) before waiting for the answer", cause: e });
        throw e;
      }
      if (slow) throw slow;
      const { done, value } = next;
      if (done) return n;
      if (n + value.byteLength > limit) {
        await reader.cancel();
        throw new PgolfError("HTTP_TOO_LARGE", `the request body passed the ${limit}-byte limit`, { fix: "send a smaller body" });
      }
      take(value, n);
      n += value.byteLength;
      if (o.budget) await o.budget.spend(value.byteLength);
      if (tooSlow()) {
        await reader.cancel().catch(() => undefined);
        throw slow as unknown as PgolfError;
      }
    }
  } finally {
    if (watch) clearInterval(watch);
  }
}

/** A request body, refused (413) past `limit` bytes, read without buffering past the limit; memory is taken as bytes arrive, not as declared. */
export async function readBody(c: Context, limit: number, o: BodyOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  await readCapped(c, limit, (chunk) => parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)), o);
  return Buffer.concat(parts);
}

/** A percent-encoded URL path (or part of one), decoded; HTTP_BAD_REQUEST when it is not valid. */
export function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new PgolfError("HTTP_BAD_REQUEST", "the path is not valid percent-encoding", { fix: "percent-encode the path's bytes as %XX" });
  }
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

/**
 * An upload's body, read as readBody does, into one buffer of its own (the declared length allocated
 * once, so the intake can hand it to its worker thread and back without a copy: intake.ts), hashed
 * chunk by chunk as it arrives: a 64 MiB body never costs the event loop one long copy or one long
 * hash. (A SharedArrayBuffer was tried first: V8 copies into one byte by byte, and the copies took
 * 3.5 s of the event loop in 10 s of bench/serve_load.ts's flood, AMD EPYC Zen 5.)
 */
export async function readUpload(c: Context, limit: number, o: BodyOptions = {}): Promise<{ bytes: Buffer; sha256: string }> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  const hash = createHash("sha256");
  // the declared length is allocated once (an admitted upload's: at most MAX_ADMITTED at a time,
  // intake.ts); a body without one grows by doubling
  let store = new Uint8Array(Number.isInteger(declared) && declared > 0 && declared <= limit ? declared : 1 << 16);
  const n = await readCapped(c, limit, (chunk, at) => {
    if (at + chunk.byteLength > store.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(store.length * 2, at + chunk.byteLength)));
      grown.set(store.subarray(0, at));
      store = grown;
    }
    store.set(chunk, at);
    hash.update(chunk);
  }, o);
  return { bytes: Buffer.from(store.buffer, 0, n), sha256: hash.digest("hex") };
}
