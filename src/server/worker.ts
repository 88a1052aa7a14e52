// `pgolf worker`: a verification machine of the fleet. It leases a job from the contest server (one
// seed of a pgolf-format submission: a pgolf entry or a process entry in another language), downloads
// the stored record pack, and reproduces the seed with pgolf's own harness, `pgolf train RECORD
// --seeds N`, run inside runIsolated (no network, the sandbox user, cgroup limits, a hard wallclock
// kill); inside, the harness still seals the entry and keeps the validation data from it (Node's
// permission model, or for a process entry its own namespaces, required with --require-confinement).
// The trusted evaluator's numbers, not the claimed ones, go back.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { unpackRecordFolder } from "../artifact/pack.js";
import { PgolfError } from "../core/error.js";
import { readJsonFile } from "../core/json.js";
import { track as lookupTrack } from "../core/track.js";
import { VERSION } from "../core/version.js";
import { openCourse } from "../data/course.js";
import { prepareCourse } from "../data/prepare.js";
import type { Submission } from "../submission/submission_schema.js";
import { isolationSupport, runIsolated, sweepOrphanRuns, type Limits } from "./isolation.js";
import { contestRequest, type ContestRetryOptions } from "./contest_client.js";

export interface WorkerOptions {
  /** The contest server's base URL and this worker's token (a "worker" account). */
  server: string;
  token: string;
  /** Scratch space for jobs; the course is prepared under <workDir>/data. */
  workDir: string;
  /** Stop when no job is waiting (default: keep polling). */
  once?: boolean;
  pollMs?: number;
  /** Training minutes per seed instead of the track's cap (test and rehearsal contests). */
  minutes?: number;
  limits?: Partial<Limits>;
  say?: (line: string) => void;
  /** Heartbeat period, milliseconds (default 10 s; the fleet view calls a worker dead after 45 s of silence). */
  heartbeatMs?: number;
}

interface Lease {
  job: { id: string; submission_id: string; seed: number; attempt: number };
  track: string;
  config: { verify_minutes?: number };
}

const BIN = fileURLToPath(new URL("../../bin/pgolf.js", import.meta.url));

/** A request to the contest server, sent again while it restarts or its database is down (contest_client.ts). */
function call(o: WorkerOptions, method: "GET" | "POST", p: string, body?: unknown, retry: ContestRetryOptions = {}): Promise<Response> {
  return contestRequest({ server: o.server, token: o.token, method, path: p, body, unreachableFix: "check --server, and that the server is running" }, retry);
}

/** chmod a+rX under dir: the sandbox user reads the course (builds write private temp folders). */
function makeReadable(dir: string): void {
  const st = fs.statSync(dir);
  if (st.isDirectory()) {
    if ((st.mode & 0o555) !== 0o555) fs.chmodSync(dir, st.mode | 0o555);
    for (const name of fs.readdirSync(dir)) makeReadable(path.join(dir, name));
  } else if ((st.mode & 0o444) !== 0o444) fs.chmodSync(dir, st.mode | 0o444);
}

/** Reproduces one leased seed; returns the result to report. */
async function reproduce(o: WorkerOptions, lease: Lease, jobDir: string): Promise<Record<string, unknown>> {
  const pack = Buffer.from(await (await call(o, "GET", `/api/submissions/${lease.job.submission_id}/pack`)).arrayBuffer());
  const record = path.join(jobDir, "record");
  fs.mkdirSync(record, { recursive: true });
  unpackRecordFolder(pack, record, `submission ${lease.job.submission_id}`);
  const sub = readJsonFile<Submission>(path.join(record, "submission.json"), "submission.json");
  const t = lookupTrack(lease.track);
  const dataDir = path.join(o.workDir, "data");
  const course = openCourse((await prepareCourse({ dir: dataDir, course: sub.course.name })).dir);
  if (course.manifestSha256 !== sub.course.manifest_sha256) {
    throw new PgolfError("COURSE_MANIFEST", `this worker's ${sub.course.name} is not the course the submission was scored on (manifest sha256 ${course.manifestSha256.slice(0, 12)}…, the record says ${sub.course.manifest_sha256.slice(0, 12)}…)`, {
      fix: "rebuild the course with the pgolf version the contest uses",
    });
  }
  makeReadable(dataDir);
  const out = path.join(jobDir, "out");
  fs.mkdirSync(out, { recursive: true });
  // the sandbox user reads the job, the pgolf install and the course, and writes only `out`
  for (const d of [o.workDir, jobDir, record]) fs.chmodSync(d, 0o755);
  const minutes = o.minutes ?? lease.config.verify_minutes;
  // --require-confinement: a process entry (train_command) that cannot be confined in here is refused, never run open
  const command = [process.execPath, BIN, "train", record, "--dir", dataDir, "--course", sub.course.name, "--track", t.name, "--seeds", String(lease.job.seed), "--out", out, "--json", "--require-confinement", ...(minutes ? ["--minutes", String(minutes)] : [])];
  const trainMs = (minutes ? minutes * 60 : (t.trainSeconds ?? 24 * 3600)) * 1000;
  const limits: Limits = { memoryBytes: 12 * 1024 ** 3, cpus: t.threads ?? 2, pids: 512, wallclockMs: trainMs + (t.evalSeconds ?? 3600) * 1000 + 300_000, ...o.limits };
  const r = await runIsolated(command, { cwd: jobDir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: out, TMPDIR: out }, limits, writable: [out] });
  if (r.reason !== "exit" || r.code !== 0) {
    throw new PgolfError(r.reason === "wallclock" ? "ENTRY_TIMEOUT" : "ENTRY_CRASHED", `the reproduction of seed ${lease.job.seed} ended (${r.reason}, code ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`, { fix: "see the worker's run folder for the log; a crash that is the entry's own is reported to the server as this seed's failure" });
  }
  const runs = (JSON.parse(r.stdout.trim().split("\n").pop()!) as { runs: Record<string, number | string>[] }).runs;
  const run = runs[0];
  if (sub.seeds.find((s) => s.seed === lease.job.seed)?.artifact_sha256 !== run.artifact_sha256) {
    o.say?.(`seed ${lease.job.seed}: the reproduced artifact differs from the submitted one (expected for a rerun; the score is what counts)`);
  }
  return {
    seed: lease.job.seed,
    artifact_sha256: run.artifact_sha256,
    val_loss: run.val_loss,
    val_bpb: run.val_bpb,
    bytes_total: run.bytes_total,
    train_seconds: run.train_seconds,
    eval_seconds: run.eval_seconds,
  };
}

/**
 * The worker's heartbeats: what the fleet view shows. Sent every `heartbeatMs` and at every change of
 * job; a failed beat is not an error (the server may be restarting), the next one tries again.
 */
function heartbeats(o: WorkerOptions) {
  const started = new Date().toISOString();
  const beat = {
    instance: randomBytes(12).toString("base64url"),
    host: os.hostname(),
    version: VERSION,
    started_at: started,
    state: "idle" as "idle" | "working" | "stopped",
    job: null as Lease["job"] | null,
    cpus: os.availableParallelism(),
    memory_bytes: os.totalmem(),
    isolation: isolationSupport().ok,
    jobs_done: 0,
    jobs_failed: 0,
  };
  const send = () =>
    call(o, "POST", "/api/worker/heartbeat", { ...beat, job: beat.job && { id: beat.job.id, submission_id: beat.job.submission_id, seed: beat.job.seed } }, { attempts: 1 }).then(
      () => undefined,
      () => undefined,
    );
  const timer = setInterval(() => void send(), o.heartbeatMs ?? 10_000);
  timer.unref();
  return {
    beat,
    send,
    stop: async () => {
      clearInterval(timer);
      beat.state = "stopped";
      beat.job = null;
      await send();
    },
  };
}

/** Leases and reproduces jobs until stopped (or, with `once`, until none is waiting). */
export async function runWorker(o: WorkerOptions): Promise<{ jobs: number; failed: number }> {
  const support = isolationSupport();
  if (!support.ok) throw new PgolfError("ENTRY_ACCESS", `this machine cannot run isolated reproductions: ${support.problems.join("; ")}`, { fix: "run pgolf worker as root on Linux with cgroup v1 controllers" });
  fs.mkdirSync(o.workDir, { recursive: true });
  const orphans = await sweepOrphanRuns();
  if (orphans > 0) o.say?.(`stopped ${orphans} run${orphans === 1 ? "" : "s"} left by a worker that died`);
  const hb = heartbeats(o);
  await hb.send();
  try {
    return await leaseLoop(o, hb);
  } finally {
    await hb.stop();
  }
}

async function leaseLoop(o: WorkerOptions, hb: ReturnType<typeof heartbeats>): Promise<{ jobs: number; failed: number }> {
  let jobs = 0;
  let failed = 0;
  for (;;) {
    const res = await call(o, "POST", "/api/worker/lease");
    if (res.status === 204) {
      if (o.once) return { jobs, failed };
      await new Promise((r) => setTimeout(r, o.pollMs ?? 5000));
      continue;
    }
    const lease = (await res.json()) as Lease;
    const jobDir = fs.mkdtempSync(path.join(o.workDir, `job-${lease.job.seed}-`));
    hb.beat.state = "working";
    hb.beat.job = lease.job;
    void hb.send();
    try {
      const result = await reproduce(o, lease, jobDir);
      const ack = (await (await call(o, "POST", `/api/worker/jobs/${lease.job.id}`, { result })).json()) as { recorded: boolean; status: string };
      o.say?.(`submission ${lease.job.submission_id} seed ${lease.job.seed}: val_bpb ${Number(result.val_bpb).toFixed(4)}; ${ack.recorded ? "recorded" : "already recorded"}; submission ${ack.status}`);
      jobs++;
      hb.beat.jobs_done++;
    } catch (e) {
      failed++;
      hb.beat.jobs_failed++;
      o.say?.(`submission ${lease.job.submission_id} seed ${lease.job.seed} failed: ${(e as Error).message}`);
      await call(o, "POST", `/api/worker/jobs/${lease.job.id}`, { error: (e as Error).message }).catch(() => undefined);
    } finally {
      fs.rmSync(jobDir, { recursive: true, force: true });
      hb.beat.state = "idle";
      hb.beat.job = null;
      void hb.send();
    }
  }
}
