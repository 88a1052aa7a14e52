// pgolf's one HTTP client policy, over the global fetch: every request to another machine (the
// Hugging Face hub, GitHub, a contest server) is retried, backed off, timed out and cancelled here.
//
//   attempts       in all, the first included; a download attempt that received bytes resets the count
//   backoff        before retry n: a random wait between half and all of min(maxDelayMs, baseDelayMs x 2^(n-1))
//   Retry-After    (seconds or an HTTP date) waited for when longer than the backoff; an ask over
//                  maxRetryAfterMs is not waited for: the error is thrown at once, with the wait it asked
//   timeout        per attempt: the longest silence, before the answer's head and inside a body
//   cancel         an AbortSignal stops the request and any wait; the error says it was cancelled
//
// What is retried (`answerVerdict`): a request is *safe* (GET, HEAD: no effect) or *repeatable* (a
// POST the server records once however often it arrives: uploads, results, reviews), or neither.
//   network error, timeout   repeatable requests
//   503                      every request (the server did not take it)
//   429                      when the server says when (Retry-After); safe requests also without
//   408, 502, 504            repeatable requests
//   other 5xx                safe requests
// Callers classify their answers with `answerVerdict` and mark the errors they throw with
// `transient`; `withRetries` runs the attempts. Downloads with resume are `http_download.ts`.
import { isPgolfError, PgolfError } from "./error.js";
import { VERSION } from "./version.js";

export interface RetryPolicy {
  /** Attempts in all, the first included (1: no retry). */
  attempts: number;
  /** First backoff, ms; doubled per retry up to maxDelayMs, each wait between half and all of that. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest wait a server may ask for (Retry-After), ms; a longer ask fails at once. */
  maxRetryAfterMs: number;
  /** Per attempt: the longest silence before the answer's head or inside its body, ms. */
  timeoutMs: number;
}

/** The policy every client starts from. */
export const RETRY_POLICY: Readonly<RetryPolicy> = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 10_000, maxRetryAfterMs: 60_000, timeoutMs: 30_000 };

export interface HttpOptions extends Partial<RetryPolicy> {
  signal?: AbortSignal;
  /** Called before each wait: the attempt that failed (1, 2...), its error, and the wait in ms. */
  onRetry?: (attempt: number, error: PgolfError, delayMs: number) => void;
  /** A POST the server records once however often it arrives: network errors and 408/502/504 are retried. */
  repeatable?: boolean;
  /** What to check when the server cannot be reached (the fix of FETCH_UNREACHABLE). */
  unreachableFix?: string;
}

export const USER_AGENT = `pgolf/${VERSION}; node/${process.versions.node}`;

// ---------------------------------------------------------------------------------------------
// Which failures are worth another attempt

/** Errors worth another attempt, with the wait the server asked (ms). Kept off the error so its JSON stays clean. */
const transients = new WeakMap<PgolfError, { afterMs: number | undefined }>();

/** Marks `e` as worth another attempt, after at least `afterMs` when the server said so. */
export function transient(e: PgolfError, afterMs?: number): PgolfError {
  transients.set(e, { afterMs });
  return e;
}

export function isTransient(e: unknown): e is PgolfError {
  return isPgolfError(e) && transients.has(e);
}

/** A `Retry-After` value in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | undefined {
  if (v === null || v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Whether an error answer is worth another attempt (see the table above), and the wait it asked for. */
export function answerVerdict(res: { status: number; headers: Headers }, method: string, repeatable = false): { retry: boolean; afterMs: number | undefined } {
  const afterMs = parseRetryAfter(res.headers.get("retry-after"));
  const safe = method === "GET" || method === "HEAD";
  const s = res.status;
  const retry = s === 503 || (s === 429 && (afterMs !== undefined || safe)) || ((s === 408 || s === 502 || s === 504) && (safe || repeatable)) || (s >= 500 && safe);
  return { retry, afterMs };
}

/** Backoff before retry `n` (1-based). */
export function backoffMs(p: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, n: number): number {
  const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (n - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

// ---------------------------------------------------------------------------------------------
// Network errors

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "UND_ERR_CONNECT_TIMEOUT"]);
/** Failures that waiting does not mend: an unknown host name, a certificate refused. */
const PERMANENT = new Set(["ENOTFOUND", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID", "SELF_SIGNED_CERT_IN_CHAIN"]);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The system error code under fetch's "fetch failed" / "terminated" TypeErrors. */
function errnoOf(e: unknown): string {
  for (let c = e as { code?: unknown; cause?: unknown } | undefined, i = 0; c && i < 4; c = c.cause as typeof c, i++) {
    if (typeof c.code === "string" && c.code !== "ERR_INVALID_STATE") return c.code;
  }
  return "";
}

function messageOf(e: unknown): string {
  const cause = (e as { cause?: { message?: string } })?.cause;
  const m = (e as Error)?.message ?? String(e);
  return cause?.message && cause.message !== m ? `${m}: ${cause.message}` : m;
}

export function cancelled(url: string, cause?: unknown): PgolfError {
  return new PgolfError("FETCH_HTTP", `the request to ${hostOf(url)} was cancelled`, { file: url, fix: "run the command again; a download resumes where it stopped", cause });
}

/** What fetch threw, as a PgolfError: transient when waiting may mend it and the request may be repeated. */
export function networkError(e: unknown, url: string, a: Pick<Attempt, "timedOut" | "headSeen">, o: HttpOptions, repeatable: boolean): PgolfError {
  if (isPgolfError(e)) return e;
  if (o.signal?.aborted) return cancelled(url, e);
  const timeoutS = (o.timeoutMs ?? RETRY_POLICY.timeoutMs) / 1000;
  const code = a.timedOut ? "ETIMEDOUT" : errnoOf(e);
  let pe: PgolfError;
  if (a.timedOut && !a.headSeen) {
    pe = new PgolfError("FETCH_UNREACHABLE", `${hostOf(url)} did not answer within ${timeoutS} s`, { file: url, fix: o.unreachableFix ?? "check the address and your network connection", details: { code }, cause: e });
  } else if (a.timedOut) {
    pe = new PgolfError("FETCH_HTTP", `no data from the server for ${timeoutS} s`, { file: url, fix: "check your network connection and run the command again", details: { code }, cause: e });
  } else if (UNREACHABLE.has(code)) {
    pe = new PgolfError("FETCH_UNREACHABLE", `could not connect to ${hostOf(url)} (${code})`, { file: url, fix: o.unreachableFix ?? "check the address and your network connection", details: { code }, cause: e });
  } else {
    pe = new PgolfError("FETCH_HTTP", `the connection to ${hostOf(url)} failed: ${messageOf(e)}${code ? ` (${code})` : ""}`, { file: url, fix: "check your network connection and run the command again", details: code ? { code } : undefined, cause: e });
  }
  return repeatable && !PERMANENT.has(code) ? transient(pe) : pe;
}

// ---------------------------------------------------------------------------------------------
// Attempts

/** One attempt of a request: its signal (the caller's, plus the silence timeout) and its state. */
export interface Attempt {
  /** 1, 2... over the whole call. */
  n: number;
  signal: AbortSignal;
  /** Restarts the silence timer: call it when the head or a body chunk arrives. */
  alive(): void;
  /** The answer's head arrived (a timeout from now on is a stalled body). */
  headSeen: boolean;
  timedOut: boolean;
  /** The attempt moved the work forward (a download received bytes): the failure count starts over. */
  progressed: boolean;
}

function startAttempt(n: number, o: HttpOptions): Attempt & { end(): void } {
  const ac = new AbortController();
  const timeoutMs = o.timeoutMs ?? RETRY_POLICY.timeoutMs;
  const onAbort = () => ac.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const a = {
    n,
    signal: ac.signal,
    headSeen: false,
    timedOut: false,
    progressed: false,
    alive() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        a.timedOut = true;
        ac.abort(Object.assign(new Error(`no data for ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
    },
    end() {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    },
  };
  if (o.signal?.aborted) ac.abort(o.signal.reason);
  a.alive();
  return a;
}

/** Waits ms, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function gaveUp(e: PgolfError, attempts: number, extra: Record<string, unknown> = {}, note = `gave up after ${attempts} attempts`): PgolfError {
  if (attempts <= 1 && Object.keys(extra).length === 0) return e;
  return new PgolfError(e.code, `${e.message} (${note})`, { file: e.file, fix: e.fix, details: { ...(e.details ?? {}), ...extra, attempts }, cause: e.cause });
}

/**
 * Runs `fn` until it returns, throws an error that is not transient, or the policy says stop. A raw
 * error (what fetch throws) becomes a PgolfError by `networkError`, transient when the request is
 * repeatable (GET and HEAD, or `o.repeatable`). The last error is thrown with the attempts made.
 */
export async function withRetries<T>(url: string, method: string, fn: (a: Attempt) => Promise<T>, o: HttpOptions = {}): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? RETRY_POLICY.attempts);
  const policy = { baseDelayMs: o.baseDelayMs ?? RETRY_POLICY.baseDelayMs, maxDelayMs: o.maxDelayMs ?? RETRY_POLICY.maxDelayMs };
  const maxAfter = o.maxRetryAfterMs ?? RETRY_POLICY.maxRetryAfterMs;
  const repeatable = method === "GET" || method === "HEAD" || o.repeatable === true;
  let failures = 0;
  for (let n = 1; ; n++) {
    const a = startAttempt(n, o);
    let e: PgolfError;
    try {
      return await fn(a);
    } catch (raw) {
      // cancelled: whatever the sockets reported (often a reset) is the cancel's doing
      e = o.signal?.aborted && !(isPgolfError(raw) && !isTransient(raw)) ? cancelled(url, raw) : networkError(raw, url, a, o, repeatable);
    } finally {
      a.end();
    }
    if (o.signal?.aborted) throw e;
    failures = a.progressed ? 1 : failures + 1;
    if (!isTransient(e) || failures >= attempts) throw gaveUp(e, n);
    const asked = transients.get(e)?.afterMs;
    if (asked !== undefined && asked > maxAfter) {
      throw gaveUp(e, n, { retryAfterMs: asked }, `the server asks to wait ${Math.ceil(asked / 1000)} s, more than the ${Math.ceil(maxAfter / 1000)} s this client waits`);
    }
    const wait = Math.max(backoffMs(policy, failures), asked ?? 0);
    o.onRetry?.(n, e, wait);
    await sleep(wait, o.signal).catch((err: unknown) => {
      throw cancelled(url, err);
    });
  }
}

/**
 * fetch, once, under an attempt: the attempt's signal, pgolf's user agent, no transparent
 * decompression (sizes and Range offsets refer to the bytes sent), and the silence timer restarted
 * by the head. Redirects are the caller's choice (`init.redirect`).
 */
export async function fetchAttempt(url: string, init: RequestInit, a: Attempt): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  const res = await fetch(url, { ...init, headers, signal: a.signal });
  a.headSeen = true;
  a.alive();
  return res;
}

/** A body's bytes, read under the attempt (silence timer per chunk); `onTooLarge` past maxBytes. */
export async function readBody(res: Response, a: Attempt, maxBytes = Infinity, onTooLarge?: (bytes: number) => PgolfError): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length"));
  const tooLarge = (n: number) => onTooLarge?.(n) ?? new PgolfError("FETCH_HTTP", `the answer is over ${maxBytes} bytes`, { fix: "the server sent more than the caller accepts; check the URL, or raise the caller's limit if the answer is expected to be this large", file: res.url, details: { status: res.status } });
  if (res.headers.has("content-length") && Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge(declared);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    a.alive();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(size);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, size);
}
