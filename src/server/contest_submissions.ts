// The contest's submissions: intake (a record pack checked off the event loop, stored by sha256,
// limited per author in number and bytes, idempotent per author and bytes), re-submission and
// withdrawal by the author (their packs then collected: blob_collector.ts),
// reviews (no self-review; approval waits for the fleet's reproduction unless an admin overrides),
// reading a submission's files, and the approved submissions the board shows.
import * as fs from "node:fs";
import * as path from "node:path";
import { packRecordFolder, unpackRecordFolder } from "../artifact/pack.js";
import { isPgolfError, PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { track as lookupTrack } from "../core/track.js";
import type { Finding } from "../submission/check.js";
import { CLOSED_STATUSES, packGone } from "./blob_collector.js";
import { audit } from "./contest_audit.js";
import type { User } from "./contest_accounts.js";
import { ContestPart } from "./contest_part.js";
import { checkCourseRule } from "./course_rule.js";
import type { Queryable } from "./db.js";
import { inspectPack } from "./intake.js";
import { badString } from "./request_schemas.js";
import { StoredPacks, type PackAnswer } from "./stored_packs.js";
import { OPEN_SUBMISSION_STATUSES } from "./schema.js";

export type ReviewAction = "approve" | "reject" | "request-changes";

export interface SubmissionView {
  id: string;
  author: string;
  source: "upload" | "github";
  status: string;
  record_blob: string;
  claimed: { name: string | null; val_bpb: number | null; track: string | null };
  findings: Finding[];
  created_at: string;
  /** The submission this one is a new version of (a re-submission), or null. */
  replaces: string | null;
  /**
   * On the answer to an upload or a review: true when the request repeats one already recorded (a
   * retry whose first answer was lost), so nothing new was recorded and this is the earlier outcome.
   */
  repeated?: boolean;
}

/** An approved submission as the board shows it: the account that submitted it and the contest's track. */
export interface ApprovedSubmission {
  id: string;
  record_blob: string;
  author: string;
  track: string;
}

/** pg_advisory_xact_lock(INTAKE_LOCK, author id): one intake at a time per author ("pgos"). */
const INTAKE_LOCK = 0x70676f73;

export class Submissions extends ContestPart {
  private storedPacks?: StoredPacks;

  /** The stored packs, read by parts (made on first use: the contest's blob store is set by then). */
  private get packs(): StoredPacks {
    return (this.storedPacks ??= new StoredPacks(this.blobs));
  }

  /**
   * Takes a record folder (as a record pack): verifies and unpacks it, reads it, refuses it when
   * the contest's track is ranked and its course is not safe there (CONTEST_PRACTICE_COURSE,
   * CONTEST_COURSE_UNMEASURED; course_rule.ts), checks it, stores the pack by sha256, and records the
   * submission with its findings and its pack's size. A submission with screening findings waits for changes; others go to verification
   * (pgolf-native records: a job per seed, queued in the same transaction as the submission).
   * Refused (CONTEST_QUOTA) when the pack would pass the author's upload quota (contest_quota.ts).
   *
   * Idempotent per (author, pack): while the author has a submission of exactly these bytes that
   * was not rejected, submitting them again returns it (`repeated: true`) and records nothing, so a
   * client may retry an upload whose answer it never got (server restarted, connection dropped).
   * `digest` is the pack's sha256 when the caller hashed it already (as it arrived: http_util.ts);
   * `handOver` gives the pack's memory to the intake's thread (no copy; the caller's buffer is
   * detached afterwards).
   */
  async submit(user: User, pack: Buffer, source: { kind: "upload" } | { kind: "github"; repo: string; pr: number; headSha: string } = { kind: "upload" }, o: { digest?: string; handOver?: boolean; replaces?: string } = {}): Promise<SubmissionView> {
    const digest = o.digest ?? sha256(pack);
    const earlier = await this.sameUpload(this.db, user, digest);
    if (earlier) return earlier;
    // held from here until its row commits (or the intake fails): no collection removes these bytes meanwhile
    const release = this.blobs.hold(digest);
    try {
      return await this.intake(user, pack, digest, source, o);
    } finally {
      release();
    }
  }

  private async intake(user: User, pack: Buffer, digest: string, source: { kind: "upload" } | { kind: "github"; repo: string; pr: number; headSha: string }, o: { handOver?: boolean; replaces?: string }): Promise<SubmissionView> {
    const contest = (await this.db.query<{ track: string; max_open_submissions_per_author: number }>(`SELECT track, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId])).rows[0];
    // what is replaced, and the author's limit, first, before anything of the upload is read or stored (again in the transaction)
    if (o.replaces) await this.replaceable(this.db, user, o.replaces);
    await this.checkOpenLimit(this.db, user, contest.max_open_submissions_per_author, o.replaces);
    // and the author's upload quota (contest_quota.ts), before any machine time is spent on the pack
    await this.contest.quota.charge(this.db, user, pack.byteLength);
    // unpacked, read and checked in a worker thread, a bounded few at a time (intake.ts)
    // the pack's memory moves to the worker thread and back: `pack` below is what came back
    const inspected = await inspectPack(pack, contest.track, o.handOver ?? false);
    const { record, checked, course } = inspected;
    pack = inspected.pack;
    const settings = await this.contest.settings();
    // ranked tracks only on courses an entry cannot carry, unless the server alone holds the split (course_rule.ts)
    const courseRule = await checkCourseRule({ track: lookupTrack(contest.track), course, privateCourses: settings.private_validation_courses, bounds: this.courses });
    const findings = checked.findings;
    // what the database will keep of the record's own text: no NUL, no lone surrogate (a 400, not a failed INSERT)
    const bad = badString({ name: record.name, author: record.author, findings: findings.map((f) => f.message) });
    if (bad) throw new PgolfError("HTTP_BAD_REQUEST", `the record's text (${bad.split("/")[1]}) holds a NUL character or a lone surrogate`, { fix: "write submission.json and the logs as valid UTF-8 without NUL characters" });
    const screening = new Set(settings.screening);
    const status = findings.some((f) => f.severity === "error" && screening.has(f.kind)) ? "changes-requested" : "checked";
    const claimed = { name: record.name, val_bpb: record.claims.val_bpb?.value ?? null, track: contest.track };
    // pgolf-native records are reproduced by the fleet: one job per declared seed
    const seeds = checked.seeds.map((x) => x.seed).filter((x): x is number => x !== null);
    const jobs = this.jobs && status === "checked" && record.format === "pgolf" && seeds.length > 0 ? this.jobs : null;
    let stored: string | null = null;
    let replacedBlob: string | null = null;
    const out = await this.db.transaction(async (tx) => {
      // one intake at a time per author: the retry check and the limit see every earlier upload
      await tx.query(`SELECT pg_advisory_xact_lock($1::int, $2::int)`, [INTAKE_LOCK, user.id]);
      const again = await this.sameUpload(tx, user, digest);
      if (again) return again;
      if (o.replaces) await this.replaceable(tx, user, o.replaces, true);
      await this.checkOpenLimit(tx, user, contest.max_open_submissions_per_author, o.replaces);
      // the quota again, under the author's intake lock: two uploads of one account see each other
      await this.contest.quota.charge(tx, user, pack.byteLength);
      // stored only now that it is accepted: a refused upload leaves no blob (an INSERT that fails
      // after this leaves one no submission names, which the collector removes: below)
      const blob = await this.blobs.put(pack, digest); // digest: of these bytes, hashed as they arrived (or above)
      stored = blob;
      const r = await tx.query<{ id: string; created_at: unknown }>(
        `INSERT INTO submissions (contest_id, author_id, source, github_repo, github_pr, github_head_sha, status, record_blob, claimed, findings, replaces, record_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id, created_at`,
        [this.contestId, user.id, source.kind, source.kind === "github" ? source.repo : null, source.kind === "github" ? source.pr : null, source.kind === "github" ? source.headSha : null, jobs ? "queued" : status, blob, JSON.stringify(claimed), JSON.stringify(findings), o.replaces ?? null, pack.byteLength],
      );
      const id = r.rows[0].id;
      if (o.replaces) {
        // the old version is closed in the same transaction: never two open versions, never none
        const old = await tx.query<{ record_blob: string }>(`UPDATE submissions SET status = 'replaced' WHERE id = $1 RETURNING record_blob`, [o.replaces]);
        replacedBlob = old.rows[0].record_blob;
        // the replaced pack's sha256 stays in the trail (its bytes are collected: blob_collector.ts)
        await audit(tx, user.handle, "submission.resubmit", `submission:${o.replaces}`, { replaced_by: id, blob: replacedBlob });
      }
      await audit(tx, user.handle, "submission.receive", `submission:${id}`, { status, blob, findings: findings.length, source: source.kind, ...(o.replaces ? { replaces: o.replaces } : {}), course: { name: courseRule.course, rule: courseRule.allowed, ...(courseRule.allowed === "safe" ? { bound_bytes: courseRule.verdict.bound_bytes, cap_bytes: courseRule.verdict.cap_bytes } : {}) } });
      if (jobs) {
        for (const seed of seeds) await jobs.enqueue({ submissionId: id, seed }, { tx });
        await audit(tx, "system", "verification.queue", `submission:${id}`, { seeds });
      }
      return { id, author: user.handle, source: source.kind, status: jobs ? "queued" : status, record_blob: blob, claimed, findings, created_at: new Date(String(r.rows[0].created_at)).toISOString(), replaces: o.replaces ?? null, repeated: false } as SubmissionView;
    }).catch((e: unknown) => {
      // a pack stored for a row that never committed: removed in the background unless a row names it
      if (stored) this.contest.collector.release([stored]);
      throw e;
    });
    // attributed against every earlier submission, in the background (contest_lineage.ts)
    if (!out.repeated) this.contest.lineage.analyze(out.id);
    // the replaced version's waiting verification jobs are of no use now, nor is its pack
    if (o.replaces && !out.repeated) await this.jobs?.cancelSubmission(o.replaces);
    if (replacedBlob && !out.repeated) this.contest.collector.release([replacedBlob]);
    return out;
  }

  /**
   * HTTP_RATE_LIMITED when the author has as many open submissions as the contest allows (not
   * counting `replacing`, which the upload closes).
   */
  private async checkOpenLimit(q: Queryable, user: User, limit: number, replacing?: string): Promise<void> {
    const open = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM submissions WHERE contest_id = $1 AND author_id = $2 AND status = ANY($3) AND ($4::uuid IS NULL OR id <> $4::uuid)`,
      [this.contestId, user.id, [...OPEN_SUBMISSION_STATUSES], replacing ?? null],
    );
    if (open.rows[0].n >= limit) {
      throw new PgolfError("HTTP_RATE_LIMITED", `${user.handle} has ${open.rows[0].n} open submissions, the contest's limit`, { fix: "wait for a review of an open submission, or withdraw one (POST /api/submissions/:id/withdraw)" });
    }
  }

  /**
   * Refuses a re-submission unless `id` is an open submission of this contest by the same author
   * (HTTP_NOT_FOUND, HTTP_FORBIDDEN, HTTP_CONFLICT); `lock` holds its row for the transaction.
   */
  private async replaceable(q: Queryable, user: User, id: string, lock = false): Promise<void> {
    const old = (await q.query<{ status: string; author_id: number }>(`SELECT status, author_id FROM submissions WHERE id = $1 AND contest_id = $2${lock ? " FOR UPDATE" : ""}`, [id, this.contestId])).rows[0];
    if (!old) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id} to replace`, { fix: "check the id: it is the open submission of yours that this one replaces (GET /api/submissions)" });
    if (old.author_id !== user.id) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is not the author of submission ${id}`, { fix: "only its author can send a new version of a submission" });
    if (!(OPEN_SUBMISSION_STATUSES as readonly string[]).includes(old.status)) {
      throw new PgolfError("HTTP_CONFLICT", `submission ${id} is ${old.status} and cannot be replaced`, { fix: "a decided, withdrawn or replaced submission stays as it is; send the new version as a new submission" });
    }
  }

  /**
   * The author takes an open submission back: it stops counting against the limit, its waiting
   * verification jobs are cancelled, and it can no longer be reviewed. Audited. Withdrawing again
   * is `repeated`.
   */
  async withdraw(user: User, id: string): Promise<SubmissionView> {
    const { repeated, blob } = await this.db.transaction(async (tx) => {
      const sub = (await tx.query<{ status: string; author_id: number; record_blob: string }>(`SELECT status, author_id, record_blob FROM submissions WHERE id = $1 AND contest_id = $2 FOR UPDATE`, [id, this.contestId])).rows[0];
      if (!sub) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`, { fix: "check the id: GET /api/submissions lists yours" });
      if (sub.author_id !== user.id) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is not the author of submission ${id}`, { fix: "only its author can withdraw a submission" });
      if (sub.status === "withdrawn") return { repeated: true, blob: sub.record_blob };
      if (!(OPEN_SUBMISSION_STATUSES as readonly string[]).includes(sub.status)) throw new PgolfError("HTTP_CONFLICT", `submission ${id} is ${sub.status} and can no longer be withdrawn`, { fix: "a decided submission stays decided" });
      await tx.query(`UPDATE submissions SET status = 'withdrawn', updated_at = now() WHERE id = $1`, [id]);
      // the withdrawn pack's sha256 stays in the trail (its bytes are collected: blob_collector.ts)
      await audit(tx, user.handle, "submission.withdraw", `submission:${id}`, { from: sub.status, blob: sub.record_blob });
      return { repeated: false, blob: sub.record_blob };
    });
    if (!repeated) {
      await this.jobs?.cancelSubmission(id);
      // its pack goes once nothing else needs it, in the background (it still counts against the quota)
      this.contest.collector.release([blob]);
    }
    return { ...(await this.get(id)), repeated };
  }

  /** The author's submission of exactly these bytes that was not rejected, as a repeated answer; null when none. */
  private async sameUpload(q: Queryable, user: User, blob: string): Promise<SubmissionView | null> {
    const r = await q.query<Record<string, unknown>>(
      `${SUBMISSION_VIEW}
       WHERE s.contest_id = $1 AND s.author_id = $2 AND s.record_blob = $3 AND s.status <> 'rejected' ORDER BY s.created_at, s.id LIMIT 1`,
      [this.contestId, user.id, blob],
    );
    return r.rows.length > 0 ? { ...view(r.rows[0]), repeated: true } : null;
  }

  /** Packs a record folder and submits it (the server-side twin of `pgolf submit --to`). */
  async submitFolder(user: User, dir: string): Promise<SubmissionView> {
    return this.submit(user, packRecordFolder(dir));
  }

  async get(id: string): Promise<SubmissionView> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`, { fix: "check the id: GET /api/submissions lists yours" });
    const r = await this.db.query<Record<string, unknown>>(
      `${SUBMISSION_VIEW} WHERE s.id = $1 AND s.contest_id = $2`,
      [id, this.contestId],
    );
    if (r.rows.length === 0) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`, { fix: "check the id: GET /api/submissions lists yours" });
    return view(r.rows[0]);
  }

  /** An account's own submissions, newest first. */
  async mine(user: User): Promise<SubmissionView[]> {
    const r = await this.db.query<Record<string, unknown>>(
      `${SUBMISSION_VIEW}
       WHERE s.contest_id = $1 AND s.author_id = $2 ORDER BY s.created_at DESC, s.id`,
      [this.contestId, user.id],
    );
    return r.rows.map(view);
  }

  /** Submissions waiting for a reviewer, oldest first. */
  async queue(): Promise<SubmissionView[]> {
    const r = await this.db.query<Record<string, unknown>>(
      `${SUBMISSION_VIEW}
       WHERE s.contest_id = $1 AND s.status IN ('checked', 'queued', 'verifying', 'verified') ORDER BY s.created_at, s.id`,
      [this.contestId],
    );
    return r.rows.map(view);
  }

  /**
   * A reviewer's decision. Reviews of one submission take turns (its row is locked). Repeating the
   * latest review (same reviewer, action and reason, the status it set still current) is a retry
   * whose answer was lost: it records nothing and returns the submission with `repeated: true`.
   * Any other review of a decided, withdrawn or replaced submission is HTTP_CONFLICT. Approval
   * needs every declared seed reproduced by the fleet (status "verified") with a mean within
   * REPRODUCTION_TOLERANCE_BPB of the claim; otherwise only an admin may approve, with `override` and
   * a reason: an explicit, audited decision the board shows as "not reproduced".
   */
  async review(reviewer: User, id: string, action: ReviewAction, reason: string, opts: { override?: boolean } = {}): Promise<SubmissionView> {
    this.contest.accounts.requireRole(reviewer, ["reviewer", "admin"]);
    if (opts.override && (action !== "approve" || reviewer.role !== "admin")) throw new PgolfError("HTTP_FORBIDDEN", "only an admin's approval can override the reproduction", { fix: "approve without override once every seed is reproduced" });
    if (opts.override && !reason.trim()) throw new PgolfError("HTTP_BAD_REQUEST", "an override needs a reason", { fix: "say why the submission is approved without its reproduction" });
    if (!["approve", "reject", "request-changes"].includes(action)) throw new PgolfError("HTTP_BAD_REQUEST", `unknown review action "${action}"`, { fix: "use approve, reject or request-changes" });
    if (action !== "approve" && !reason.trim()) throw new PgolfError("HTTP_BAD_REQUEST", `${action} needs a reason`, { fix: "say why, for the author" });
    await this.get(id);
    const status = action === "approve" ? "approved" : action === "reject" ? "rejected" : "changes-requested";
    const repeated = await this.db.transaction(async (tx) => {
      const sub = (await tx.query<{ status: string; author_id: number }>(`SELECT status, author_id FROM submissions WHERE id = $1 FOR UPDATE`, [id])).rows[0];
      // nobody judges their own work, admins included
      if (sub.author_id === reviewer.id) throw new PgolfError("HTTP_FORBIDDEN", `${reviewer.handle} is the author of submission ${id} and cannot review it`, { fix: "another reviewer decides it" });
      const current = sub.status;
      const last = (
        await tx.query<{ reviewer_id: number; handle: string; action: string; reason: string }>(
          `SELECT r.reviewer_id, u.handle, r.action, r.reason FROM reviews r JOIN users u ON u.id = r.reviewer_id WHERE r.submission_id = $1 ORDER BY r.id DESC LIMIT 1`,
          [id],
        )
      ).rows[0];
      if (last && current === status && last.reviewer_id === reviewer.id && last.action === action && last.reason === reason) return true;
      if (current === "approved" || current === "rejected" || current === "withdrawn" || current === "replaced") {
        throw new PgolfError("HTTP_CONFLICT", `submission ${id} is already ${current}${last ? ` (${last.action} by ${last.handle})` : ""}`, { fix: "a decided submission stays decided; the author can submit a new version" });
      }
      if (action === "approve" && !opts.override) {
        const why = await this.contest.verification.notReproduced(tx, id, current);
        if (why) throw new PgolfError("HTTP_CONFLICT", `submission ${id} cannot be approved yet: ${why}`, { fix: "wait for the fleet's reproduction; an admin can approve with override and a reason" });
      }
      await tx.query(`INSERT INTO reviews (submission_id, reviewer_id, action, reason) VALUES ($1, $2, $3, $4)`, [id, reviewer.id, action, reason]);
      await tx.query(`UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
      await audit(tx, reviewer.handle, opts.override ? "review.approve-override" : `review.${action}`, `submission:${id}`, { reason, from: current, to: status, ...(opts.override ? { override: true } : {}) });
      return false;
    });
    return { ...(await this.get(id)), repeated };
  }

  /**
   * A submission's files as the stored pack holds them (for reviewers and the author): paths, sizes
   * and sha256, from the pack's table alone; with `file`, that file's bytes, read from its byte range
   * alone and checked against its sha256 (HTTP_NOT_FOUND when the pack has no such path). Neither
   * reads or holds the whole pack (stored_packs.ts).
   */
  async files(user: User, id: string): Promise<{ path: string; bytes: number; sha256: string }[]> {
    const s = await this.readable(user, id);
    return (await this.stored(s, () => this.packs.list(s.record_blob, `submission ${id}`))).map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }));
  }

  async file(user: User, id: string, file: string): Promise<PackAnswer> {
    const s = await this.readable(user, id);
    const answer = await this.stored(s, () => this.packs.file(s.record_blob, `submission ${id}`, file));
    if (!answer) throw new PgolfError("HTTP_NOT_FOUND", `submission ${id} has no file ${JSON.stringify(file)}`, { fix: "list its files first: GET /api/submissions/:id/files" });
    return answer;
  }

  /** The submission, when `user` may read its files: its author, reviewers and admins. */
  private async readable(user: User, id: string): Promise<SubmissionView> {
    const s = await this.get(id);
    if (s.author !== user.handle) this.contest.accounts.requireRole(user, ["reviewer", "admin"]);
    return s;
  }

  /** The stored record pack of a submission, streamed from disk and checked against its key as it goes. */
  async pack(id: string): Promise<PackAnswer> {
    const s = await this.get(id);
    return this.stored(s, () => this.packs.whole(s.record_blob));
  }

  /** Reads a submission's stored pack; HTTP_GONE once a withdrawn or replaced submission's pack was collected. */
  private async stored<T>(s: SubmissionView, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (isPgolfError(e, "FILE_NOT_FOUND") && (CLOSED_STATUSES as readonly string[]).includes(s.status)) throw packGone(s.id, s.status, s.record_blob);
      throw e;
    }
  }

  /**
   * The approved submissions, oldest first, with who submitted them and on what track: the board's
   * identity comes from the contest (the account, the contest's track), never from the uploaded
   * submission.json, whose name and author are only the author's claim.
   */
  async approved(): Promise<ApprovedSubmission[]> {
    const r = await this.db.query<ApprovedSubmission>(
      `SELECT s.id, s.record_blob, u.handle AS author, c.track FROM submissions s JOIN users u ON u.id = s.author_id JOIN contests c ON c.id = s.contest_id
       WHERE s.contest_id = $1 AND s.status = 'approved' ORDER BY s.created_at, s.id`,
      [this.contestId],
    );
    return r.rows;
  }

  /**
   * An approved submission's record folder, unpacked once under root as track_<track>/<id>/ (atomically:
   * a temporary folder renamed into place), for the board's pages to read.
   */
  async exportApproved(root: string, s: ApprovedSubmission): Promise<string> {
    const dir = path.join(root, `track_${s.track}`, s.id);
    if (!fs.existsSync(dir)) {
      const tmp = `${dir}.tmp-${process.pid}`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      unpackRecordFolder(Buffer.from(await this.blobs.get(s.record_blob)), tmp, s.record_blob);
      fs.renameSync(tmp, dir);
    }
    return dir;
  }
}

/** The columns `view` reads, for every query that lists submissions (add WHERE and ORDER BY). */
const SUBMISSION_VIEW = `SELECT s.id, u.handle AS author, s.source, s.status, s.record_blob, s.claimed, s.findings, s.created_at, s.replaces FROM submissions s JOIN users u ON u.id = s.author_id`;

function view(row: Record<string, unknown>): SubmissionView {
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  return {
    id: String(row.id),
    author: String(row.author),
    source: row.source as SubmissionView["source"],
    status: String(row.status),
    record_blob: String(row.record_blob),
    claimed: json(row.claimed) as SubmissionView["claimed"],
    findings: json(row.findings) as Finding[],
    created_at: new Date(String(row.created_at instanceof Date ? row.created_at.toISOString() : row.created_at)).toISOString(),
    replaces: row.replaces === null || row.replaces === undefined ? null : String(row.replaces),
  };
}
