import { startContestServer } from "../../server/contest_server.js";
import { defineCommand, int, str, usage } from "../command.js";

// The contest web application: the live leaderboard (the static site's pages, rebuilt when records
// change) and, with --data, the contest API (accounts, uploads, review) and, when
// PGOLF_GITHUB_WEBHOOK_SECRET and PGOLF_GITHUB_TOKEN are set, GitHub pull-request intake at
// /webhooks/github (PGOLF_GITHUB_API_URL for GitHub Enterprise or a test server; deliveries only from
// GitHub's hook ranges, or PGOLF_GITHUB_HOOK_SOURCES="CIDR,..."), and, when
// PGOLF_GITHUB_CLIENT_ID and PGOLF_GITHUB_CLIENT_SECRET name an OAuth app, "Sign in with GitHub" on
// the pages (PGOLF_GITHUB_WEB_URL, PGOLF_PUBLIC_URL for the callback address). Runs until stopped.
export default defineCommand({
  name: "serve",
  summary: "Run the contest web application: the live leaderboard of --records and, with --data, the contest API and pages (submit, review queue, fleet admin, audit) on PGlite or DATABASE_URL.",
  usage: "[--records DIR] [--data DIR (default ./contest when --records is not given)] [--track T] [--courses DIR] [--port 8080] [--host 127.0.0.1] [--max-connections-per-address 64]",
  // --courses: the server's own course copies, for the memorization bound of ranked submissions (default <data>/courses)
  // --max-connections-per-address: behind a reverse proxy every client has the proxy's address; raise it there
  options: { records: { type: "string" }, data: { type: "string" }, track: { type: "string" }, courses: { type: "string" }, port: { type: "string" }, host: { type: "string" }, "max-connections-per-address": { type: "string" } },
  streams: true,
  async run(v, _p, io) {
    const records = str(v, "records");
    // with neither, a contest is hosted in ./contest on the embedded database
    const data = str(v, "data") ?? (records ? undefined : "contest");
    // GitHub intake is configured by the environment (secrets stay out of argv and shell history)
    const secret = process.env.PGOLF_GITHUB_WEBHOOK_SECRET;
    const token = process.env.PGOLF_GITHUB_TOKEN;
    // PGOLF_GITHUB_HOOK_SOURCES: the address ranges deliveries come from (default: GitHub's, GET /meta)
    const hookSources = process.env.PGOLF_GITHUB_HOOK_SOURCES?.split(",").map((x) => x.trim()).filter(Boolean);
    const github = secret && token ? { secret, token, apiUrl: process.env.PGOLF_GITHUB_API_URL, hookSources } : undefined;
    const clientId = process.env.PGOLF_GITHUB_CLIENT_ID;
    const clientSecret = process.env.PGOLF_GITHUB_CLIENT_SECRET;
    const githubSignIn = clientId && clientSecret ? { clientId, clientSecret, webUrl: process.env.PGOLF_GITHUB_WEB_URL, apiUrl: process.env.PGOLF_GITHUB_API_URL, publicUrl: process.env.PGOLF_PUBLIC_URL } : undefined;
    const perAddress = int(v, "max-connections-per-address");
    if (perAddress !== undefined && perAddress < 1) throw usage("--max-connections-per-address must be at least 1");
    const s = await startContestServer({ records, data, track: str(v, "track"), courses: str(v, "courses"), github, githubSignIn, connections: perAddress === undefined ? undefined : { perAddress } });
    const host = str(v, "host") ?? "127.0.0.1";
    await new Promise<void>((resolve) => s.server.listen(int(v, "port") ?? 8080, host, resolve));
    const addr = s.server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const line = { url: `http://${host}:${port}/`, records: records ?? null, data: data ?? null, site_version: s.site.version, admin_token: s.adminToken };
    if (io.json) io.stdout.write(JSON.stringify(line) + "\n");
    else {
      io.stdout.write(`serving ${line.url}${records ? ` (records ${records})` : ""}${data ? ` (contest data ${data})` : ""}; Ctrl-C stops\n`);
      if (data) io.stdout.write(`pages: ${line.url}signin, ${line.url}submit, ${line.url}review, ${line.url}admin\n`);
      if (s.adminToken) io.stdout.write(`first admin account "admin", token (shown once): ${s.adminToken}\n`);
      if (data && !process.env.DATABASE_URL) io.stdout.write(`database: the embedded PGlite in ${data}/db; for Postgres, start with DATABASE_URL=postgres://user:pass@host/db\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => void s.close().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return undefined;
  },
});
