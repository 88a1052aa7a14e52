// The contest's fleet of verification workers: each worker process's heartbeat (who and where it is,
// what it is doing, its counts), and the fleet as the admin page shows it, with the queue's counts.
import { PgolfError } from "../core/error.js";
import type { User } from "./contest_accounts.js";
import { ContestPart } from "./contest_part.js";
import type { QueueStats } from "./queue.js";
import { WORKER_STATES, type WorkerRow } from "./schema.js";

/** What `pgolf worker` sends every few seconds (POST /api/worker/heartbeat). */
export interface Heartbeat {
  instance: string;
  host: string;
  version: string;
  /** ISO time the process started. */
  started_at: string;
  state: "idle" | "working" | "stopped";
  job: { id: string; submission_id: string; seed: number } | null;
  cpus: number;
  memory_bytes: number;
  /** Whether the machine can run isolated reproductions. */
  isolation: boolean;
  jobs_done: number;
  jobs_failed: number;
}

/** A worker is shown alive when its last heartbeat is at most this old, seconds (workers beat every 10 s). */
export const FLEET_ALIVE_SECONDS = 45;

export interface FleetView {
  alive_after_seconds: number;
  workers: {
    instance: string;
    handle: string;
    host: string;
    version: string;
    started_at: string;
    last_seen: string;
    seconds_since_heartbeat: number;
    alive: boolean;
    state: string;
    job: { id: string; submission_id: string | null; seed: number | null } | null;
    cpus: number;
    memory_bytes: number;
    isolation: boolean;
    jobs_done: number;
    jobs_failed: number;
  }[];
  queue: QueueStats | null;
}

export class Fleet extends ContestPart {
  /**
   * A worker's heartbeat: who and where it is, what it is doing, and its counts. Upserted by the
   * process's instance id; a heartbeat from another account's instance is refused.
   */
  async heartbeat(user: User, h: Heartbeat): Promise<void> {
    this.contest.accounts.requireRole(user, ["worker"]);
    const bad = (what: string) => new PgolfError("HTTP_BAD_REQUEST", `the heartbeat's ${what} is not valid`, { fix: "send what `pgolf worker` sends: instance, host, version, state, job, cpus, memory_bytes, isolation, jobs_done, jobs_failed" });
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(h.instance)) throw bad("instance");
    if (!(WORKER_STATES as readonly string[]).includes(h.state)) throw bad("state");
    const count = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
    if (![h.cpus, h.memory_bytes, h.jobs_done, h.jobs_failed].every(count)) throw bad("counts");
    if (h.job && (typeof h.job.id !== "string" || !/^[0-9a-f-]{36}$/.test(h.job.submission_id) || !Number.isInteger(h.job.seed))) throw bad("job");
    const r = await this.db.query(
      `INSERT INTO workers (instance, handle, host, pgolf_version, started_at, last_seen, state, job_id, submission_id, seed, cpus, memory_bytes, isolation, jobs_done, jobs_failed)
       VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (instance) DO UPDATE SET last_seen = now(), state = EXCLUDED.state, job_id = EXCLUDED.job_id, submission_id = EXCLUDED.submission_id,
         seed = EXCLUDED.seed, jobs_done = EXCLUDED.jobs_done, jobs_failed = EXCLUDED.jobs_failed
       WHERE workers.handle = EXCLUDED.handle`,
      [h.instance, user.handle, String(h.host).slice(0, 120), String(h.version).slice(0, 40), new Date(h.started_at), h.state, h.job?.id ?? null, h.job?.submission_id ?? null, h.job?.seed ?? null, h.cpus, String(h.memory_bytes), !!h.isolation, h.jobs_done, h.jobs_failed],
    );
    if (r.affectedRows === 0) throw new PgolfError("HTTP_CONFLICT", `instance ${h.instance} belongs to another worker account`, { fix: "let each worker process pick its own instance id" });
  }

  /**
   * The fleet: every worker process heard from in the last day, newest first, with whether it is
   * alive (a heartbeat within `aliveSeconds`), and the verification queue's counts by state.
   */
  async view(aliveSeconds = FLEET_ALIVE_SECONDS): Promise<FleetView> {
    const r = await this.db.query<WorkerRow & { age_seconds: number }>(
      `SELECT *, extract(epoch FROM now() - last_seen)::float8 AS age_seconds FROM workers WHERE last_seen > now() - interval '1 day' ORDER BY last_seen DESC, instance`,
    );
    const workers = r.rows.map((w) => ({
      instance: w.instance,
      handle: w.handle,
      host: w.host,
      version: w.pgolf_version,
      started_at: new Date(w.started_at).toISOString(),
      last_seen: new Date(w.last_seen).toISOString(),
      seconds_since_heartbeat: Math.max(0, Math.round(w.age_seconds * 10) / 10),
      alive: w.state !== "stopped" && w.age_seconds <= aliveSeconds,
      state: w.state,
      job: w.job_id ? { id: w.job_id, submission_id: w.submission_id, seed: w.seed } : null,
      cpus: w.cpus,
      memory_bytes: Number(w.memory_bytes),
      isolation: w.isolation,
      jobs_done: w.jobs_done,
      jobs_failed: w.jobs_failed,
    }));
    return { alive_after_seconds: aliveSeconds, workers, queue: this.jobs ? await this.jobs.stats() : null };
  }
}
