// What the web UI's script reads of the JSON API's answers (contest_routes.ts), as types for the
// browser. They are written out here, not imported from contest.ts: the browser code is checked by
// tsconfig.browser.json with the DOM and without Node's types, and an import of a server module
// would pull node:fs and the rest into it (and esbuild would bundle it for the page). Only the
// fields the page uses are declared; the answers carry more.

export type Role = "participant" | "reviewer" | "admin" | "worker";

/** An error answer: every 4xx and 5xx body (core/error.ts, PgolfError.toJSON). */
export interface ErrorAnswer {
  error?: { code: string; message: string; fix?: string };
}

/** GET /api/session: who the token or the session cookie belongs to, null when nobody. */
export interface SessionAnswer {
  user: { handle: string; role: Role } | null;
}

export interface Finding {
  kind: string;
  severity: "error" | "warning";
  message: string;
}

/** A submission as GET /api/submissions, GET /api/review/queue and POST /api/submissions give it. */
export interface Submission {
  id: string;
  author: string;
  source: "upload" | "github";
  status: string;
  claimed: { name: string | null; val_bpb: number | null };
  findings: Finding[];
  created_at: string;
}

/** GET /api/submissions/:id/results: the seeds queued, those verified, and each reproduced run. */
export interface Results {
  queued: number[];
  verified: number[];
  runs: { seed: number; val_bpb: number; worker: string }[];
}

/** One entry of GET /api/submissions/:id/files. */
export interface SubmissionFile {
  path: string;
  bytes: number;
}

/** One entry of GET /api/submissions/:id/audit; details as the action recorded them. */
export interface AuditEntry {
  actor: string;
  action: string;
  details: { reason?: string; seed?: number; val_bpb?: number } | null;
}

/** One worker of GET /api/admin/fleet, in the order of the admin page's columns (instance: the row's key). */
export interface FleetWorker {
  instance: string;
  handle: string;
  host: string;
  alive: boolean;
  state: string;
  job: { submission_id: string | null; seed: number | null } | null;
  seconds_since_heartbeat: number;
  jobs_done: number;
  jobs_failed: number;
  cpus: number;
  memory_bytes: number;
  isolation: boolean;
  version: string;
}

/** GET /api/admin/fleet: the workers and the verification queue's counts by state (null: no queue). */
export interface Fleet {
  alive_after_seconds: number;
  workers: FleetWorker[];
  queue: Record<string, number> | null;
}

/** The contest's rules: GET /api/admin/contest answers them, PATCH /api/admin/contest takes them. */
export interface ContestRules {
  max_open_submissions_per_author: number;
  /** Bytes of record packs one account may upload in any 24 hours. */
  max_upload_bytes_per_author_per_day: number;
  verify_minutes: number | null;
  screening: string[];
  private_validation_courses: string[];
}

/** POST /api/users: the new account and its token, shown once. */
export interface NewAccount {
  user: { handle: string; role: Role };
  token: string;
}

/** One side of a lineage finding's evidence: a submission's file and line range, quoted. */
export interface LineageEvidence {
  submission: string;
  file: string;
  line: number;
  endLine: number;
  text?: string;
}

export interface LineageFinding {
  kind: "uncredited-reuse" | "near-duplicate" | "credit-suggested";
  severity: "warning" | "info";
  message: string;
  source?: string;
  credit?: string;
  /** Pairs: [this submission's side, the earlier one's side], ... */
  evidence: LineageEvidence[];
}

/** GET /api/submissions/:id/lineage (and POST .../credits): the submission's attribution. */
export interface LineageAnswer {
  status: "done" | "pending";
  lineage: {
    inferred: { id: string; share: number }[];
    declared: string[];
    novel: { share: number };
    findings: LineageFinding[];
  } | null;
  credits: { source: string; credit: string; accepted_by: string; created_at: string }[];
}
