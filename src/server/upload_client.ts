// The client side of direct upload (`pgolf submit --to URL`): a record folder, packed, POSTed to a
// contest server's /api/submissions with the participant's token; the server's answer (the
// submission, its status and findings) or its error comes back as a PgolfError with the same code.
import { packRecordFolder } from "../artifact/pack.js";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import type { SubmissionView } from "./contest.js";

/**
 * The PgolfError a contest server's JSON error answer stands for (same code when this pgolf knows it,
 * FETCH_HTTP otherwise): a client sees the server's error as if it had happened locally.
 */
export async function serverError(res: Response, what: string, file: string): Promise<PgolfError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; fix?: string | null } } | null;
  const code = (body?.error?.code ?? "").replace(/^PGOLF_/, "");
  return new PgolfError(code in ERROR_CODES ? (code as ErrorCode) : "FETCH_HTTP", body?.error?.message ?? `the server answered ${res.status} to ${what}`, { file, fix: body?.error?.fix ?? undefined });
}

export async function uploadRecord(baseUrl: string, token: string, dir: string): Promise<SubmissionView> {
  const url = new URL("/api/submissions", baseUrl).href;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: packRecordFolder(dir) });
  } catch (e) {
    throw new PgolfError("FETCH_UNREACHABLE", `the contest server could not be reached: ${(e as Error).message}`, { file: url, fix: "check --to", cause: e });
  }
  if (!res.ok) throw await serverError(res, "the upload", url);
  return (await res.json()) as SubmissionView;
}
