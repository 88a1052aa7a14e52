// The client side of direct upload (`pgolf submit --to URL`): a record folder, packed, POSTed to a
// contest server's /api/submissions with the participant's token; the server's answer (the
// submission, its status and findings) or its error comes back as a PgolfError with the same code.
// An upload that could not reach the server, or met its database down (503), is sent again with
// growing waits (client_retry.ts); the server records the same pack from the same author once, so
// a retry whose first attempt did arrive returns that submission (`repeated: true`).
import { packRecordFolder } from "../artifact/pack.js";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import { withRetry, type RetryOptions } from "./client_retry.js";
import type { SubmissionView } from "./contest.js";

/**
 * The PgolfError a contest server's JSON error answer stands for (same code when this pgolf knows it,
 * FETCH_HTTP otherwise): a client sees the server's error as if it had happened locally.
 */
export async function serverError(res: Response, what: string, file: string): Promise<PgolfError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; fix?: string | null } } | null;
  const code = (body?.error?.code ?? "").replace(/^PGOLF_/, "");
  return new PgolfError(code in ERROR_CODES ? (code as ErrorCode) : "FETCH_HTTP", body?.error?.message ?? `the server answered ${res.status} to ${what}`, { file, fix: body?.error?.fix ?? undefined, details: { status: res.status } });
}

/**
 * Uploads a record folder; retried as RetryOptions say (default: 8 attempts over 12 to 24 s). With
 * `replaces`, it is the new version of that open submission of the same author, which it closes.
 */
export async function uploadRecord(baseUrl: string, token: string, dir: string, retry: RetryOptions = {}, replaces?: string): Promise<SubmissionView> {
  const u = new URL("/api/submissions", baseUrl);
  if (replaces) u.searchParams.set("replaces", replaces);
  const url = u.href;
  const pack = packRecordFolder(dir);
  return withRetry(async () => {
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: pack });
    } catch (e) {
      const why = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new PgolfError("FETCH_UNREACHABLE", `the contest server could not be reached: ${(e as Error).message}${why ? ` (${why.code ?? why.message})` : ""}`, { file: url, fix: "check --to, and that the server is running", cause: e });
    }
    if (!res.ok) throw await serverError(res, "the upload", url);
    return (await res.json()) as SubmissionView;
  }, retry);
}
