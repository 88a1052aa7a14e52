// The fleet's reproductions of submissions: a verified result recorded once per submission and seed
// (the submission's status follows in the same transaction), which seeds are queued and reproduced,
// whether a submission's score is the fleet's (for approval), and the board's view of both.
import { PgolfError } from "../core/error.js";
import { REPRODUCTION_TOLERANCE_BPB } from "../submission/check.js";
import type { Reproduction } from "../submission/reproduction.js";
import { audit } from "./contest_audit.js";
import { ContestPart } from "./contest_part.js";
import type { Queryable } from "./db.js";
import type { ResultRow } from "./schema.js";

/** A verified seed's result as a worker reports it: the results row without its bookkeeping. */
export type ResultInput = Pick<ResultRow, "seed" | "artifact_sha256" | "val_loss" | "val_bpb" | "bytes_total" | "train_seconds" | "eval_seconds">;

export class Verification extends ContestPart {
  /** A submission's verification: seeds queued, seeds with a result, and the reproduced runs. */
  async results(id: string): Promise<{ queued: number[]; verified: number[]; runs: (ResultInput & { worker: string })[] }> {
    await this.contest.submissions.get(id);
    const v = await this.verification(id);
    const r = await this.db.query<ResultInput & { worker: string }>(
      `SELECT seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker FROM results WHERE submission_id = $1 ORDER BY seed, id`,
      [id],
    );
    return { ...v, runs: r.rows };
  }

  /** Why a submission's score is not (yet) the fleet's, or null when every seed was reproduced within tolerance of the claim. */
  async notReproduced(tx: Queryable, id: string, status: string): Promise<string | null> {
    if (status !== "verified") return status === "queued" || status === "verifying" ? "not every seed has been reproduced by the fleet" : "the fleet has not reproduced it (no verification was queued)";
    const claim = (await tx.query<{ claimed: { val_bpb: number | null } }>(`SELECT claimed FROM submissions WHERE id = $1`, [id])).rows[0].claimed.val_bpb;
    const runs = (await tx.query<{ val_bpb: number }>(`SELECT val_bpb FROM results WHERE submission_id = $1`, [id])).rows;
    if (runs.length === 0) return "the fleet recorded no result";
    const mean = runs.reduce((a, r) => a + r.val_bpb, 0) / runs.length;
    if (claim !== null && mean - claim > REPRODUCTION_TOLERANCE_BPB) return `the fleet reproduced val_bpb ${mean.toFixed(5)}, ${(mean - claim).toFixed(5)} above the claimed ${claim.toFixed(5)} (tolerance ${REPRODUCTION_TOLERANCE_BPB})`;
    return null;
  }

  /**
   * A verified result, recorded once per seed of a submission
   * however often a job runs or its report is retried; the submission's verification status
   * follows in the same transaction. Returns whether the result was new.
   */
  async recordResult(submissionId: string, r: ResultInput, worker: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // the submission's row is locked: reports of its seeds take turns, so each sees the others
      const sub = await tx.query(`SELECT 1 FROM submissions WHERE id = $1 FOR UPDATE`, [submissionId]);
      if (sub.rows.length === 0) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${submissionId}`, { fix: "the job names a submission this server does not hold; check the worker's --server" });
      // once per submission and seed: a re-submission of the same artifact gets its own reproduction
      const ins = await tx.query(
        `INSERT INTO results (submission_id, seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (submission_id, seed) DO NOTHING`,
        [submissionId, r.seed, r.artifact_sha256, r.val_loss, r.val_bpb, r.bytes_total, r.train_seconds, r.eval_seconds, worker],
      );
      if (ins.affectedRows === 0) return false;
      await audit(tx, worker, "result.record", `submission:${submissionId}`, { seed: r.seed, artifact_sha256: r.artifact_sha256, val_bpb: r.val_bpb });
      await this.settle(tx, submissionId, worker);
      return true;
    });
  }

  /** Seeds queued for a submission (from its audit trail) and the seeds with a recorded result. */
  async verification(id: string): Promise<{ queued: number[]; verified: number[] }> {
    return this.verificationIn(this.db, id);
  }

  private async verificationIn(q: Queryable, id: string): Promise<{ queued: number[]; verified: number[] }> {
    const a = await q.query<{ details: { seeds?: number[] } }>(`SELECT details FROM audit_log WHERE subject = $1 AND action = 'verification.queue' ORDER BY id`, [`submission:${id}`]);
    const queued = [...new Set(a.rows.flatMap((r) => r.details.seeds ?? []))].sort((x, y) => x - y);
    const v = await q.query<{ seed: number }>(`SELECT DISTINCT seed FROM results WHERE submission_id = $1 ORDER BY seed`, [id]);
    return { queued, verified: v.rows.map((r) => r.seed) };
  }

  /** After a result: a submission whose every queued seed has a result becomes "verified" (recordResult does this too; safe to repeat). */
  async settleVerification(id: string, actor: string): Promise<string> {
    await this.contest.submissions.get(id);
    return this.db.transaction((tx) => this.settle(tx, id, actor));
  }

  /** settleVerification inside a transaction, with the submission's row locked. */
  private async settle(tx: Queryable, id: string, actor: string): Promise<string> {
    const status = (await tx.query<{ status: string }>(`SELECT status FROM submissions WHERE id = $1 FOR UPDATE`, [id])).rows[0].status;
    if (status !== "queued" && status !== "verifying") return status;
    const v = await this.verificationIn(tx, id);
    const next = v.queued.length > 0 && v.queued.every((s) => v.verified.includes(s)) ? "verified" : "verifying";
    if (next !== status) {
      await tx.query(`UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1`, [id, next]);
      await audit(tx, actor, `verification.${next}`, `submission:${id}`, v);
    }
    return next;
  }

  /**
   * What the fleet reproduced, per submission: every recorded result (one per artifact and seed),
   * the seeds they cover and the workers that ran them. The leaderboard shows these numbers.
   */
  async reproductions(): Promise<Map<string, Reproduction>> {
    const r = await this.db.query<{ submission_id: string; seed: number; val_bpb: number; val_loss: number; bytes_total: number; worker: string; created_at: Date }>(
      `SELECT r.submission_id, r.seed, r.val_bpb, r.val_loss, r.bytes_total, r.worker, r.created_at FROM results r JOIN submissions s ON s.id = r.submission_id
       WHERE s.contest_id = $1 ORDER BY r.submission_id, r.seed, r.id`,
      [this.contestId],
    );
    const out = new Map<string, Reproduction>();
    for (const row of r.rows) {
      let rep = out.get(row.submission_id);
      if (!rep) out.set(row.submission_id, (rep = { runs: [] }));
      rep.runs.push({ seed: row.seed, val_bpb: row.val_bpb, val_loss: row.val_loss, bytes_total: row.bytes_total, worker: row.worker, at: new Date(row.created_at).toISOString() });
    }
    return out;
  }

  /**
   * Changes whenever the board's inputs in the database do: an approval (a status change of the
   * contest's submissions) or a recorded result (results are only ever inserted). One indexed query,
   * cheap enough to ask every few seconds.
   */
  async boardVersion(): Promise<string> {
    const r = await this.db.query<{ approved: number; changed: string; results: number; last: string }>(
      `SELECT (SELECT count(*)::int FROM submissions WHERE contest_id = $1 AND status = 'approved') AS approved,
              (SELECT coalesce(max(updated_at), 'epoch')::text FROM submissions WHERE contest_id = $1) AS changed,
              (SELECT count(*)::int FROM results) AS results,
              (SELECT coalesce(max(id), 0)::text FROM results) AS last`,
      [this.contestId],
    );
    const v = r.rows[0];
    return `${v.approved}:${v.changed}:${v.results}:${v.last}`;
  }
}
