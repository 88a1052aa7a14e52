import { SiteCache } from "../../server/site_cache.js";
import { RecordsSource } from "../../server/records_source.js";
import { createApp } from "../../server/app.js";
import { defineCommand, int, str, usage } from "../command.js";

// The contest web application. This first part serves the live leaderboard and record pages of a
// records folder (rebuilt when its files change) and the leaderboard as JSON; it runs until stopped.
export default defineCommand({
  name: "serve",
  summary: "Serve the live leaderboard of a records folder (the static site's pages, rebuilt when records change) and /api/leaderboard.",
  usage: "--records DIR [--port 8080] [--host 127.0.0.1]",
  options: { records: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
  streams: true,
  async run(v, _p, io) {
    const root = str(v, "records");
    if (!root) throw usage("--records DIR is required");
    const site = new SiteCache();
    const source = new RecordsSource(root, site);
    source.refresh();
    source.watch(2000, (e) => io.stderr.write(`rebuild failed: ${(e as Error).message}\n`));
    const server = createApp({ site });
    const host = str(v, "host") ?? "127.0.0.1";
    await new Promise<void>((resolve) => server.listen(int(v, "port") ?? 8080, host, resolve));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const line = { url: `http://${host}:${port}/`, records: root, site_version: site.version };
    io.stdout.write((io.json ? JSON.stringify(line) : `serving ${line.url} (records ${root}); Ctrl-C stops`) + "\n");
    await new Promise<void>((resolve) => {
      const stop = () => {
        source.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return undefined;
  },
});
