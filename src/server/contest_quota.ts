// The per-account upload quota: the bytes of record packs one account may have the server store in
// any 24 hours (the contest's max_upload_bytes_per_author_per_day, contest_config.ts). Withdrawing or
// replacing a submission frees an open-submission slot, never quota: the bytes it stored still count
// until they are 24 hours old, so upload-and-withdraw cannot fill the disk (a blind attack grew it by
// 2.8 GiB a minute from one account). Asked twice: before an upload's body is read, against the size
// its Content-Length declares (`admit`), and in the intake's transaction, against the pack as stored
// (`charge`: a body without a declared length, a web form's files). Admins are not held to it: they
// set it. Usage is summed from submissions.record_bytes (migration 8).
import { PgolfError } from "../core/error.js";
import type { User } from "./contest_accounts.js";
import { contestConfigOf } from "./contest_config.js";
import { ContestPart } from "./contest_part.js";
import type { Queryable } from "./db.js";

/** The quota's rolling window, as a Postgres interval and in seconds. */
const WINDOW = "24 hours";
const WINDOW_SECONDS = 24 * 3600;

/** An account's standing against the quota, bytes. */
export interface UploadBudget {
  limit: number;
  /** Bytes of packs its submissions stored in the last 24 hours. */
  used: number;
  /** What it may still upload now; Infinity for admins. */
  remaining: number;
}

export class UploadQuota extends ContestPart {
  /** The account's budget now (Infinity remaining for admins). */
  async budget(user: User, q: Queryable = this.db): Promise<UploadBudget> {
    const row = (await q.query<{ config: unknown; max_open_submissions_per_author: number }>(`SELECT config, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId])).rows[0];
    const limit = contestConfigOf(row).max_upload_bytes_per_author_per_day;
    if (user.role === "admin") return { limit, used: 0, remaining: Infinity };
    const used = await this.used(q, user);
    return { limit, used, remaining: Math.max(0, limit - used) };
  }

  /**
   * Before an upload's body is read: CONTEST_QUOTA when the account has nothing left, or when the
   * size the request declares (`declared`, bytes of the pack; null when unknown) is over what is
   * left. Returns the budget, whose `remaining` caps how much of a body of unknown length is read.
   */
  async admit(user: User, declared: number | null): Promise<UploadBudget> {
    const b = await this.budget(user);
    if (b.remaining <= 0 || (declared !== null && declared > b.remaining)) throw await this.refusal(this.db, user, b, declared);
    return b;
  }

  /**
   * In the intake's transaction (the author's intake lock held, so two uploads of one account see
   * each other): CONTEST_QUOTA when storing `bytes` more would pass the quota.
   */
  async charge(tx: Queryable, user: User, bytes: number): Promise<void> {
    const b = await this.budget(user, tx);
    if (bytes > b.remaining) throw await this.refusal(tx, user, b, bytes);
  }

  /** CONTEST_QUOTA for an upload of `bytes` (null: of unknown size) the budget has no room for. */
  async refusal(q: Queryable, user: User, b: UploadBudget, bytes: number | null): Promise<PgolfError> {
    const need = bytes ?? 1;
    const frees = need > b.limit ? null : await this.freesAt(q, user, b, need);
    const size = bytes === null ? "another upload" : `this upload of ${mib(bytes)}`;
    const when =
      need > b.limit
        ? "it is larger than the whole daily limit, so it will never fit"
        : frees
          ? `enough of it frees at ${frees.at.toISOString()} (in ${duration(frees.seconds)}), when earlier uploads are 24 hours old`
          : "it frees as earlier uploads turn 24 hours old";
    return new PgolfError("CONTEST_QUOTA", `${user.handle} has uploaded ${mib(b.used)} of record packs in the last 24 hours; ${size} would pass the contest's limit of ${mib(b.limit)} per author per day (max_upload_bytes_per_author_per_day); ${when}`, {
      fix: need > b.limit ? "send a smaller record pack (code, logs and the artifact), or ask an admin to raise max_upload_bytes_per_author_per_day" : "upload again after that time (withdrawn and replaced uploads count too: resend only what changed), or ask an admin to raise max_upload_bytes_per_author_per_day",
      details: { limit_bytes: b.limit, used_bytes: b.used, upload_bytes: bytes, frees_at: frees?.at.toISOString() ?? null, ...(frees ? { retry_after_seconds: frees.seconds } : {}) },
    });
  }

  /** Bytes of packs the author's submissions of this contest stored in the window. */
  private async used(q: Queryable, user: User): Promise<number> {
    const r = await q.query<{ n: number }>(`SELECT coalesce(sum(record_bytes), 0)::float8 AS n FROM submissions WHERE contest_id = $1 AND author_id = $2 AND created_at > now() - interval '${WINDOW}'`, [this.contestId, user.id]);
    return r.rows[0].n;
  }

  /**
   * When `need` more bytes fit: the moment the oldest uploads of the window whose bytes must leave it
   * are 24 hours old (a running sum over the window, oldest first). Null when none does (nothing in
   * the window: the limit is below `need`).
   */
  private async freesAt(q: Queryable, user: User, b: UploadBudget, need: number): Promise<{ at: Date; seconds: number } | null> {
    const r = await q.query<{ at: Date | string; seconds: number }>(
      `SELECT created_at + interval '${WINDOW}' AS at, greatest(0, extract(epoch FROM created_at + interval '${WINDOW}' - now()))::float8 AS seconds
       FROM (SELECT created_at, id, sum(coalesce(record_bytes, 0)) OVER (ORDER BY created_at, id)::float8 AS cum
             FROM submissions WHERE contest_id = $1 AND author_id = $2 AND created_at > now() - interval '${WINDOW}') w
       WHERE $3::float8 - cum + $4::float8 <= $5::float8 ORDER BY created_at, id LIMIT 1`,
      [this.contestId, user.id, b.used, need, b.limit],
    );
    const row = r.rows[0];
    if (!row) return null;
    return { at: new Date(row.at instanceof Date ? row.at.getTime() : String(row.at)), seconds: Math.min(WINDOW_SECONDS, Math.ceil(row.seconds)) };
  }
}

/** Bytes as MiB with one decimal ("63.0 MiB"), or KiB below a MiB. */
function mib(bytes: number): string {
  return bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Seconds as "5 h 3 min", "12 min" or "42 s". */
function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}
