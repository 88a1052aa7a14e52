// Talking to a contest server in tests: start listening on a free loopback port, and JSON requests
// with an account token, answered as {status, json}.
import type { AddressInfo } from "node:net";
import type { ContestServer } from "../../src/server/contest_server.js";

/** Listens on 127.0.0.1 (a free port); returns the base URL. */
export async function listen(s: ContestServer): Promise<string> {
  await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
}

/** One request; the body (if any) as JSON. 204 answers have json null. */
export async function api(base: string, method: string, p: string, token: string | null, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + p, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

/** The public courses tests play on ranked tracks: the embedded course and the original contest's FineWeb. */
export const PUBLIC_TEST_COURSES = ["sotu-sp1024", "fineweb-sp1024"];

/**
 * Declares the courses' validation splits private to the server (the contest rule
 * private_validation_courses), as its admin. Ranked-track tests that upload records on the public
 * courses need it: otherwise the course rule refuses them (course_rule.ts).
 */
export async function declarePrivateValidation(base: string, adminToken: string, courses: string[] = PUBLIC_TEST_COURSES): Promise<void> {
  const r = await api(base, "PATCH", "/api/admin/contest", adminToken, { private_validation_courses: courses });
  if (r.status !== 200) throw new Error(`declaring ${courses.join(", ")} private failed: ${r.status} ${JSON.stringify(r.json)}`);
}
