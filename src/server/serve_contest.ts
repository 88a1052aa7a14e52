// `pgolf serve` as one library call: the contest web application started and listening. With neither
// a records root nor a data folder, a contest is hosted in ./contest on the embedded database.
// GitHub intake and sign-in are configured by the environment, so secrets stay out of argv and shell
// history:
//   PGOLF_GITHUB_WEBHOOK_SECRET + PGOLF_GITHUB_TOKEN: pull-request intake at /webhooks/github
//     (PGOLF_GITHUB_API_URL for GitHub Enterprise or a test server; deliveries only from GitHub's hook
//     ranges, or PGOLF_GITHUB_HOOK_SOURCES="CIDR,...");
//   PGOLF_GITHUB_CLIENT_ID + PGOLF_GITHUB_CLIENT_SECRET: "Sign in with GitHub" (PGOLF_GITHUB_WEB_URL,
//     PGOLF_PUBLIC_URL for the callback address);
//   DATABASE_URL: Postgres instead of the embedded PGlite.
import { PgolfError } from "../core/error.js";
import { startContestServer, type ContestServer } from "./contest_server.js";
import { embeddedDbDir } from "./open_db.js";

export interface ServeOptions {
  records?: string;
  /** The contest's data folder (default ./contest when no records root is given). */
  data?: string;
  track?: string;
  courses?: string;
  port?: number;
  host?: string;
  /** Connections one address may hold (raise it behind a reverse proxy, where every client has its address). */
  maxConnectionsPerAddress?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ServingContest {
  url: string;
  records: string | null;
  data: string | null;
  /** The embedded PGlite's folder, or null on Postgres (DATABASE_URL) or without a data folder. */
  embedded_db: string | null;
  site_version: number;
  /** The first admin's token when this start created the account (shown once). */
  admin_token: string | null;
  server: ContestServer;
}

export async function serveContest(o: ServeOptions = {}): Promise<ServingContest> {
  const env = o.env ?? process.env;
  const records = o.records;
  const data = o.data ?? (records ? undefined : "contest");
  if (o.maxConnectionsPerAddress !== undefined && !(o.maxConnectionsPerAddress >= 1)) {
    throw new PgolfError("USAGE", `connections per address must be at least 1, got ${o.maxConnectionsPerAddress}`, { fix: "pass --max-connections-per-address 64 (the default) or more behind a proxy" });
  }
  const secret = env.PGOLF_GITHUB_WEBHOOK_SECRET;
  const token = env.PGOLF_GITHUB_TOKEN;
  const hookSources = env.PGOLF_GITHUB_HOOK_SOURCES?.split(",").map((x) => x.trim()).filter(Boolean);
  const github = secret && token ? { secret, token, apiUrl: env.PGOLF_GITHUB_API_URL, hookSources } : undefined;
  const clientId = env.PGOLF_GITHUB_CLIENT_ID;
  const clientSecret = env.PGOLF_GITHUB_CLIENT_SECRET;
  const githubSignIn = clientId && clientSecret ? { clientId, clientSecret, webUrl: env.PGOLF_GITHUB_WEB_URL, apiUrl: env.PGOLF_GITHUB_API_URL, publicUrl: env.PGOLF_PUBLIC_URL } : undefined;
  const s = await startContestServer({
    records,
    data,
    track: o.track,
    courses: o.courses,
    github,
    githubSignIn,
    databaseUrl: env.DATABASE_URL,
    connections: o.maxConnectionsPerAddress === undefined ? undefined : { perAddress: o.maxConnectionsPerAddress },
  });
  const host = o.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(o.port ?? 8080, host, () => {
        s.server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await s.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new PgolfError("USAGE", `cannot listen on ${host}:${o.port ?? 8080}: ${code ?? (e as Error).message}`, { fix: code === "EADDRINUSE" ? "another program holds the port; pass --port N (0 picks a free one)" : "pass another --host or --port" });
  }
  const addr = s.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    records: records ?? null,
    data: data ?? null,
    embedded_db: data && !env.DATABASE_URL ? embeddedDbDir(data) : null,
    site_version: s.site.version,
    admin_token: s.adminToken,
    server: s,
  };
}
