// A per-client rate limit for the routes anyone may call without an account (sign-in, webhooks):
// at most `perMinute` requests a minute from one address, counted in a fixed one-minute window held
// in memory (a bounded map: the oldest windows go first). Past it: 429 HTTP_RATE_LIMITED.
import type { MiddlewareHandler } from "hono";
import { PgolfError } from "../core/error.js";
import type { AppEnv } from "./app.js";

/** Addresses tracked at once; past this the oldest window is dropped. */
const MAX_CLIENTS = 10_000;

export function rateLimit(o: { perMinute: number; what: string }): MiddlewareHandler<AppEnv> {
  const windows = new Map<string, { start: number; n: number }>();
  return async (c, next) => {
    const who = c.env?.incoming?.socket?.remoteAddress ?? "unknown";
    const now = Date.now();
    let w = windows.get(who);
    if (!w || now - w.start >= 60_000) {
      windows.delete(who);
      w = { start: now, n: 0 };
      windows.set(who, w);
      if (windows.size > MAX_CLIENTS) windows.delete(windows.keys().next().value!);
    }
    if (++w.n > o.perMinute) {
      throw new PgolfError("HTTP_RATE_LIMITED", `more than ${o.perMinute} ${o.what} a minute from this address`, { fix: `wait ${Math.ceil((w.start + 60_000 - now) / 1000)} s` });
    }
    await next();
  };
}
