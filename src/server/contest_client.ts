// Requests to a contest server from its clients (`pgolf submit --to`, `pgolf worker`), through the
// shared client (core/http_client.ts): a request that could not reach the server (restarting,
// connection reset) or met a 503 (its database down, its intake full) is sent again after growing
// waits, or after the wait the server asks (Retry-After, also on a 429 that says when it frees).
// Waits of 250 ms, 500 ms, 1 s, ... up to 8 s, each between half and all of that, over 8 attempts:
// 12 to 24 s in all. The server records uploads, reviews and result reports once however often they
// arrive (contest.ts), so these POSTs are repeatable: a retry whose first attempt did arrive returns
// what the first recorded. An error answer comes back as a PgolfError with the server's code.
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import { answerVerdict, fetchAttempt, transient, withRetries, type HttpOptions } from "../core/http_client.js";

/** What a caller may tune of the policy per call (tests: fewer attempts; the CLI: progress lines). */
export type ContestRetryOptions = Pick<HttpOptions, "attempts" | "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs" | "timeoutMs" | "onRetry" | "signal">;

/**
 * The contest clients' policy. The silence timeout is long: the server answers an upload only
 * once it has checked it, which takes seconds to minutes with a full intake.
 */
export const CONTEST_RETRY: ContestRetryOptions = { attempts: 8, baseDelayMs: 250, maxDelayMs: 8000, timeoutMs: 10 * 60_000 };

/**
 * The PgolfError a contest server's JSON error answer stands for (same code when this pgolf knows it,
 * FETCH_HTTP otherwise): a client sees the server's error as if it had happened locally.
 */
export async function serverError(res: Response, what: string, file: string): Promise<PgolfError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; fix?: string | null } } | null;
  const code = (body?.error?.code ?? "").replace(/^PGOLF_/, "");
  return new PgolfError(code in ERROR_CODES ? (code as ErrorCode) : "FETCH_HTTP", body?.error?.message ?? `the server answered ${res.status} to ${what}`, { file, fix: body?.error?.fix ?? undefined, details: { status: res.status } });
}

export interface ContestRequest {
  /** The server's base URL and the account's token. */
  server: string;
  token: string;
  method: "GET" | "POST";
  path: string;
  /** JSON, or bytes sent as application/octet-stream (a record pack). */
  body?: unknown;
  /** Fix of FETCH_UNREACHABLE: which option names the server. */
  unreachableFix?: string;
}

/** One request, retried by the contest policy; an answer that is not 2xx is thrown as `serverError`. */
export async function contestRequest(r: ContestRequest, retry: ContestRetryOptions = {}): Promise<Response> {
  const url = new URL(r.path, r.server).href;
  const bytes = r.body instanceof Uint8Array;
  const headers: Record<string, string> = { authorization: `Bearer ${r.token}` };
  if (r.body !== undefined) headers["content-type"] = bytes ? "application/octet-stream" : "application/json";
  const body = r.body === undefined ? undefined : bytes ? (r.body as Uint8Array) : JSON.stringify(r.body);
  const o: HttpOptions = { ...CONTEST_RETRY, ...retry, repeatable: true, unreachableFix: r.unreachableFix ?? "check the server's address, and that the server is running" };
  return withRetries(
    url,
    r.method,
    async (a) => {
      const res = await fetchAttempt(url, { method: r.method, headers, body }, a);
      if (res.ok) return res;
      const e = await serverError(res, `${r.method} ${r.path}`, url);
      const v = answerVerdict(res, r.method, true);
      throw v.retry ? transient(e, v.afterMs) : e;
    },
    o,
  );
}
