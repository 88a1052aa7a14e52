// The contest web application's HTTP layer, on Hono (served by @hono/node-server on a node:http
// server, so slow or idle clients are bounded by the server's timeouts): every request gets an id
// (x-request-id), routes are small handlers mounted by their modules (the contest API, the pages,
// sign-in, webhooks), then health, the leaderboard as JSON, and the site's pages from the site cache
// (the same files as the static site). Errors become JSON with stable codes in one place
// (http_util.ts errorResponse).
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { PgolfError } from "../core/error.js";
import { VERSION } from "../core/version.js";
import { contentType, decodePath, errorResponse, json } from "./http_util.js";
import { defaultConnectionLimits, guardConnections, type ConnectionGuard, type ConnectionLimits } from "./connection_guard.js";
import type { SiteCache } from "./site_cache.js";

export type AppEnv = { Bindings: HttpBindings; Variables: { requestId: string } };
export type App = Hono<AppEnv>;

/** Request bodies read at once by the whole server (see createApp). */
export const MAX_BODIES_IN_FLIGHT = 64;

export interface AppOptions {
  site: SiteCache;
  /** Mounts routes before the site's (API, pages, sign-in, webhooks). */
  mount?: (app: App) => void;
  /** Connection limits over the defaults (connection_guard.ts). */
  connections?: Partial<ConnectionLimits>;
}

function serveSite(site: SiteCache, c: Context<AppEnv>, p: string): Response {
  const f = site.get(decodePath(p));
  if (!f) throw new PgolfError("HTTP_NOT_FOUND", `no page at ${c.req.path}`, { fix: "start from /" });
  const headers = {
    "content-type": contentType(p.endsWith("/") || !p.includes(".") ? "index.html" : p),
    etag: f.etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  };
  if (c.req.header("if-none-match") === f.etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(f.body), 200, headers);
}

export function createApp(o: AppOptions): { app: App; server: http.Server; guard: ConnectionGuard } {
  const app: App = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    const id = randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
    // A body the handler did not read (an upload refused before its body: busy, over a limit, not
    // signed in) is never read: the answer says the connection closes, and it closes once the answer is
    // sent. (@hono/node-server would otherwise read and discard up to 64 MiB of it on the event loop,
    // per request: under a flood of refused 64 MiB uploads that reading held the loop for seconds;
    // bench/serve_load.ts.)
    const { incoming, outgoing } = c.env;
    if (incoming && !incoming.complete && !outgoing.headersSent) {
      c.res.headers.set("connection", "close");
      outgoing.once("finish", () => incoming.socket?.destroy());
    }
  });
  // Request bodies held at once, whatever the route: past the limit a request with a body is refused
  // (503) before any of it is read, and the connection closes (above). Each route caps its own body's
  // size (1 MiB of JSON, 5 MiB of webhook, uploads by their own admission: intake.ts), so bodies in
  // memory are bounded however many clients send them slowly. (A blind attack held 600 webhook bodies
  // of 5 MiB from one address: +2.6 GB.)
  let bodies = 0;
  app.use("*", async (c, next) => {
    // a request with a body declares one (Content-Length over 0, or chunked); headers are all there is when this runs
    const length = Number(c.req.header("content-length") ?? 0);
    if (!(length > 0) && c.req.header("transfer-encoding") === undefined) return next();
    if (bodies >= MAX_BODIES_IN_FLIGHT) throw new PgolfError("HTTP_BUSY", `the server is reading ${bodies} request bodies, its limit`, { fix: "retry in a few seconds" });
    bodies++;
    try {
      await next();
    } finally {
      bodies--;
    }
  });
  app.onError((e, c) => errorResponse(c, e));
  app.notFound((c) => errorResponse(c, new PgolfError("HTTP_NOT_FOUND", `no ${c.req.method} route at ${c.req.path}`, { fix: "start from /" })));
  o.mount?.(app);
  app.get("/healthz", (c) => json(c, 200, { ok: true, pgolf: VERSION, site_version: o.site.version }));
  // the API's leaderboard is the site's leaderboard.json, served from the same build
  app.get("/api/leaderboard", (c) => serveSite(o.site, c, "/leaderboard.json"));
  app.get("*", (c) => serveSite(o.site, c, new URL(c.req.url).pathname));
  // slow or idle clients must not hold sockets forever: the timeouts are checked every second (Node's
  // default, 30 s, let a connection that never sent a byte live up to 40 s past a 10 s headers timeout)
  const server = http.createServer({ connectionsCheckingInterval: 1000 });
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const guard = guardConnections(server, { ...defaultConnectionLimits(), ...o.connections }, getRequestListener(app.fetch, { overrideGlobalObjects: false, autoCleanupIncoming: false }));
  return { app, server, guard };
}
