// `pgolf serve`: the contest web application assembled. The live leaderboard is built from the
// records of a folder (--records) and, with a contest database (--data), from the approved
// submissions; it is rebuilt when either changes. With --data the contest API (contest_routes.ts)
// is served too, on the embedded PGlite in <data>/db or the Postgres server of DATABASE_URL.
import * as fs from "node:fs";
import type { Server } from "node:http";
import * as path from "node:path";
import { findRecords, readRecord } from "../submission/read_record.js";
import { createApp } from "./app.js";
import { BlobStore, blobStoreDir } from "./blob_store.js";
import { Contest } from "./contest.js";
import { contestRoutes } from "./contest_routes.js";
import type { Db } from "./db.js";
import { openDb } from "./open_db.js";
import { treeSignature } from "./records_source.js";
import { SiteCache } from "./site_cache.js";

export interface ContestServerOptions {
  /** A records root to show (original or pgolf record folders). */
  records?: string;
  /** The contest's data folder (database, blobs, approved records); none: leaderboard only. */
  data?: string;
  /** The contest's track (with --data). */
  track?: string;
  /** Database URL (default: DATABASE_URL; empty: the embedded PGlite). */
  databaseUrl?: string;
}

export interface ContestServer {
  server: Server;
  site: SiteCache;
  contest: Contest | null;
  /** The first admin's token when this start created the account (shown once). */
  adminToken: string | null;
  /** Rebuilds the leaderboard when its inputs changed; returns whether it did. */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startContestServer(o: ContestServerOptions): Promise<ContestServer> {
  const site = new SiteCache();
  let db: Db | null = null;
  let contest: Contest | null = null;
  let adminToken: string | null = null;
  const approvedRoot = o.data ? path.join(o.data, "records") : null;
  if (o.data) {
    fs.mkdirSync(o.data, { recursive: true });
    db = await openDb({ dataDir: o.data, url: o.databaseUrl });
    contest = await Contest.open(db, new BlobStore(blobStoreDir(o.data)), { id: "main", name: "Parameter Golf", track: o.track ?? "cpu-10min-2mb" });
    if (!(await contest.hasAdmin())) adminToken = (await contest.addUser("admin", "admin")).token;
  }
  let signature: string | null = null;
  const refresh = async (): Promise<boolean> => {
    if (contest && approvedRoot) await contest.exportApproved(approvedRoot);
    const roots = [o.records, approvedRoot].filter((r): r is string => !!r && fs.existsSync(r));
    const sig = roots.map(treeSignature).join("\n--\n");
    if (sig === signature) return false;
    site.rebuild(roots.flatMap((r) => findRecords(r).map(readRecord)), roots.map((r) => path.resolve(r)).join(", "));
    signature = sig;
    return true;
  };
  await refresh();
  const server = createApp({ site, routes: contest ? [contestRoutes(contest, async () => void (await refresh()))] : [] });
  const timer = setInterval(() => void refresh().catch(() => undefined), 2000);
  timer.unref();
  return {
    server,
    site,
    contest,
    adminToken,
    refresh,
    async close() {
      clearInterval(timer);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await db?.close();
    },
  };
}
