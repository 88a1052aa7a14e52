// The contest: its state and rules on the database (db.ts) and the content-addressed store
// (blob_store.ts), in four parts: accounts (roles, tokens, sessions, GitHub identities),
// submissions (intake, re-submission, withdrawal, reviews, files), verification (the fleet's
// results per submission and seed) and the fleet (worker heartbeats); with the per-account upload
// quota (contest_quota.ts) and the collector of packs no submission needs (blob_collector.ts). The contest itself holds the
// rules organizers set and the append-only audit log every part writes to. HTTP lives in
// contest_routes.ts.
import { track as lookupTrack } from "../core/track.js";
import { BlobCollector } from "./blob_collector.js";
import type { BlobStore } from "./blob_store.js";
import { Accounts, type User } from "./contest_accounts.js";
import { audit } from "./contest_audit.js";
import { contestConfigOf, DEFAULT_CONTEST_CONFIG, parseContestConfigPatch, STORED_KEYS, type ContestConfig } from "./contest_config.js";
import { Fleet } from "./contest_fleet.js";
import { ContestLineage } from "./contest_lineage.js";
import { UploadQuota } from "./contest_quota.js";
import { Submissions } from "./contest_submissions.js";
import { Verification } from "./contest_verification.js";
import type { CourseBounds } from "./course_rule.js";
import type { Db } from "./db.js";
import type { JobQueue } from "./queue.js";

export { tokenHash, type Role, type User } from "./contest_accounts.js";
export { FLEET_ALIVE_SECONDS, type FleetView, type Heartbeat } from "./contest_fleet.js";
export type { ApprovedSubmission, ReviewAction, SubmissionView } from "./contest_submissions.js";
export type { ResultInput } from "./contest_verification.js";

export class Contest {
  /** The verification queue; without one, submissions stay "checked" until reviewed. */
  jobs: JobQueue | null = null;
  /** The server's course copies, for the memorization bound of ranked submissions (course_rule.ts); without them, only unranked tracks and private courses are taken. */
  courses: CourseBounds | null = null;
  readonly accounts = new Accounts(this);
  readonly submissions = new Submissions(this);
  readonly verification = new Verification(this);
  readonly fleet = new Fleet(this);
  readonly quota = new UploadQuota(this);
  /** Where the lineage index and analysed code live (the server: `<data>/lineage`); null: beside the blob store. */
  lineageDir: string | null = null;
  /** Each submission's attribution against the earlier ones (contest_lineage.ts). */
  readonly lineage = new ContestLineage(this);
  /** Removes the packs of withdrawn and replaced submissions (blob_collector.ts); the server starts its sweeps. */
  readonly collector: BlobCollector;

  constructor(
    readonly db: Db,
    readonly blobs: BlobStore,
    readonly contestId: string,
  ) {
    this.collector = new BlobCollector(db, blobs);
  }

  /** Creates the contest row when missing (track from core/track.ts). */
  static async open(db: Db, blobs: BlobStore, o: { id: string; name: string; track: string; maxOpenPerAuthor?: number }): Promise<Contest> {
    lookupTrack(o.track);
    await db.query(
      `INSERT INTO contests (id, name, track, max_open_submissions_per_author) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [o.id, o.name, o.track, o.maxOpenPerAuthor ?? DEFAULT_CONTEST_CONFIG.max_open_submissions_per_author],
    );
    return new Contest(db, blobs, o.id);
  }

  /** The contest's rules as organizers set them (contest_config.ts), with its track. */
  async settings(): Promise<ContestConfig & { track: string }> {
    const r = await this.db.query<{ track: string; config: unknown; max_open_submissions_per_author: number }>(`SELECT track, config, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId]);
    return { track: r.rows[0].track, ...contestConfigOf(r.rows[0]) };
  }

  /** Changes some of the rules (admins); unknown keys and bad values are refused; audited. */
  async configure(admin: User, patch: unknown): Promise<ContestConfig & { track: string }> {
    this.accounts.requireRole(admin, ["admin"]);
    const p = parseContestConfigPatch(patch, "the contest settings");
    await this.db.transaction(async (tx) => {
      const cur = await tx.query<{ config: unknown; max_open_submissions_per_author: number }>(`SELECT config, max_open_submissions_per_author FROM contests WHERE id = $1 FOR UPDATE`, [this.contestId]);
      const before = contestConfigOf(cur.rows[0]);
      const next = { ...before, ...p };
      const stored = { ...(cur.rows[0].config && typeof cur.rows[0].config === "object" ? (cur.rows[0].config as object) : {}), ...Object.fromEntries(STORED_KEYS.map((k) => [k, next[k]])) };
      await tx.query(`UPDATE contests SET config = $2, max_open_submissions_per_author = $3 WHERE id = $1`, [this.contestId, JSON.stringify(stored), next.max_open_submissions_per_author]);
      await audit(tx, admin.handle, "contest.configure", `contest:${this.contestId}`, { before, after: next });
    });
    return this.settings();
  }

  async auditTrail(subject: string): Promise<{ actor: string; action: string; details: unknown }[]> {
    return (await this.db.query<{ actor: string; action: string; details: unknown }>(`SELECT actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id`, [subject])).rows;
  }
}
