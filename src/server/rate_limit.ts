// A per-client rate limit for the routes anyone may call without an account (sign-in, webhooks):
// at most `perMinute` counted requests a minute from one address, in a fixed one-minute window held
// in memory (a bounded map: the oldest windows go first). Past it: 429 HTTP_RATE_LIMITED, before
// the request's body is read. With `counts`, only answers it picks are counted: the webhook counts
// its refusals (bad signatures), so a forger is shut out while GitHub's real deliveries, which it
// does not send again by itself, are never dropped for their number.
import type { MiddlewareHandler } from "hono";
import { PgolfError } from "../core/error.js";
import type { AppEnv } from "./app.js";

/** Addresses tracked at once; past this the oldest window is dropped. */
const MAX_CLIENTS = 10_000;

export function rateLimit(o: { perMinute: number; what: string; counts?: (status: number) => boolean }): MiddlewareHandler<AppEnv> {
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
    if (w.n >= o.perMinute) {
      throw new PgolfError("HTTP_RATE_LIMITED", `more than ${o.perMinute} ${o.what} a minute from this address`, { fix: `wait ${Math.ceil((w.start + 60_000 - now) / 1000)} s` });
    }
    if (!o.counts) w.n++;
    await next();
    // a handler that answered the node response itself (the webhook's) left its status there
    const out = c.env?.outgoing;
    if (o.counts?.(out?.headersSent ? out.statusCode : c.res.status)) w.n++;
  };
}
