// `pgolf serve`: the contest web application assembled. The live leaderboard is built from the
// records of a folder (--records) and, with a contest database (--data), from the approved
// submissions scored on the fleet's reproductions; it is rebuilt when any of these changes. With
// --data the contest API (contest_routes.ts) and the web pages for people (ui_pages.ts: sign in,
// submit, review, admin) are served too, on the embedded PGlite in <data>/db or the Postgres server
// of DATABASE_URL.
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import * as fs from "node:fs";
import type { Server } from "node:http";
import * as path from "node:path";
import { packRecordFolder } from "../artifact/pack.js";
import type { MiddlewareHandler } from "hono";
import { isPgolfError, PgolfError } from "../core/error.js";
import { track as lookupTrack, type Track } from "../core/track.js";
import { createApp, type AppEnv } from "./app.js";
import type { ConnectionLimits } from "./connection_guard.js";
import { httpStatus } from "./http_util.js";
import { BlobStore, blobStoreDir } from "./blob_store.js";
import { Contest } from "./contest.js";
import { mountContestApi } from "./contest_routes.js";
import { CourseBounds } from "./course_rule.js";
import { GitHubClient } from "./github_client.js";
import { webhookHandler, type WebhookHandler } from "./github_webhook.js";
import { WebhookSources } from "./webhook_sources.js";
import { rateLimit } from "./rate_limit.js";
import { errorFindings, formatReport, reviewPullRequest, STATUS_CONTEXT } from "./record_intake.js";
import type { Db } from "./db.js";
import { openDb } from "./open_db.js";
import { openQueue, type QueueOptions } from "./queue.js";
import { LiveBoard } from "./live_board.js";
import { SiteCache } from "./site_cache.js";
import { sweepServerTemps } from "./stale_temps.js";
import { mountUi } from "./ui_pages.js";
import { uiScript } from "./ui_script.js";
import { mountGitHubSignIn, type GitHubSignInOptions } from "./github_signin.js";

/** Refused webhook deliveries (bad signature or payload) one address may send a minute before it gets 429. */
const WEBHOOK_REFUSALS_PER_MINUTE = 30;

export interface ContestServerOptions {
  /** A records root to show (original or pgolf record folders). */
  records?: string;
  /** The contest's data folder (database, blobs, approved records); none: leaderboard only. */
  data?: string;
  /** The contest's track (with --data). */
  track?: string;
  /** Database URL (default: DATABASE_URL; empty: the embedded PGlite). */
  databaseUrl?: string;
  /**
   * GitHub intake (with --data): the webhook secret, an API token, the API's base URL, and the
   * address ranges deliveries may come from (default: GitHub's, from GET /meta: webhook_sources.ts).
   */
  github?: { secret: string; token: string; apiUrl?: string; hookSources?: string[] };
  /** "Sign in with GitHub" for the pages (with --data): the OAuth app's id and secret. */
  githubSignIn?: GitHubSignInOptions;
  /** Verification queue settings (with --data). */
  queue?: QueueOptions;
  /**
   * The folder of the server's own course copies, one folder per course, on which it measures the
   * memorization bound of ranked submissions (course_rule.ts); default <data>/courses.
   */
  courses?: string;
  /** Connection limits over the defaults (connection_guard.ts): a server behind a proxy sees one address for everyone. */
  connections?: Partial<ConnectionLimits>;
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

/**
 * GitHub intake: a signed pull_request delivery (replays ignored by delivery id) is reviewed
 * (record folder downloaded safely, checked, answered with a commit status and a comment); a passing
 * folder becomes a submission of the PR author's account, once per head commit.
 */
function githubIntake(contest: Contest, db: Db, gh: { secret: string; token: string; apiUrl?: string }, workDir: string): WebhookHandler {
  const client = new GitHubClient({ token: gh.token, baseUrl: gh.apiUrl });
  return webhookHandler({
    secret: gh.secret,
    // a conflict on the delivery id or on the body's sha256 (migration 6): seen before
    seenDelivery: async (id, bodySha256) => (await db.query(`INSERT INTO webhook_deliveries (delivery_id, event, body_sha256) VALUES ($1, 'pull_request', $2) ON CONFLICT DO NOTHING`, [id, bodySha256])).affectedRows === 0,
    onPullRequest: async (ev) => {
      const r = await reviewPullRequest(client, ev, { workDir });
      if (!r.dir) return;
      try {
        const dup = await db.query(`SELECT 1 FROM submissions WHERE github_repo = $1 AND github_pr = $2 AND github_head_sha = $3`, [ev.repo, ev.number, ev.headSha]);
        if (dup.rows.length > 0) return;
        try {
          await contest.submissions.submit(await contest.accounts.githubUser({ login: ev.author, id: ev.authorId }), packRecordFolder(r.dir), { kind: "github", repo: ev.repo, pr: ev.number, headSha: ev.headSha });
        } catch (e) {
          // the contest refuses a folder that passed the checks (its course rule, its text, the author's
          // limit): say so on the pull request; a server fault (a 5xx) is not the PR's, and is retried
          if (!isPgolfError(e) || httpStatus(e.code) >= 500) throw e;
          const { verdict, findings } = errorFindings(e);
          const report = formatReport(findings, verdict, { record: r.intake?.checked, folder: r.intake?.folder.path, headSha: ev.headSha });
          await client.createStatus(ev.repo, ev.headSha, { ...report.status, context: STATUS_CONTEXT });
          await client.createComment(ev.repo, ev.number, report.body);
        }
      } finally {
        fs.rmSync(r.dir, { recursive: true, force: true });
      }
    },
  });
}

/**
 * How long a worker holds a leased seed before the job counts as abandoned and is leased again,
 * seconds: the track's training and evaluation caps, half again for slow machines and start-up,
 * plus 10 minutes; at most 23 hours (pg-boss's limit is under a day). The non-record track has no
 * cap and gets the most.
 */
export function leaseSeconds(t: Track): number {
  if (t.trainSeconds === null || t.evalSeconds === null) return 23 * 3600;
  return Math.min(23 * 3600, Math.ceil((t.trainSeconds + t.evalSeconds) * 1.5) + 600);
}

export async function startContestServer(o: ContestServerOptions): Promise<ContestServer> {
  const site = new SiteCache();
  let db: Db | null = null;
  let contest: Contest | null = null;
  let adminToken: string | null = null;
  const approvedRoot = o.data ? path.join(o.data, "records") : null;
  if (o.data) {
    // the pages' script (ui_script.ts) before anything opens: a dist/ built without it fails at
    // once, with no database or queue left open behind the error
    uiScript();
    fs.mkdirSync(o.data, { recursive: true });
    db = await openDb({ dataDir: o.data, url: o.databaseUrl });
    sweepServerTemps(o.data); // what a killed server was writing (stale_temps.ts)
    contest = await Contest.open(db, new BlobStore(blobStoreDir(o.data)), { id: "main", name: "Parameter Golf", track: o.track ?? "cpu-10min-2mb" });
    if (!(await contest.accounts.hasAdmin())) adminToken = (await contest.accounts.addUser("admin", "admin")).token;
    contest.courses = new CourseBounds(o.courses ?? path.join(o.data, "courses"));
    contest.jobs = await openQueue(db, { expireInSeconds: leaseSeconds(lookupTrack((await contest.settings()).track)), ...o.queue });
    // packs no open submission needs (withdrawn, replaced, or stored by an intake that died before its
    // row committed): swept now and every few hours, in the background (blob_collector.ts)
    contest.collector.start();
    // submissions the lineage index lacks, re-indexed from their packs; never-analysed ones analysed (contest_lineage.ts)
    contest.lineageDir = path.join(o.data, "lineage");
    void contest.lineage.catchUp().catch(() => undefined);
  }
  const board = new LiveBoard(site, { records: o.records, contest, approvedRoot });
  const refresh = () => board.refresh();
  await refresh();
  let webhook: WebhookHandler | null = null;
  let sources: WebhookSources | null = null;
  if (contest && db && o.github && o.data) {
    webhook = githubIntake(contest, db, o.github, path.join(o.data, "github"));
    // GitHub's hook ranges, looked up once now (a short timeout, no retries: the start waits for it)
    const meta = new GitHubClient({ token: o.github.token, baseUrl: o.github.apiUrl, timeoutMs: 10_000, retries: 0 });
    sources = new WebhookSources(o.github.hookSources ? { fixed: o.github.hookSources } : { lookup: () => meta.hookRanges() });
    await sources.start();
  }
  const hookSources = sources;
  const c = contest;
  const hook = webhook;
  const { server } = createApp({
    site,
    connections: o.connections,
    mount: (app) => {
      if (c) {
        mountContestApi(app, c, async () => void (await refresh()));
        mountUi(app, { github: !!o.githubSignIn });
        if (o.githubSignIn) mountGitHubSignIn(app, c, o.githubSignIn);
      }
      // the webhook handler reads and answers the node request itself (github_webhook.ts)
      // an address whose deliveries keep failing their signature is refused before its body is read
      const forgers = rateLimit({ perMinute: WEBHOOK_REFUSALS_PER_MINUTE, what: "refused webhook deliveries", counts: (status) => status === 400 || status === 401 });
      // and a delivery from outside GitHub's hook ranges is refused before its body is read, whatever its address
      const fromGitHub: MiddlewareHandler<AppEnv> = async (ctx, next) => {
        if (!hookSources?.allows(ctx.env.incoming?.socket?.remoteAddress)) {
          throw new PgolfError("HTTP_FORBIDDEN", "webhook deliveries are taken only from GitHub's hook addresses", { fix: "deliveries come from GitHub (the ranges of GET /meta `hooks`, or PGOLF_GITHUB_HOOK_SOURCES)" });
        }
        await next();
      };
      if (hook) app.all("/webhooks/github", fromGitHub, forgers, async (ctx) => (await hook(ctx.env.incoming, ctx.env.outgoing), RESPONSE_ALREADY_SENT));
    },
  });
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
      sources?.stop();
      await webhook?.settled();
      await contest?.collector.stop();
      await contest?.lineage.close();
      await contest?.jobs?.stop();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await db?.close();
    },
  };
}
