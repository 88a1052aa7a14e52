// The contest schema: the SQL of each migration, and the row shapes and value lists the rest of the
// server uses. Same SQL on PGlite (Postgres 18 in wasm) and a Postgres server (15 and newer).
//
// Types as JavaScript sees them (both backends, see db_pglite.ts and db_postgres.ts):
//   integer, smallint, real, double precision -> number
//   bigint / bigserial, numeric               -> string (exact; use ::int or Number() when you know it fits)
//   timestamptz                               -> Date            (sessions run in UTC)
//   date, interval                            -> string          ('2024-05-01', '1 day')
//   json, jsonb                               -> parsed value    (parameters: objects are JSON.stringify'd,
//                                                                 strings are sent as JSON text; pass arrays
//                                                                 as JSON.stringify(array), since a bare array
//                                                                 becomes a Postgres array on node-postgres)
//   uuid, text                                -> string
//
// Applied migrations are never edited: migrations.ts checks their checksums. Change the schema by
// appending a new migration.

export const ROLES = ["participant", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const SUBMISSION_SOURCES = ["upload", "github"] as const;
export type SubmissionSource = (typeof SUBMISSION_SOURCES)[number];

/** received -> checked -> queued -> verifying -> verified -> approved; rejected / changes-requested on the way. */
/** The statuses version 1 of the schema allows (frozen: the migration's text, and so its checksum, must not change). */
const V1_SUBMISSION_STATUSES = ["received", "checked", "queued", "verifying", "verified", "rejected", "changes-requested", "approved"] as const;
/** Version 6 adds "withdrawn": the author took an open submission back; version 7 "replaced": the author sent a new version of it. */
export const SUBMISSION_STATUSES = [...V1_SUBMISSION_STATUSES, "withdrawn", "replaced"] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** Statuses that count against a contest's per-author open-submission limit. */
export const OPEN_SUBMISSION_STATUSES = ["received", "checked", "queued", "verifying", "verified", "changes-requested"] as const satisfies readonly SubmissionStatus[];

export const REVIEW_ACTIONS = ["approve", "reject", "request-changes"] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export interface ContestRow {
  /** Slug, e.g. "10min-16mb". */
  id: string;
  name: string;
  track: string;
  config: Record<string, unknown>;
  max_open_submissions_per_author: number;
  created_at: Date;
}

export interface UserRow {
  id: number;
  handle: string;
  role: Role;
  /** sha256 hex of the user's API token; null for users without one. */
  token_sha256: string | null;
  github_login: string | null;
  /** GitHub's numeric user id, once the account has signed in with GitHub (version 6). */
  github_id: number | null;
  created_at: Date;
}

export interface SubmissionRow {
  id: string;
  contest_id: string;
  author_id: number;
  source: SubmissionSource;
  github_repo: string | null;
  github_pr: number | null;
  github_head_sha: string | null;
  status: SubmissionStatus;
  /** Blob-store key (sha256) of the canonical pack of the record folder. */
  record_blob: string;
  /** What the author claims (their submission.json). */
  claimed: Record<string, unknown>;
  /** Findings of the automatic checks. */
  findings: unknown[];
  /** bigint (a string): the stored pack's size in bytes, recorded at intake (version 8; null before). */
  record_bytes: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ResultRow {
  /** bigint: a string. */
  id: string;
  submission_id: string;
  seed: number;
  artifact_sha256: string;
  val_loss: number;
  val_bpb: number;
  bytes_total: number;
  train_seconds: number | null;
  eval_seconds: number;
  worker: string;
  created_at: Date;
}

export interface ReviewRow {
  id: string;
  submission_id: string;
  reviewer_id: number;
  action: ReviewAction;
  reason: string;
  created_at: Date;
}

export interface AuditLogRow {
  /** bigserial: a string. */
  id: string;
  at: Date;
  /** Who: "user:<id>", "worker:<name>", "github", "system". */
  actor: string;
  action: string;
  /** What it is about: "submission:<uuid>", "user:<id>", "contest:<id>"... */
  subject: string;
  details: Record<string, unknown>;
}

export interface WebhookDeliveryRow {
  delivery_id: string;
  event: string;
  received_at: Date;
}

const list = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(", ");
const HEX64 = "'^[0-9a-f]{64}$'";

/** Migration 1: the contest schema. One statement per element (PL/pgSQL bodies hold semicolons). */
export const SCHEMA_V1: readonly string[] = [
  `CREATE TABLE contests (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    name text NOT NULL,
    track text NOT NULL,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    max_open_submissions_per_author integer NOT NULL DEFAULT 3 CHECK (max_open_submissions_per_author >= 1),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE users (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle text NOT NULL CHECK (handle ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$'),
    role text NOT NULL DEFAULT 'participant' CHECK (role IN (${list(ROLES)})),
    token_sha256 text UNIQUE CHECK (token_sha256 ~ ${HEX64}),
    github_login text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // Handles and GitHub logins are unique regardless of case, as on GitHub.
  `CREATE UNIQUE INDEX users_handle_key ON users (lower(handle))`,
  `CREATE UNIQUE INDEX users_github_login_key ON users (lower(github_login)) WHERE github_login IS NOT NULL`,

  `CREATE TABLE submissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contest_id text NOT NULL REFERENCES contests (id),
    author_id integer NOT NULL REFERENCES users (id),
    source text NOT NULL CHECK (source IN (${list(SUBMISSION_SOURCES)})),
    github_repo text,
    github_pr integer CHECK (github_pr > 0),
    github_head_sha text CHECK (github_head_sha ~ '^[0-9a-f]{40}$'),
    status text NOT NULL DEFAULT 'received' CHECK (status IN (${list(V1_SUBMISSION_STATUSES)})),
    record_blob text NOT NULL CHECK (record_blob ~ ${HEX64}),
    claimed jsonb NOT NULL DEFAULT '{}'::jsonb,
    findings jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (source <> 'github' OR (github_repo IS NOT NULL AND github_pr IS NOT NULL AND github_head_sha IS NOT NULL))
  )`,
  // The open-submission limit counts these rows.
  `CREATE INDEX submissions_open_by_author ON submissions (contest_id, author_id) WHERE status IN (${list(OPEN_SUBMISSION_STATUSES)})`,
  // The verification queue and status pages.
  `CREATE INDEX submissions_by_status ON submissions (status, created_at)`,
  `CREATE INDEX submissions_by_contest ON submissions (contest_id, created_at)`,
  // One submission per pushed commit of a pull request, however often GitHub tells us about it.
  `CREATE UNIQUE INDEX submissions_github_head_key ON submissions (github_repo, github_pr, github_head_sha) WHERE source = 'github'`,
  `CREATE FUNCTION pgolf_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.updated_at := now();
    RETURN NEW;
  END
  $$`,
  `CREATE TRIGGER submissions_touch_updated_at BEFORE UPDATE ON submissions
    FOR EACH ROW EXECUTE FUNCTION pgolf_touch_updated_at()`,

  `CREATE TABLE results (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id uuid NOT NULL REFERENCES submissions (id),
    seed integer NOT NULL,
    artifact_sha256 text NOT NULL CHECK (artifact_sha256 ~ ${HEX64}),
    val_loss double precision NOT NULL,
    val_bpb double precision NOT NULL,
    bytes_total integer NOT NULL CHECK (bytes_total >= 0),
    train_seconds double precision,
    eval_seconds double precision NOT NULL,
    worker text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (artifact_sha256, seed)
  )`,
  `CREATE INDEX results_by_submission ON results (submission_id)`,

  `CREATE TABLE reviews (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id uuid NOT NULL REFERENCES submissions (id),
    reviewer_id integer NOT NULL REFERENCES users (id),
    action text NOT NULL CHECK (action IN (${list(REVIEW_ACTIONS)})),
    reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (action = 'approve' OR length(reason) > 0)
  )`,
  `CREATE INDEX reviews_by_submission ON reviews (submission_id, created_at)`,

  `CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    subject text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}'::jsonb
  )`,
  `CREATE INDEX audit_log_by_subject ON audit_log (subject, id)`,
  // Append-only: rows are never changed or removed, not even by the server's own bugs.
  `CREATE FUNCTION pgolf_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pgolf_audit_log_append_only()`,
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_audit_log_append_only()`,

  // Replay protection for GitHub webhooks: INSERT ... ON CONFLICT DO NOTHING, act only when a row was inserted.
  `CREATE TABLE webhook_deliveries (
    delivery_id text PRIMARY KEY,
    event text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at)`,
];

/** A verification machine as its heartbeats describe it (one row per running `pgolf worker` process). */
export interface WorkerRow {
  /** Random id the process picks at start. */
  instance: string;
  /** The worker account it authenticates as. */
  handle: string;
  host: string;
  pgolf_version: string;
  started_at: Date;
  last_seen: Date;
  state: "idle" | "working" | "stopped";
  job_id: string | null;
  submission_id: string | null;
  seed: number | null;
  cpus: number;
  memory_bytes: string;
  isolation: boolean;
  jobs_done: number;
  jobs_failed: number;
}

export const WORKER_STATES = ["idle", "working", "stopped"] as const;

/** Migration 3: the fleet view's table, written by worker heartbeats (upserts keyed by instance). */
export const SCHEMA_V3_FLEET: readonly string[] = [
  `CREATE TABLE workers (
    instance text PRIMARY KEY CHECK (instance ~ '^[A-Za-z0-9_-]{8,64}$'),
    handle text NOT NULL,
    host text NOT NULL,
    pgolf_version text NOT NULL,
    started_at timestamptz NOT NULL,
    last_seen timestamptz NOT NULL DEFAULT now(),
    state text NOT NULL CHECK (state IN (${list(WORKER_STATES)})),
    job_id text,
    submission_id uuid,
    seed integer,
    cpus integer NOT NULL CHECK (cpus >= 0),
    memory_bytes bigint NOT NULL CHECK (memory_bytes >= 0),
    isolation boolean NOT NULL,
    jobs_done integer NOT NULL DEFAULT 0 CHECK (jobs_done >= 0),
    jobs_failed integer NOT NULL DEFAULT 0 CHECK (jobs_failed >= 0)
  )`,
  `CREATE INDEX workers_by_last_seen ON workers (last_seen)`,
];

/**
 * Migration 4: sign-in with GitHub. A session is a token like an account's (only its sha256 is
 * stored) that expires; an OAuth state is a one-time nonce of a sign-in in progress.
 */
export const SCHEMA_V4_SESSIONS: readonly string[] = [
  `CREATE TABLE sessions (
    token_sha256 text PRIMARY KEY CHECK (token_sha256 ~ ${HEX64}),
    user_id integer NOT NULL REFERENCES users (id),
    via text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  `CREATE INDEX sessions_by_expiry ON sessions (expires_at)`,
  `CREATE TABLE oauth_states (
    state_sha256 text PRIMARY KEY CHECK (state_sha256 ~ ${HEX64}),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/**
 * Migration 5: results, reviews and submissions are append-only, as audit_log is. A result and a
 * review are never changed or removed. A submission is never removed, and after intake only its
 * status (review decisions and verification, contest.ts) and updated_at (set by a trigger on every
 * change) change: its author, pack, claim, findings, source, GitHub fields and created_at stay as
 * received, and so does any column added later, since the check compares whole rows. A refusal
 * raises insufficient_privilege (SQLSTATE 42501) naming the table and what was refused. To let
 * another column change, a later migration replaces pgolf_submissions_update_check (this SQL is
 * applied and checksummed: it is never edited).
 */
export const SCHEMA_V5_APPEND_ONLY: readonly string[] = [
  `CREATE FUNCTION pgolf_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  `CREATE TRIGGER results_append_only BEFORE UPDATE OR DELETE ON results
    FOR EACH ROW EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER results_no_truncate BEFORE TRUNCATE ON results
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON submissions
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE FUNCTION pgolf_submissions_update_check() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    changed text;
  BEGIN
    SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW)) AS n
      WHERE n.key NOT IN ('status', 'updated_at')
        AND n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key;
    IF changed IS NOT NULL THEN
      RAISE EXCEPTION 'submissions are append-only but for status: % may not change', changed
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END
  $$`,
  `CREATE TRIGGER submissions_append_only BEFORE UPDATE ON submissions
    FOR EACH ROW EXECUTE FUNCTION pgolf_submissions_update_check()`,
];

/**
 * Version 6, identities: a GitHub account is known by GitHub's numeric user id, which never changes
 * (a login can be renamed and then taken by someone else); a webhook delivery by the sha256 of its
 * signed body as well as its id (a captured body replayed under a new delivery id is the same
 * delivery); a result by its submission and seed, so a re-submission of the same deterministic
 * entry gets its own reproduction instead of waiting for one that was recorded for another; and a
 * submission may be "withdrawn" by its author.
 */
export const SCHEMA_V6_IDENTITIES: readonly string[] = [
  `ALTER TABLE submissions DROP CONSTRAINT submissions_status_check`,
  `ALTER TABLE submissions ADD CONSTRAINT submissions_status_check CHECK (status IN (${list([...V1_SUBMISSION_STATUSES, "withdrawn"])}))`,
  `ALTER TABLE results DROP CONSTRAINT results_artifact_sha256_seed_key`,
  `CREATE UNIQUE INDEX results_submission_seed_key ON results (submission_id, seed)`,
  `ALTER TABLE users ADD COLUMN github_id bigint CHECK (github_id > 0)`,
  `CREATE UNIQUE INDEX users_github_id_key ON users (github_id) WHERE github_id IS NOT NULL`,
  `ALTER TABLE webhook_deliveries ADD COLUMN body_sha256 text CHECK (body_sha256 ~ ${HEX64})`,
  `CREATE UNIQUE INDEX webhook_deliveries_body_key ON webhook_deliveries (body_sha256) WHERE body_sha256 IS NOT NULL`,
];

/**
 * Version 7, re-submission: an author sends a new version of an open submission. The new row names
 * the one it replaces (set at intake and, like every column, never changed after: migration 5), the
 * old one becomes "replaced", and a submission is replaced at most once.
 */
export const SCHEMA_V7_RESUBMIT: readonly string[] = [
  `ALTER TABLE submissions DROP CONSTRAINT submissions_status_check`,
  `ALTER TABLE submissions ADD CONSTRAINT submissions_status_check CHECK (status IN (${list([...V1_SUBMISSION_STATUSES, "withdrawn", "replaced"])}))`,
  `ALTER TABLE submissions ADD COLUMN replaces uuid REFERENCES submissions (id)`,
  `CREATE UNIQUE INDEX submissions_replaces_key ON submissions (replaces) WHERE replaces IS NOT NULL`,
];

/**
 * Version 8, upload quota: a submission records the bytes of the pack it stored (set at intake and,
 * like every column, never changed after: migration 5), so the bytes an account had stored in the
 * last 24 hours are one indexed sum (contest_quota.ts). Submissions from before version 8 have none
 * (null: their size was never recorded; they are older than any window anyway).
 */
export const SCHEMA_V8_UPLOAD_QUOTA: readonly string[] = [
  `ALTER TABLE submissions ADD COLUMN record_bytes bigint CHECK (record_bytes >= 0)`,
  `CREATE INDEX submissions_by_author_time ON submissions (contest_id, author_id, created_at)`,
];

/**
 * Version 9, lineage (contest_lineage.ts): a submission's attribution against every earlier one,
 * computed once after intake (what it reuses, its new code, its credit findings), and the credits
 * reviewers accepted from the suggestions. Both are append-only: an analysis is not redone over an
 * earlier one, and an accepted credit stays (the audit log says who accepted it, and when).
 */
export const SCHEMA_V9_LINEAGE: readonly string[] = [
  `CREATE TABLE submission_lineage (
    submission_id uuid PRIMARY KEY REFERENCES submissions (id),
    lineage jsonb NOT NULL,
    findings integer NOT NULL CHECK (findings >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE submission_credits (
    id bigserial PRIMARY KEY,
    submission_id uuid NOT NULL REFERENCES submissions (id),
    source uuid NOT NULL REFERENCES submissions (id),
    credit text NOT NULL CHECK (length(credit) BETWEEN 1 AND 1000),
    accepted_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (submission_id, source)
  )`,
  `CREATE TRIGGER submission_lineage_append_only BEFORE UPDATE OR DELETE ON submission_lineage
    FOR EACH ROW EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER submission_lineage_no_truncate BEFORE TRUNCATE ON submission_lineage
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER submission_credits_append_only BEFORE UPDATE OR DELETE ON submission_credits
    FOR EACH ROW EXECUTE FUNCTION pgolf_append_only()`,
  `CREATE TRIGGER submission_credits_no_truncate BEFORE TRUNCATE ON submission_credits
    FOR EACH STATEMENT EXECUTE FUNCTION pgolf_append_only()`,
];
