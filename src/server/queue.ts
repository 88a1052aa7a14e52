// The durable queue of verification jobs: one job per (submission, seed), run by a worker that
// fetches it, verifies, and completes or fails it. Built on pg-boss 10 (a Postgres job queue) over
// our Db, so the same queue runs on the embedded PGlite and on a Postgres server.
//
// pg-boss keeps its tables in their own schema ("pgboss" by default), created and migrated by
// pg-boss itself on openQueue (not by migrations.ts). A job moves through the states
//   created -> active (fetched) -> completed
//                               -> retry (failed or expired, attempts left) -> active -> ...
//                               -> failed (failed or expired on its last attempt)
// Attempts = 1 + retryLimit. A retried job waits retryDelaySeconds, doubled each attempt (with
// jitter) when retryBackoff is on. A job still active expireInSeconds after its fetch counts as
// failed (its worker died or hung): maintenance, run every maintenanceIntervalSeconds by a timer
// that stop() clears, or on demand by maintain(), moves it to retry (or failed).
import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import type { Db, Queryable } from "./db.js";

/** The queue's one pg-boss queue name. */
export const VERIFY_QUEUE = "verify";

export interface VerifyJob {
  /** submissions.id (bigint, as a string). */
  submissionId: string;
  /** The evaluation seed this job runs. */
  seed: number;
  /** sha256 hex of the artifact to verify, when known at enqueue time. */
  artifactSha256?: string;
}

export interface FetchedJob {
  /** pg-boss job id (a uuid). */
  id: string;
  data: VerifyJob;
  /** 0 on the first attempt, then 1, 2... up to retryLimit. */
  retryCount: number;
}

export type JobState = "created" | "retry" | "active" | "completed" | "cancelled" | "failed";

/** Jobs of the verify queue by state (every state present, 0 when none). */
export type QueueStats = Record<JobState, number>;

export interface JobInfo {
  id: string;
  state: JobState;
  data: VerifyJob;
  retryCount: number;
  retryLimit: number;
  /** complete()'s result, fail()'s error, {worker} while active, or pg-boss's timeout message. */
  output: unknown;
}

export interface QueueOptions {
  /** Postgres schema for pg-boss's tables; default "pgboss". Letters, digits, "_". */
  schema?: string;
  /** Retries after the first attempt; default 2. */
  retryLimit?: number;
  /** Seconds before a retry; default 60. */
  retryDelaySeconds?: number;
  /** Double the delay on each retry (with jitter); default true. */
  retryBackoff?: boolean;
  /** Seconds a fetched job may stay active before it counts as failed; default 3600 (under 24 h). */
  expireInSeconds?: number;
  /** Seconds between maintenance runs (expire, archive, drop); default 60; 0 runs none (call maintain()). */
  maintenanceIntervalSeconds?: number;
  /** Errors from background maintenance; default: a warning on stderr. */
  onError?: (error: Error) => void;
}

export interface JobQueue {
  /**
   * Adds a job. Idempotent per singletonKey (default "<submissionId>:<seed>"): the job id is
   * derived from the key, so enqueueing a key whose job is still in the queue (any state, until
   * pg-boss archives it 12 h after it ends) returns null and adds nothing; otherwise returns the id.
   * With `tx` (a transaction's Queryable) the job is added in that transaction: it exists exactly
   * when the transaction commits.
   */
  enqueue(job: VerifyJob, opts?: { singletonKey?: string; tx?: Queryable }): Promise<string | null>;
  /** The next waiting job, now active and held by workerId, or null when none is ready. */
  fetch(workerId: string): Promise<FetchedJob | null>;
  /** Marks an active job completed with result; false when it was not active (expired, or done). */
  complete(id: string, result: object): Promise<boolean>;
  /** Marks an active job failed (retried while attempts remain); false when it was not active. */
  fail(id: string, error: unknown): Promise<boolean>;
  /** A job of the verify queue by id (not archived ones), or null. */
  job(id: string): Promise<JobInfo | null>;
  /** Whether workerId holds an active job of this submission (what lets it download the pack). */
  holds(workerId: string, submissionId: string): Promise<boolean>;
  /** Cancels the jobs of a submission that no worker has started (a withdrawn submission); returns how many. */
  cancelSubmission(submissionId: string): Promise<number>;
  stats(): Promise<QueueStats>;
  /** Runs maintenance now: expired active jobs go to retry/failed; old ended jobs are archived. */
  maintain(): Promise<void>;
  /** Stops the maintenance timer. Does not close the Db (the caller owns it). */
  stop(): Promise<void>;
}

const STATES: JobState[] = ["created", "retry", "active", "completed", "cancelled", "failed"];

/**
 * pg-boss's database adapter over our Db. pg-boss sends single statements (with or without
 * values) whose rows it reads, and, without values, locked scripts ("BEGIN; ...; COMMIT;") for
 * installing, migrating and maintaining its schema: those go to exec (PGlite's query() runs one
 * statement only).
 */
export function pgBossAdapter(db: Db): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if ((values === undefined || values.length === 0) && /^\s*BEGIN\s*;/i.test(text)) {
        await db.exec(text);
        return { rows: [] };
      }
      const r = await db.query(text, values);
      return { rows: r.rows, rowCount: r.affectedRows };
    },
  };
}

/** A uuid derived from the singleton key, so the job table's primary key refuses a second copy. */
function jobIdFor(key: string): string {
  const h = createHash("sha256").update(`pgolf:${VERIFY_QUEUE}:${key}`).digest("hex");
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function errorOutput(error: unknown): object {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, name: error.name, ...(code === undefined ? {} : { code }) };
  }
  if (error !== null && typeof error === "object") return error;
  return { message: String(error) };
}

export async function openQueue(db: Db, opts: QueueOptions = {}): Promise<JobQueue> {
  const schema = opts.schema ?? "pgboss";
  const maintenance = opts.maintenanceIntervalSeconds ?? 60;
  const jobOptions: PgBoss.SendOptions = {
    retryLimit: opts.retryLimit ?? 2,
    retryDelay: opts.retryDelaySeconds ?? 60,
    retryBackoff: opts.retryBackoff ?? true,
    expireInSeconds: opts.expireInSeconds ?? 3600,
  };
  const adapter = pgBossAdapter(db);
  const boss = new PgBoss({
    db: adapter,
    schema,
    supervise: maintenance > 0,
    ...(maintenance > 0 ? { maintenanceIntervalSeconds: maintenance } : {}),
    schedule: false, // cron: its timers and internal queue are not used here
    migrate: true,
  });
  // An "error" event without a listener would throw from inside pg-boss's timer.
  const onError = opts.onError ?? ((e: Error) => process.emitWarning(`job queue maintenance failed: ${e.message}`));
  boss.on("error", onError);
  await boss.start();
  try {
    await boss.createQueue(VERIFY_QUEUE, { name: VERIFY_QUEUE, policy: "standard" }); // no-op when it exists
  } catch (e) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw e;
  }

  const q = (name: string) => `"${schema}".${name}`;

  return {
    async enqueue(job, enqueueOpts = {}) {
      const singletonKey = enqueueOpts.singletonKey ?? `${job.submissionId}:${job.seed}`;
      const data: VerifyJob = { submissionId: job.submissionId, seed: job.seed };
      if (job.artifactSha256 !== undefined) data.artifactSha256 = job.artifactSha256;
      const tx = enqueueOpts.tx;
      const inTx: PgBoss.Db | undefined = tx && {
        async executeSql(text: string, values?: unknown[]) {
          const r = await tx.query(text, values);
          return { rows: r.rows, rowCount: r.affectedRows };
        },
      };
      return boss.send(VERIFY_QUEUE, data, { ...jobOptions, id: jobIdFor(singletonKey), singletonKey, ...(inTx ? { db: inTx } : {}) });
    },

    async fetch(workerId) {
      // pg-boss's fetch swallows database errors (returning no jobs); this adapter keeps the error
      // so that a closed or unreachable database is an error, not an empty queue.
      let failure: unknown;
      const watched: PgBoss.Db = {
        executeSql: (text, values) =>
          adapter.executeSql(text, values).catch((e: unknown) => {
            failure ??= e;
            throw e;
          }),
      };
      const jobs = await boss.fetch<VerifyJob>(VERIFY_QUEUE, { batchSize: 1, includeMetadata: true, db: watched });
      if (failure !== undefined) throw failure;
      const job = jobs?.[0];
      if (!job) return null;
      // Who holds it, until complete/fail overwrite output.
      await db.query(`UPDATE ${q("job")} SET output = $3::jsonb WHERE name = $1 AND id = $2 AND state = 'active'`, [
        VERIFY_QUEUE,
        job.id,
        JSON.stringify({ worker: workerId }),
      ]);
      return { id: job.id, data: job.data, retryCount: job.retryCount };
    },

    async complete(id, result) {
      const r = (await boss.complete(VERIFY_QUEUE, id, result)) as unknown as { affected: number };
      return r.affected === 1;
    },

    async fail(id, error) {
      const r = (await boss.fail(VERIFY_QUEUE, id, errorOutput(error))) as unknown as { affected: number };
      return r.affected === 1;
    },

    async job(id) {
      const j = await boss.getJobById<VerifyJob>(VERIFY_QUEUE, id);
      if (!j) return null;
      return { id: j.id, state: j.state, data: j.data, retryCount: j.retryCount, retryLimit: j.retryLimit, output: j.output };
    },

    async holds(workerId, submissionId) {
      const r = await db.query(`SELECT 1 FROM ${q("job")} WHERE name = $1 AND state = 'active' AND data->>'submissionId' = $2 AND output->>'worker' = $3 LIMIT 1`, [VERIFY_QUEUE, submissionId, workerId]);
      return r.rows.length > 0;
    },

    async cancelSubmission(submissionId) {
      const r = await db.query(`UPDATE ${q("job")} SET state = 'cancelled', completed_on = now() WHERE name = $1 AND data->>'submissionId' = $2 AND state IN ('created', 'retry')`, [VERIFY_QUEUE, submissionId]);
      return r.affectedRows;
    },

    async stats() {
      const r = await db.query<{ state: JobState; n: number }>(`SELECT state::text AS state, count(*)::int AS n FROM ${q("job")} WHERE name = $1 GROUP BY state`, [
        VERIFY_QUEUE,
      ]);
      const stats = Object.fromEntries(STATES.map((s) => [s, 0])) as QueueStats;
      for (const row of r.rows) stats[row.state] = row.n;
      return stats;
    },

    async maintain() {
      await boss.maintain();
    },

    async stop() {
      await boss.stop({ graceful: false, close: false });
      boss.off("error", onError);
    },
  };
}
