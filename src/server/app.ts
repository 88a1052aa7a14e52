// The contest web application's HTTP layer (node:http): the live leaderboard and record pages from
// the site cache (the same files as the static site), the leaderboard as JSON, and health. Routes are
// matched here and handled by small functions; errors become JSON with stable codes (http_util.ts).
import * as http from "node:http";
import { PgolfError } from "../core/error.js";
import { VERSION } from "../core/version.js";
import { contentType, decodePath, sendError, sendJson } from "./http_util.js";
import type { SiteCache } from "./site_cache.js";

export interface AppOptions {
  site: SiteCache;
  /** Extra routes (API, webhooks) tried before the site: return true when handled. */
  routes?: ((req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>)[];
}

function serveSite(site: SiteCache, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const p = decodePath(url.pathname);
  const f = site.get(p);
  if (!f) throw new PgolfError("HTTP_NOT_FOUND", `no page at ${url.pathname}`, { fix: "start from /" });
  const headers = {
    "content-type": contentType(p.endsWith("/") || !p.includes(".") ? "index.html" : p),
    etag: f.etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  };
  if (req.headers["if-none-match"] === f.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": f.body.length });
  res.end(req.method === "HEAD" ? undefined : f.body);
}

export function createApp(o: AppOptions): http.Server {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      for (const route of o.routes ?? []) if (await route(req, res, url)) return;
      if (req.method !== "GET" && req.method !== "HEAD") throw new PgolfError("HTTP_NOT_FOUND", `no ${req.method} route at ${url.pathname}`);
      if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true, pgolf: VERSION, site_version: o.site.version });
      // the API's leaderboard is the site's leaderboard.json, served from the same build
      serveSite(o.site, req, res, url.pathname === "/api/leaderboard" ? new URL("/leaderboard.json", url) : url);
    } catch (e) {
      sendError(res, e);
    }
  });
  // slow or idle clients must not hold sockets forever
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
