import { serveContest } from "../../server/serve_contest.js";
import { defineCommand, int, str } from "../command.js";

// The contest web application (server/serve_contest.ts, which also lists the environment variables
// that configure GitHub intake, sign-in and Postgres): started, its address and first admin token
// printed, then running until SIGINT or SIGTERM.
export default defineCommand({
  name: "serve",
  summary: "Run the contest web application: the live leaderboard of --records and, with --data, the contest API and pages (submit, review queue, fleet admin, audit) on PGlite or DATABASE_URL.",
  usage: "[--records DIR] [--data DIR (default ./contest when --records is not given)] [--track T] [--courses DIR] [--port 8080] [--host 127.0.0.1] [--max-connections-per-address 64]",
  // --courses: the server's own course copies, for the memorization bound of ranked submissions (default <data>/courses)
  // --max-connections-per-address: behind a reverse proxy every client has the proxy's address; raise it there
  options: { records: { type: "string" }, data: { type: "string" }, track: { type: "string" }, courses: { type: "string" }, port: { type: "string" }, host: { type: "string" }, "max-connections-per-address": { type: "string" } },
  streams: true,
  async run(v, _p, io) {
    const s = await serveContest({
      records: str(v, "records"),
      data: str(v, "data"),
      track: str(v, "track"),
      courses: str(v, "courses"),
      port: int(v, "port"),
      host: str(v, "host"),
      maxConnectionsPerAddress: int(v, "max-connections-per-address"),
    });
    const { server: _server, ...line } = s;
    if (io.json) io.stdout.write(JSON.stringify(line) + "\n");
    else {
      io.stdout.write(`serving ${s.url}${s.records ? ` (records ${s.records})` : ""}${s.data ? ` (contest data ${s.data})` : ""}; Ctrl-C stops\n`);
      if (s.data) io.stdout.write(`pages: ${s.url}signin, ${s.url}submit, ${s.url}review, ${s.url}admin\n`);
      if (s.admin_token) io.stdout.write(`first admin account "admin", token (shown once): ${s.admin_token}\n`);
      if (s.embedded_db) io.stdout.write(`database: the embedded PGlite in ${s.embedded_db}; for Postgres, start with DATABASE_URL=postgres://user:pass@host/db\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => void s.server.close().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return undefined;
  },
});
