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
