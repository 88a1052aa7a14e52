// The client side of direct upload (`pgolf submit --to URL`): a record folder, packed, POSTed to a
// contest server's /api/submissions with the participant's token; the server's answer (the
// submission, its status and findings) or its error comes back as a PgolfError with the same code.
// An upload that could not reach the server, or met a 503 or a 429 that says when to come back, is
// sent again by the contest policy (contest_client.ts); the server records the same pack from the
// same author once, so a retry whose first attempt did arrive returns that submission (`repeated: true`).
import { packRecordFolder } from "../artifact/pack.js";
import type { SubmissionView } from "./contest.js";
import { contestRequest, type ContestRetryOptions } from "./contest_client.js";

/**
 * Uploads a record folder; retried as ContestRetryOptions say (default: 8 attempts over 12 to 24 s,
 * longer when the server asks). With `replaces`, it is the new version of that open submission of
 * the same author, which it closes.
 */
export async function uploadRecord(baseUrl: string, token: string, dir: string, retry: ContestRetryOptions = {}, replaces?: string): Promise<SubmissionView> {
  const query = replaces ? `?${new URLSearchParams({ replaces })}` : "";
  const pack = packRecordFolder(dir);
  const res = await contestRequest({ server: baseUrl, token, method: "POST", path: `/api/submissions${query}`, body: pack, unreachableFix: "check --to, and that the server is running" }, retry);
  return (await res.json()) as SubmissionView;
}
