// The contest's state and rules, on the database (db.ts) and the content-addressed store
// (blob_store.ts): accounts with roles and tokens, submission intake (a record folder, checked with
// `pgolf check`'s rules, stored by sha256, limited per author), reviews, results recorded once per
// (artifact, seed), and an append-only audit log of every action. HTTP lives in contest_routes.ts.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packRecordFolder, unpackRecordFolder } from "../artifact/pack.js";
import { PgolfError } from "../core/error.js";
import { track as lookupTrack } from "../core/track.js";
import { checkRecords, type Finding } from "../submission/check.js";
import { readRecord } from "../submission/read_record.js";
import type { BlobStore } from "./blob_store.js";
import type { Db, Queryable } from "./db.js";
import type { JobQueue } from "./queue.js";
import { OPEN_SUBMISSION_STATUSES, type ResultRow } from "./schema.js";

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
}

/** A verified seed's result as a worker reports it: the results row without its bookkeeping. */
export type ResultInput = Pick<ResultRow, "seed" | "artifact_sha256" | "val_loss" | "val_bpb" | "bytes_total" | "train_seconds" | "eval_seconds">;

/** Finding kinds that stop a submission at screening (it needs changes before verification). */
const SCREENING = new Set(["schema", "missing-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time"]);

export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class Contest {
  /** The verification queue; without one, submissions stay "checked" until reviewed. */
  jobs: JobQueue | null = null;

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
      [o.id, o.name, o.track, o.maxOpenPerAuthor ?? 3],
    );
    return new Contest(db, blobs, o.id);
  }

  private async audit(q: Queryable, actor: string, action: string, subject: string, details: Record<string, unknown> = {}): Promise<void> {
    await q.query(`INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)`, [actor, action, subject, JSON.stringify(details)]);
  }

  /** A new account; the token is returned once and only its sha256 is stored. */
  async addUser(handle: string, role: Role, actor = "system"): Promise<{ user: User; token: string }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/.test(handle)) throw new PgolfError("HTTP_BAD_REQUEST", `"${handle}" is not a valid handle`, { fix: "letters, digits, - and _, up to 39 characters, as on GitHub" });
    const taken = await this.db.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1)`, [handle]);
    if (taken.rows.length > 0) throw new PgolfError("HTTP_CONFLICT", `the handle ${handle} is taken`);
    const token = `pg_${randomBytes(24).toString("hex")}`;
    const user = await this.db.transaction(async (tx) => {
      const r = await tx.query<User>(`INSERT INTO users (handle, role, token_sha256) VALUES ($1, $2, $3) RETURNING id, handle, role`, [handle, role, tokenHash(token)]);
      await this.audit(tx, actor, "user.add", `user:${handle}`, { role });
      return r.rows[0];
    });
    return { user, token };
  }

  async authenticate(authorization: string | undefined): Promise<User> {
    const m = /^Bearer (\S+)$/.exec(authorization ?? "");
    if (!m) throw new PgolfError("HTTP_UNAUTHORIZED", "no token: send Authorization: Bearer <token>", { fix: "ask the organizers for an account token" });
    const r = await this.db.query<User>(`SELECT id, handle, role FROM users WHERE token_sha256 = $1`, [tokenHash(m[1])]);
    if (r.rows.length === 0) throw new PgolfError("HTTP_UNAUTHORIZED", "the token is not valid", { fix: "check the token, or ask for a new one" });
    return r.rows[0];
  }

  requireRole(user: User, roles: Role[]): void {
    if (!roles.includes(user.role)) throw new PgolfError("HTTP_FORBIDDEN", `${user.handle} is a ${user.role}; this needs ${roles.join(" or ")}`);
  }

  /**
   * Takes a record folder (as a record pack): verifies and unpacks it, reads and checks it against
   * the contest's accepted records, stores the pack by sha256, and records the submission with its
   * findings. A submission with screening findings waits for changes; others go to verification.
   */
  async submit(user: User, pack: Buffer, source: { kind: "upload" } | { kind: "github"; repo: string; pr: number; headSha: string } = { kind: "upload" }): Promise<SubmissionView> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-intake-"));
    try {
      const contest = (await this.db.query<{ track: string; max_open_submissions_per_author: number }>(`SELECT track, max_open_submissions_per_author FROM contests WHERE id = $1`, [this.contestId])).rows[0];
      // the folder is placed under its track's name so the reader knows the track
      const dir = path.join(work, `track_${contest.track}`, "submission");
      fs.mkdirSync(dir, { recursive: true });
      unpackRecordFolder(pack, dir, "upload");
      const record = readRecord(dir);
      record.track = contest.track;
      const [checked] = checkRecords([record]);
      const findings = checked.findings;
      const status = findings.some((f) => f.severity === "error" && SCREENING.has(f.kind)) ? "changes-requested" : "checked";
      const blob = await this.blobs.put(pack);
      const claimed = { name: record.name, val_bpb: record.claims.val_bpb?.value ?? null, track: contest.track };
      const submitted = await this.db.transaction(async (tx) => {
        const open = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM submissions WHERE contest_id = $1 AND author_id = $2 AND status = ANY($3)`, [this.contestId, user.id, [...OPEN_SUBMISSION_STATUSES]]);
        if (open.rows[0].n >= contest.max_open_submissions_per_author) {
          throw new PgolfError("HTTP_RATE_LIMITED", `${user.handle} has ${open.rows[0].n} open submissions, the contest's limit`, { fix: "wait for a review of an open submission, or withdraw one" });
        }
        const r = await tx.query<{ id: string; created_at: unknown }>(
          `INSERT INTO submissions (contest_id, author_id, source, github_repo, github_pr, github_head_sha, status, record_blob, claimed, findings)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
          [this.contestId, user.id, source.kind, source.kind === "github" ? source.repo : null, source.kind === "github" ? source.pr : null, source.kind === "github" ? source.headSha : null, status, blob, JSON.stringify(claimed), JSON.stringify(findings)],
        );
        await this.audit(tx, user.handle, "submission.receive", `submission:${r.rows[0].id}`, { status, blob, findings: findings.length, source: source.kind });
        return { id: r.rows[0].id, author: user.handle, source: source.kind, status, record_blob: blob, claimed, findings, created_at: new Date(String(r.rows[0].created_at)).toISOString() } as SubmissionView;
      });
      // pgolf-native records are reproduced by the fleet: one job per declared seed
      const seeds = checked.seeds.map((x) => x.seed).filter((x): x is number => x !== null);
      if (this.jobs && status === "checked" && record.format === "pgolf" && seeds.length > 0) {
        for (const seed of seeds) await this.jobs.enqueue({ submissionId: submitted.id, seed });
        await this.db.transaction(async (tx) => {
          await tx.query(`UPDATE submissions SET status = 'queued', updated_at = now() WHERE id = $1`, [submitted.id]);
          await this.audit(tx, "system", "verification.queue", `submission:${submitted.id}`, { seeds });
        });
        submitted.status = "queued";
      }
      return submitted;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /** Packs a record folder and submits it (the server-side twin of `pgolf submit --to`). */
  async submitFolder(user: User, dir: string): Promise<SubmissionView> {
    return this.submit(user, packRecordFolder(dir));
  }

  async get(id: string): Promise<SubmissionView> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`);
    const r = await this.db.query<Record<string, unknown>>(
      `SELECT s.id, u.handle AS author, s.source, s.status, s.record_blob, s.claimed, s.findings, s.created_at FROM submissions s JOIN users u ON u.id = s.author_id WHERE s.id = $1 AND s.contest_id = $2`,
      [id, this.contestId],
    );
    if (r.rows.length === 0) throw new PgolfError("HTTP_NOT_FOUND", `no submission ${id}`);
    return view(r.rows[0]);
  }

  /** Submissions waiting for a reviewer, oldest first. */
  async queue(): Promise<SubmissionView[]> {
    const r = await this.db.query<Record<string, unknown>>(
      `SELECT s.id, u.handle AS author, s.source, s.status, s.record_blob, s.claimed, s.findings, s.created_at FROM submissions s JOIN users u ON u.id = s.author_id
       WHERE s.contest_id = $1 AND s.status IN ('checked', 'queued', 'verifying', 'verified') ORDER BY s.created_at, s.id`,
      [this.contestId],
    );
    return r.rows.map(view);
  }

  async review(reviewer: User, id: string, action: ReviewAction, reason: string): Promise<SubmissionView> {
    this.requireRole(reviewer, ["reviewer", "admin"]);
    if (!["approve", "reject", "request-changes"].includes(action)) throw new PgolfError("HTTP_BAD_REQUEST", `unknown review action "${action}"`, { fix: "use approve, reject or request-changes" });
    if (action !== "approve" && !reason.trim()) throw new PgolfError("HTTP_BAD_REQUEST", `${action} needs a reason`, { fix: "say why, for the author" });
    const current = await this.get(id);
    if (current.status === "approved" || current.status === "rejected") throw new PgolfError("HTTP_CONFLICT", `submission ${id} is already ${current.status}`);
    const status = action === "approve" ? "approved" : action === "reject" ? "rejected" : "changes-requested";
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO reviews (submission_id, reviewer_id, action, reason) VALUES ($1, $2, $3, $4)`, [id, reviewer.id, action, reason]);
      await tx.query(`UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
      await this.audit(tx, reviewer.handle, `review.${action}`, `submission:${id}`, { reason, from: current.status, to: status });
    });
    return this.get(id);
  }

  /** A verified result; recorded once per (artifact, seed) however often a job runs. Returns whether it was new. */
  async recordResult(submissionId: string, r: ResultInput, worker: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const ins = await tx.query(
        `INSERT INTO results (submission_id, seed, artifact_sha256, val_loss, val_bpb, bytes_total, train_seconds, eval_seconds, worker)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (artifact_sha256, seed) DO NOTHING`,
        [submissionId, r.seed, r.artifact_sha256, r.val_loss, r.val_bpb, r.bytes_total, r.train_seconds, r.eval_seconds, worker],
      );
      if (ins.affectedRows > 0) await this.audit(tx, worker, "result.record", `submission:${submissionId}`, { seed: r.seed, artifact_sha256: r.artifact_sha256, val_bpb: r.val_bpb });
      return ins.affectedRows > 0;
    });
  }

  /** The participant account of a GitHub login, made on first sight (no token: GitHub is its sign-in). */
  async githubUser(login: string): Promise<User> {
    const found = await this.db.query<User>(`SELECT id, handle, role FROM users WHERE lower(github_login) = lower($1)`, [login]);
    if (found.rows.length > 0) return found.rows[0];
    const free = async (h: string) => (await this.db.query(`SELECT 1 FROM users WHERE lower(handle) = lower($1)`, [h])).rows.length === 0;
    let handle = login.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 30) || "github-user";
    for (let i = 2; !(await free(handle)); i++) handle = `${handle.replace(/-gh\d+$/, "")}-gh${i}`;
    return this.db.transaction(async (tx) => {
      const r = await tx.query<User>(`INSERT INTO users (handle, role, github_login) VALUES ($1, 'participant', $2) RETURNING id, handle, role`, [handle, login]);
      await this.audit(tx, "github", "user.add", `user:${handle}`, { github_login: login });
      return r.rows[0];
    });
  }

  /** Seeds queued for a submission (from its audit trail) and the seeds with a recorded result. */
  async verification(id: string): Promise<{ queued: number[]; verified: number[] }> {
    const q = await this.db.query<{ details: { seeds?: number[] } }>(`SELECT details FROM audit_log WHERE subject = $1 AND action = 'verification.queue' ORDER BY id`, [`submission:${id}`]);
    const queued = [...new Set(q.rows.flatMap((r) => r.details.seeds ?? []))].sort((a, b) => a - b);
    const v = await this.db.query<{ seed: number }>(`SELECT DISTINCT seed FROM results WHERE submission_id = $1 ORDER BY seed`, [id]);
    return { queued, verified: v.rows.map((r) => r.seed) };
  }

  /** After a result: a submission whose every queued seed has a result becomes "verified". */
  async settleVerification(id: string, actor: string): Promise<string> {
    const v = await this.verification(id);
    const cur = await this.get(id);
    if (cur.status === "queued" || cur.status === "verifying") {
      const next = v.queued.length > 0 && v.queued.every((s) => v.verified.includes(s)) ? "verified" : "verifying";
      if (next !== cur.status) {
        await this.db.transaction(async (tx) => {
          await tx.query(`UPDATE submissions SET status = $2, updated_at = now() WHERE id = $1`, [id, next]);
          await this.audit(tx, actor, `verification.${next}`, `submission:${id}`, v);
        });
      }
      return next;
    }
    return cur.status;
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
   * The approved submissions' record folders, unpacked (once each) under root as
   * track_<track>/<submission id>/: what the live leaderboard is built from.
   */
  async exportApproved(root: string): Promise<string[]> {
    const r = await this.db.query<{ id: string; record_blob: string; track: string }>(
      `SELECT s.id, s.record_blob, c.track FROM submissions s JOIN contests c ON c.id = s.contest_id WHERE s.contest_id = $1 AND s.status = 'approved' ORDER BY s.created_at`,
      [this.contestId],
    );
    const dirs: string[] = [];
    for (const row of r.rows) {
      const dir = path.join(root, `track_${row.track}`, row.id);
      if (!fs.existsSync(dir)) {
        const tmp = `${dir}.tmp-${process.pid}`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        unpackRecordFolder(Buffer.from(await this.blobs.get(row.record_blob)), tmp, row.record_blob);
        fs.renameSync(tmp, dir);
      }
      dirs.push(dir);
    }
    return dirs;
  }

  async auditTrail(subject: string): Promise<{ actor: string; action: string; details: unknown }[]> {
    return (await this.db.query<{ actor: string; action: string; details: unknown }>(`SELECT actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id`, [subject])).rows;
  }
}

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
  };
}
