import * as path from "node:path";
import { runWorker } from "../../server/worker.js";
import { defineCommand, str, usage } from "../command.js";

// A verification machine: leases seeds of pgolf-format submissions (pgolf or process entries) from a
// contest server, reproduces each in an isolated run (no network, sandbox user, cgroup limits, hard
// wallclock kill) with pgolf's harness and trusted evaluator, and reports the reproduced numbers; a
// heartbeat every 10 s feeds the admin page's fleet view.
export default defineCommand({
  name: "worker",
  summary: "Reproduce queued submissions for a contest server: each seed trained and scored in an isolated run; the reproduced numbers are reported.",
  usage: "--server URL [--token T] [--work DIR] [--once] [--minutes N]",
  options: { server: { type: "string" }, token: { type: "string" }, work: { type: "string" }, once: { type: "boolean" }, minutes: { type: "string" } },
  async run(v, _p, io) {
    const server = str(v, "server");
    const token = str(v, "token") ?? process.env.PGOLF_TOKEN;
    if (!server || !token) throw usage("--server URL and a worker token (--token or PGOLF_TOKEN) are required");
    const minutes = str(v, "minutes");
    return runWorker({
      server,
      token,
      workDir: path.resolve(str(v, "work") ?? "worker"),
      once: v.once === true,
      minutes: minutes === undefined ? undefined : Number(minutes),
      say: io.json ? undefined : (l) => io.stderr.write(l + "\n"),
    });
  },
  human: (r) => `${r.jobs} job${r.jobs === 1 ? "" : "s"} reproduced, ${r.failed} failed`,
});
