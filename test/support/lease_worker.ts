// A verification worker in its own process, without the training: it leases jobs from a contest
// server over HTTP as `pgolf worker` does, downloads the record pack, holds the lease for holdMs
// (standing in for the reproduction), and reports the seed's numbers as the record's own
// submission.json gives them. Requests that meet a server restarting or its database down are
// retried (contest_client.ts); a report the server refuses (the job expired meanwhile and went to
// another worker) is let go. Tests SIGKILL it while it holds a job. One JSON line per event on
// stdout: {event: "lease", job}, {event: "report", job, answer}, {event: "refused", job, message},
// {event: "retry", what, code}, and at the end {event: "idle", jobs}.
// argv[2]: JSON {server, token, holdMs?, idleExitMs?, pollMs?, maxJobs?}
import { decodePack } from "../../src/artifact/pack.js";
import { isPgolfError } from "../../src/core/error.js";
import { contestRequest } from "../../src/server/contest_client.js";
import type { Submission } from "../../src/submission/submission_schema.js";

const a = JSON.parse(process.argv[2]) as { server: string; token: string; holdMs?: number; idleExitMs?: number; pollMs?: number; maxJobs?: number };
const say = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");

function call(method: "GET" | "POST", p: string, body?: unknown): Promise<Response> {
  return contestRequest({ server: a.server, token: a.token, method, path: p, body }, { onRetry: (_n, e) => say({ event: "retry", what: `${method} ${p}`, code: e.code }) });
}

let idleSince = performance.now();
let jobs = 0;
while (jobs < (a.maxJobs ?? Infinity)) {
  const res = await call("POST", "/api/worker/lease");
  if (res.status === 204) {
    if (performance.now() - idleSince >= (a.idleExitMs ?? 0)) break;
    await new Promise((r) => setTimeout(r, a.pollMs ?? 200));
    continue;
  }
  const lease = (await res.json()) as { job: { id: string; submission_id: string; seed: number; attempt: number } };
  say({ event: "lease", job: lease.job });
  const pack = Buffer.from(await (await call("GET", `/api/submissions/${lease.job.submission_id}/pack`)).arrayBuffer());
  const sub = JSON.parse(Buffer.from(decodePack(pack).files.get("submission.json")!).toString("utf8")) as Submission;
  const s = sub.seeds.find((x) => x.seed === lease.job.seed)!;
  await new Promise((r) => setTimeout(r, a.holdMs ?? 0));
  const result = { seed: s.seed, artifact_sha256: s.artifact_sha256, val_loss: s.val_loss, val_bpb: s.val_bpb, bytes_total: s.bytes_total, train_seconds: s.train_seconds, eval_seconds: s.eval_seconds };
  try {
    const answer = (await (await call("POST", `/api/worker/jobs/${lease.job.id}`, { result })).json()) as unknown;
    say({ event: "report", job: lease.job, answer });
  } catch (e) {
    if (!isPgolfError(e, "HTTP_CONFLICT")) throw e;
    say({ event: "refused", job: lease.job, message: e.message });
  }
  jobs++;
  idleSince = performance.now();
}
say({ event: "idle", jobs });
process.exit(0);
