// The contest's state and rules, on the database (db.ts) and the content-addressed store
// (blob_store.ts): accounts with roles and tokens, submission intake (a record folder, checked with
// `pgolf check`'s rules, stored by sha256, limited per author), reviews, results recorded once per
// (artifact, seed), and an append-only audit log of every action. HTTP lives in contest_routes.ts.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { decodePack, packRecordFolder, unpackRecordFolder } from "../artifact/pack.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { track as lookupTrack } from "../core/track.js";
import { REPRODUCTION_TOLERANCE_BPB, type Finding } from "../submission/check.js";
import type { BlobStore } from "./blob_store.js";
import { inspectPack } from "./intake.js";
import { badString } from "./request_schemas.js";
import type { Db, Queryable } from "./db.js";
import type { JobQueue } from "./queue.js";
import type { Reproduction } from "../submission/reproduction.js";
import { contestConfigOf, DEFAULT_CONTEST_CONFIG, parseContestConfigPatch, STORED_KEYS, type ContestConfig } from "./contest_config.js";
import { checkCourseRule, type CourseBounds } from "./course_rule.js";
import { OPEN_SUBMISSION_STATUSES, WORKER_STATES, type ResultRow, type WorkerRow } from "./schema.js";
import type { QueueStats } from "./queue.js";

/** Account roles; workers (verification machines) lease jobs and report results. */
export type Role = "participant" | "reviewer" | "admin" | "worker";
export type ReviewAction = "approve" | "reject" | "request-changes";

export interface User {
  id: number;
  handle: string;
  role: Role;
}

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

/** A verified seed's result as a worker reports it: the results row without its bookkeeping. */
export type ResultInput = Pick<ResultRow, "seed" | "artifact_sha256" | "val_loss" | "val_bpb" | "bytes_total" | "train_seconds" | "eval_seconds">;

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

/** An approved submission as the board shows it: the account that submitted it and the contest's track. */
export interface ApprovedSubmission {
  id: string;
  record_blob: string;
  author: string;
  track: string;
}

/** pg_advisory_xact_lock(INTAKE_LOCK, author id): one intake at a time per author ("pgos"). */
const INTAKE_LOCK = 0x70676f73;


export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class Contest {
  /** The verification queue; without one, submissions stay "checked" until reviewed. */
  jobs: JobQueue | null = null;
  /** The server's course copies, for the memorization bound of ranked submissions (course_rule.ts); without them, only unranked tracks and private courses are taken. */
  courses: CourseBounds | null = null;

  constructor(
    readonly db: Db,
    readonly blobs: BlobStore,
    readonly contestId: string,
  ) {}

  /** Creates the contest row when missing (track from core/track.ts). */
  static async open(db: Db, blobs: BlobStore, o: { id: string; name: string; track: string; maxOpenPerAuthor?: number }): Promise<Contest> {
    lookupTrack(o.track);
    await db.query(
      `INSERT INTO contests (id, name, track, max_open_submissions_per_author) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [o.id, o.name, o.track, o.maxOpenPerAuthor ?? DEFAULT_CONTEST_CONFIG.max_open_submissions_per_author],
    );
    return new Contest(db, blobs, o.id);
  }

  private async audit(q: Queryable, actor: string, action: string, subject: string, details: Record<string, unknown> = {}): Promise<void> {
    await q.query(`INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)`, [actor, action, subject, JSON.stringify(details)]);
  }

  /** A new account; the token is returned once and only its sha256 is stored. */
  async addUser(handle: string, role: Role, actor = "system", githubLogin: string | null = null): Promise<{ user: User; token: string }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/.test(handle)) throw new PgolfError("HTTP_BAD_REQUEST", `"${handle}" is not a valid handle`, { fix: "letters, digits, - and _, up to 39 characters, as on GitHub" });
    if (githubLogin !== null && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(githubLogin)) throw new PgolfError("HTTP_BAD_REQUEST", `"${githubLogin}" is not a GitHub login`, { fix: "the account's login on GitHub, e.g. octocat" });
    const taken = await this.db.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1) OR lower(github_login) = lower($2)`, [handle, githubLogin]);
    if (taken.rows.length > 0) throw new PgolfError("HTTP_CONFLICT", `the handle ${handle}${githubLogin ? ` or the GitHub login ${githubLogin}` : ""} is taken`);
    const token = `pg_${randomBytes(24).toString("hex")}`;
    const user = await this.db.transaction(async (tx) => {
      const r = await tx.query<User>(`INSERT INTO users (handle, role, token_sha256, github_login) VALUES ($1, $2, $3, $4) RETURNING id, handle, role`, [handle, role, tokenHash(token), githubLogin]);
      await this.audit(tx, actor, "user.add", `user:${handle}`, { role, ...(githubLogin ? { github_login: githubLogin } : {}) });
      return r.rows[0];
    });
    return { user, token };
  }

  /**
   * The account a request acts for: an `Authorization: Bearer` token (an account's, or a sign-in
   * session's), else the session cookie the GitHub sign-in set (github_signin.ts).
   */
  async authenticate(authorization: string | undefined, sessionCookie?: string): Promise<User> {
    const m = /^Bearer (\S+)$/.exec(authorization ?? "");
    const token = m?.[1] ?? sessionCookie;
    if (!token) throw new PgolfError("HTTP_UNAUTHORIZED", "no token: send Authorization: Bearer <token>, or sign in", { fix: "ask the organizers for an account token, or sign in with GitHub" });
    // an account token, or the token of an unexpired sign-in session
    const r = await this.db.query<User>(
      `SELECT id, handle, role FROM users WHERE token_sha256 = $1
       UNION ALL SELECT u.id, u.handle, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > now()`,
      [tokenHash(token)],
    );
    if (r.rows.length === 0) throw new PgolfError("HTTP_UNAUTHORIZED", "the token is not valid (or its sign-in expired, was signed out, or was revoked)", { fix: "check the token, sign in again, or ask for a new one" });
    return r.rows[0];
  }

  /** A sign-in session for an account, valid `days`; the token is returned once, its sha256 stored. */
  async startSession(user: User, via: string, days = 7): Promise<string> {
    const token = `pg_${randomBytes(24).toString("hex")}`;
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO sessions (token_sha256, user_id, via, expires_at) VALUES ($1, $2, $3, now() + make_interval(days => $4))`, [tokenHash(token), user.id, via, days]);
      await tx.query(`DELETE FROM sessions WHERE expires_at < now()`);
      await this.audit(tx, user.handle, "session.start", `user:${user.handle}`, { via, days });
    });
    return token;
  }

  /** Signs a session out: its token stops working at once. False when the token is not a session's (an account token is rotated instead). */
  async endSession(user: User, token: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query(`DELETE FROM sessions WHERE token_sha256 = $1 AND user_id = $2`, [tokenHash(token), user.id]);
      if (r.affectedRows === 0) return false;
      await this.audit(tx, user.handle, "session.end", `user:${user.handle}`);
      return true;
    });
  }

  /** A new account token for the caller (the first admin's too); the old one stops working. Returned once. */
  async rotateToken(user: User): Promise<string> {
    const token = `pg_${randomBytes(24).toString("hex")}`;
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE users SET token_sha256 = $2 WHERE id = $1`, [user.id, tokenHash(token)]);
      await this.audit(tx, user.handle, "token.rotate", `user:${user.handle}`);
    });
    return token;
  }

  /** Admins: an account's token and every sign-in session of it stop working. */
  async revokeToken(admin: User, handle: string): Promise<void> {
    this.requireRole(admin, ["admin"]);
    await this.db.transaction(async (tx) => {
      const u = (await tx.query<{ id: number; handle: string }>(`SELECT id, handle FROM users WHERE lower(handle) = lower($1)`, [handle])).rows[0];
      if (!u) throw new PgolfError("HTTP_NOT_FOUND", `no account ${JSON.stringify(handle)}`);
      await tx.query(`UPDATE users SET token_sha256 = NULL WHERE id = $1`, [u.id]);
      await tx.query(`DELETE FROM sessions WHERE user_id = $1`, [u.id]);
      await this.audit(tx, admin.handle, "token.revoke", `user:${u.handle}`);
    });
  }

  requireRole(user: User, roles: Role[]): void {
    if (!roles.includes(user.role)) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is a ${user.role}; this needs ${roles.join(" or ")}`);
  }

  /**
   * Takes a record folder (as a record pack): verifies and unpacks it, reads it, refuses it when
   * the contest's track is ranked and its course is not safe there (CONTEST_PRACTICE_COURSE,
   * CONTEST_COURSE_UNMEASURED; course_rule.ts), checks it, stores the pack by sha256, and records the
   * submission with its findings. A submission with screening findings waits for changes; others go to verification
   * (pgolf-native records: a job per seed, queued in the same transaction as the submission).
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
    const contest = (await this.db.query<{ track: string; max_open_submissions_per_author: number }>(`SELECT track, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId])).rows[0];
    // what is replaced, and the author's limit, first, before anything of the upload is read or stored (again in the transaction)
    if (o.replaces) await this.replaceable(this.db, user, o.replaces);
    await this.checkOpenLimit(this.db, user, contest.max_open_submissions_per_author, o.replaces);
    // unpacked, read and checked in a worker thread, a bounded few at a time (intake.ts)
    // the pack's memory moves to the worker thread and back: `pack` below is what came back
    const inspected = await inspectPack(pack, contest.track, o.handOver ?? false);
    const { record, checked, course } = inspected;
    pack = inspected.pack;
    const settings = await this.settings();
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
    const out = await this.db.transaction(async (tx) => {
      // one intake at a time per author: the retry check and the limit see every earlier upload
      await tx.query(`SELECT pg_advisory_xact_lock($1::int, $2::int)`, [INTAKE_LOCK, user.id]);
      const again = await this.sameUpload(tx, user, digest);
      if (again) return again;
      if (o.replaces) await this.replaceable(tx, user, o.replaces, true);
      await this.checkOpenLimit(tx, user, contest.max_open_submissions_per_author, o.replaces);
      // stored only now that it is accepted: a refused upload leaves no blob (an INSERT that fails
      // after this leaves one no submission names, which collectBlobs removes)
      const blob = await this.blobs.put(pack);
      const r = await tx.query<{ id: string; created_at: unknown }>(
        `INSERT INTO submissions (contest_id, author_id, source, github_repo, github_pr, github_head_sha, status, record_blob, claimed, findings, replaces)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, created_at`,
        [this.contestId, user.id, source.kind, source.kind === "github" ? source.repo : null, source.kind === "github" ? source.pr : null, source.kind === "github" ? source.headSha : null, jobs ? "queued" : status, blob, JSON.stringify(claimed), JSON.stringify(findings), o.replaces ?? null],
      );
      const id = r.rows[0].id;
      if (o.replaces) {
        // the old version is closed in the same transaction: never two open versions, never none
        await tx.query(`UPDATE submissions SET status = 'replaced' WHERE id = $1`, [o.replaces]);
        await this.audit(tx, user.handle, "submission.resubmit", `submission:${o.replaces}`, { replaced_by: id });
      }
      await this.audit(tx, user.handle, "submission.receive", `submission:${id}`, { status, blob, findings: findings.length, source: source.kind, ...(o.replaces ? { replaces: o.replaces } : {}), course: { name: courseRule.course, rule: courseRule.allowed, ...(courseRule.allowed === "safe" ? { bound_bytes: courseRule.verdict.bound_bytes, cap_bytes: courseRule.verdict.cap_bytes } : {}) } });
      if (jobs) {
        for (const seed of seeds) await jobs.enqueue({ submissionId: id, seed }, { tx });
        await this.audit(tx, "system", "verification.queue", `submission:${id}`, { seeds });
      }
      return { id, author: user.handle, source: source.kind, status: jobs ? "queued" : status, record_blob: blob, claimed, findings, created_at: new Date(String(r.rows[0].created_at)).toISOString(), replaces: o.replaces ?? null, repeated: false } as SubmissionView;
    });
    // the replaced version's waiting verification jobs are of no use now
    if (o.replaces && !out.repeated) await this.jobs?.cancelSubmission(o.replaces);
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
    if (!old) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id} to replace`);
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
    const repeated = await this.db.transaction(async (tx) => {
      const sub = (await tx.query<{ status: string; author_id: number }>(`SELECT status, author_id FROM submissions WHERE id = $1 AND contest_id = $2 FOR UPDATE`, [id, this.contestId])).rows[0];
      if (!sub) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`);
      if (sub.author_id !== user.id) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is not the author of submission ${id}`, { fix: "only its author can withdraw a submission" });
      if (sub.status === "withdrawn") return true;
      if (!(OPEN_SUBMISSION_STATUSES as readonly string[]).includes(sub.status)) throw new PgolfError("HTTP_CONFLICT", `submission ${id} is ${sub.status} and can no longer be withdrawn`, { fix: "a decided submission stays decided" });
      await tx.query(`UPDATE submissions SET status = 'withdrawn', updated_at = now() WHERE id = $1`, [id]);
      await this.audit(tx, user.handle, "submission.withdraw", `submission:${id}`, { from: sub.status });
      return false;
    });
    if (!repeated) await this.jobs?.cancelSubmission(id);
    return { ...(await this.get(id)), repeated };
  }

  /**
   * Removes blobs no submission names and older than `minAgeMs` (an upload whose INSERT failed after
   * its blob was stored); returns how many. Young blobs are left for an intake in flight.
   */
  async collectBlobs(minAgeMs = 3_600_000): Promise<number> {
    const named = new Set((await this.db.query<{ record_blob: string }>(`SELECT DISTINCT record_blob FROM submissions`)).rows.map((r) => r.record_blob));
    return this.blobs.collect((key) => named.has(key), minAgeMs);
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
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`);
    const r = await this.db.query<Record<string, unknown>>(
      `${SUBMISSION_VIEW} WHERE s.id = $1 AND s.contest_id = $2`,
      [id, this.contestId],
    );
    if (r.rows.length === 0) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`);
    return view(r.rows[0]);
  }

  /** The contest's rules as organizers set them (contest_config.ts), with its track. */
  async settings(): Promise<ContestConfig & { track: string }> {
    const r = await this.db.query<{ track: string; config: unknown; max_open_submissions_per_author: number }>(`SELECT track, config, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId]);
    return { track: r.rows[0].track, ...contestConfigOf(r.rows[0]) };
  }

  /** Changes some of the rules (admins); unknown keys and bad values are refused; audited. */
  async configure(admin: User, patch: unknown): Promise<ContestConfig & { track: string }> {
    this.requireRole(admin, ["admin"]);
    const p = parseContestConfigPatch(patch, "the contest settings");
    await this.db.transaction(async (tx) => {
      const cur = await tx.query<{ config: unknown; max_open_submissions_per_author: number }>(`SELECT config, max_open_submissions_per_author FROM contests WHERE id = $1 FOR UPDATE`, [this.contestId]);
      const before = contestConfigOf(cur.rows[0]);
      const next = { ...before, ...p };
      const stored = { ...(cur.rows[0].config && typeof cur.rows[0].config === "object" ? (cur.rows[0].config as object) : {}), ...Object.fromEntries(STORED_KEYS.map((k) => [k, next[k]])) };
      await tx.query(`UPDATE contests SET config = $2, max_open_submissions_per_author = $3 WHERE id = $1`, [this.contestId, JSON.stringify(stored), next.max_open_submissions_per_author]);
      await this.audit(tx, admin.handle, "contest.configure", `contest:${this.contestId}`, { before, after: next });
    });
    return this.settings();
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

  /** A submission's verification: seeds queued, seeds with a result, and the reproduced runs. */
  async results(id: string): Promise<{ queued: number[]; verified: number[]; runs: (ResultInput & { worker: string })[] }> {
    await this.get(id);
    const v = await this.verification(id);
    const r = await this.db.query<ResultInput & { worker: string }>(
      `SELECT seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker FROM results WHERE submission_id = $1 ORDER BY seed, id`,
      [id],
    );
    return { ...v, runs: r.rows };
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
   * Any other review of an approved or rejected submission is HTTP_CONFLICT.
   */
  /**
   * A review. Approval needs every declared seed reproduced by the fleet (status "verified") with a
   * mean within REPRODUCTION_TOLERANCE_BPB of the claim; otherwise only an admin may approve, with
   * `override` and a reason: an explicit, audited decision the board shows as "not reproduced".
   */
  async review(reviewer: User, id: string, action: ReviewAction, reason: string, opts: { override?: boolean } = {}): Promise<SubmissionView> {
    this.requireRole(reviewer, ["reviewer", "admin"]);
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
        const why = await this.notReproduced(tx, id, current);
        if (why) throw new PgolfError("HTTP_CONFLICT", `submission ${id} cannot be approved yet: ${why}`, { fix: "wait for the fleet's reproduction; an admin can approve with override and a reason" });
      }
      await tx.query(`INSERT INTO reviews (submission_id, reviewer_id, action, reason) VALUES ($1, $2, $3, $4)`, [id, reviewer.id, action, reason]);
      await tx.query(`UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
      await this.audit(tx, reviewer.handle, opts.override ? "review.approve-override" : `review.${action}`, `submission:${id}`, { reason, from: current, to: status, ...(opts.override ? { override: true } : {}) });
      return false;
    });
    return { ...(await this.get(id)), repeated };
  }

  /** Why a submission's score is not (yet) the fleet's, or null when every seed was reproduced within tolerance of the claim. */
  private async notReproduced(tx: Queryable, id: string, status: string): Promise<string | null> {
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
      if (sub.rows.length === 0) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${submissionId}`);
      // once per submission and seed: a re-submission of the same artifact gets its own reproduction
      const ins = await tx.query(
        `INSERT INTO results (submission_id, seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (submission_id, seed) DO NOTHING`,
        [submissionId, r.seed, r.artifact_sha256, r.val_loss, r.val_bpb, r.bytes_total, r.train_seconds, r.eval_seconds, worker],
      );
      if (ins.affectedRows === 0) return false;
      await this.audit(tx, worker, "result.record", `submission:${submissionId}`, { seed: r.seed, artifact_sha256: r.artifact_sha256, val_bpb: r.val_bpb });
      await this.settle(tx, submissionId, worker);
      return true;
    });
  }

  /**
   * The account of a GitHub identity, keyed by GitHub's numeric user id, which never changes (a
   * login can be renamed and taken by someone else): the account bound to the id; else an account an
   * admin made for the login and not yet bound, which is bound now; else a new participant account.
   * A login whose account is bound to another id is stale (renamed away): it is released, and the
   * newcomer gets an account of their own, never the old one. Without an id (an old webhook), the
   * login alone finds an account, and a new one is made unbound.
   */
  async githubUser(who: { login: string; id: number | null }): Promise<User> {
    const { login, id } = who;
    return this.db.transaction(async (tx) => {
      if (id !== null) {
        const bound = await tx.query<User & { github_login: string | null }>(`SELECT id, handle, role, github_login FROM users WHERE github_id = $1`, [id]);
        if (bound.rows.length > 0) {
          const u = bound.rows[0];
          if ((u.github_login ?? "").toLowerCase() !== login.toLowerCase()) {
            await tx.query(`UPDATE users SET github_login = NULL WHERE lower(github_login) = lower($1) AND id <> $2`, [login, u.id]);
            await tx.query(`UPDATE users SET github_login = $2 WHERE id = $1`, [u.id, login]);
            await this.audit(tx, "github", "user.github_login", `user:${u.handle}`, { github_id: id, from: u.github_login, to: login });
          }
          return { id: u.id, handle: u.handle, role: u.role };
        }
      }
      const named = (await tx.query<User & { github_id: string | null }>(`SELECT id, handle, role, github_id FROM users WHERE lower(github_login) = lower($1)`, [login])).rows[0];
      if (named && (id === null || named.github_id === null)) {
        if (id !== null) {
          await tx.query(`UPDATE users SET github_id = $2 WHERE id = $1`, [named.id, id]);
          await this.audit(tx, "github", "user.github_bind", `user:${named.handle}`, { github_login: login, github_id: id });
        }
        return { id: named.id, handle: named.handle, role: named.role };
      }
      if (named) {
        // the login now belongs to someone else on GitHub: the old account keeps its id, not the login
        await tx.query(`UPDATE users SET github_login = NULL WHERE id = $1`, [named.id]);
        await this.audit(tx, "github", "user.github_login", `user:${named.handle}`, { github_id: Number(named.github_id), from: login, to: null, reason: "the login was taken by another GitHub account" });
      }
      const free = async (h: string) => (await tx.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1)`, [h])).rows.length === 0;
      let handle = login.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 30) || "github-user";
      for (let i = 2; !(await free(handle)); i++) handle = `${handle.replace(/-gh\d+$/, "")}-gh${i}`;
      const r = await tx.query<User>(`INSERT INTO users (handle, role, github_login, github_id) VALUES ($1, 'participant', $2, $3) RETURNING id, handle, role`, [handle, login, id]);
      await this.audit(tx, "github", "user.add", `user:${handle}`, { github_login: login, github_id: id });
      return r.rows[0];
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
    await this.get(id);
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
      await this.audit(tx, actor, `verification.${next}`, `submission:${id}`, v);
    }
    return next;
  }

  /**
   * A submission's files as the stored pack holds them (for reviewers and the author): paths, sizes
   * and sha256; with `file`, that file's bytes (HTTP_NOT_FOUND when the pack has no such path).
   */
  async files(user: User, id: string): Promise<{ path: string; bytes: number; sha256: string }[]> {
    const { files } = await this.readableFiles(user, id);
    return files.table.files.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }));
  }

  async file(user: User, id: string, file: string): Promise<Uint8Array> {
    const { files } = await this.readableFiles(user, id);
    const b = files.files.get(file);
    if (!b) throw new PgolfError("HTTP_NOT_FOUND", `submission ${id} has no file ${JSON.stringify(file)}`, { fix: "list its files first: GET /api/submissions/:id/files" });
    return b;
  }

  private async readableFiles(user: User, id: string) {
    const s = await this.get(id);
    if (s.author !== user.handle) this.requireRole(user, ["reviewer", "admin"]);
    return { submission: s, files: decodePack(Buffer.from(await this.blobs.get(s.record_blob)), `submission ${id}`) };
  }

  /** The stored record pack of a submission. */
  async pack(id: string): Promise<Buffer> {
    const s = await this.get(id);
    return Buffer.from(await this.blobs.get(s.record_blob));
  }

  /** True when the contest has an admin account (for bootstrapping the first one). */
  async hasAdmin(): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM users WHERE role = 'admin' LIMIT 1`)).rows.length > 0;
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

  /**
   * A worker's heartbeat: who and where it is, what it is doing, and its counts. Upserted by the
   * process's instance id; a heartbeat from another account's instance is refused.
   */
  async heartbeat(user: User, h: Heartbeat): Promise<void> {
    this.requireRole(user, ["worker"]);
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
  async fleet(aliveSeconds = FLEET_ALIVE_SECONDS): Promise<FleetView> {
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

  async auditTrail(subject: string): Promise<{ actor: string; action: string; details: unknown }[]> {
    return (await this.db.query<{ actor: string; action: string; details: unknown }>(`SELECT actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id`, [subject])).rows;
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
