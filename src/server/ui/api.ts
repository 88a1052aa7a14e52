// The JSON API as the pages call it: with the pasted account token when there is one (kept in
// localStorage), else with the GitHub session's HttpOnly cookie, which the browser sends and this
// script never sees. A refusal becomes an Error carrying the server's code, message and fix.
import type { ErrorAnswer } from "./api_types.js";

const TOKEN_KEY = "pgolf-token";

/** The pasted token, "" when there is none. */
export function token(): string {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function keepToken(t: string): void {
  localStorage.setItem(TOKEN_KEY, t);
}

export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** The Authorization header for the pasted token, none without one. */
export function authorization(): Record<string, string> {
  return token() ? { authorization: "Bearer " + token() } : {};
}

/**
 * method path with body as JSON; the answer's JSON as T (null for a 204, or for a 2xx whose body is
 * not JSON). T is the caller's word for the route's answer (api_types.ts).
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = authorization();
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null as T;
  const json: unknown = await res.json().catch(() => null);
  if (res.ok) return json as T;
  const e = (json as ErrorAnswer | null)?.error;
  throw new Error(e ? e.code + ": " + e.message + (e.fix ? " (" + e.fix + ")" : "") : "HTTP " + res.status);
}
