// A contest's rules that organizers set, declared once: which automatic findings stop a submission
// at screening (it goes back to its author before any machine time is spent), how many open record
// submissions an author may have, how many bytes of packs an author may upload a day, how long the
// fleet trains each seed, and which courses' validation splits only the server holds (course_rule.ts:
// ranked tracks on other courses must be safe from memorization). Stored in the contests row (config
// jsonb, max_open_submissions_per_author); changed by admins through the API, the admin
// page or `pgolf serve`'s flags, each change in the audit log. Unknown keys and bad values are refused.
import { PgolfError } from "../core/error.js";
import type { FindingKind } from "../submission/check.js";

export interface ContestConfig {
  /** Open submissions (not approved or rejected) one author may have at once. */
  max_open_submissions_per_author: number;
  /** Finding kinds (errors) that send a submission back to its author before verification. */
  screening: FindingKind[];
  /** Training minutes per seed on the fleet instead of the track's cap (rehearsals); null: the cap. */
  verify_minutes: number | null;
  /**
   * Courses whose validation split is private to the server and its fleet (never published), by
   * name: ranked submissions on them are taken whatever the course's memorization bound.
   */
  private_validation_courses: string[];
  /**
   * Bytes of record packs one account may have the server store in any 24 hours (a rolling window),
   * withdrawn, replaced and refused-later submissions included: what bounds the disk one account can
   * fill (contest_quota.ts). Admins are not held to it (they set it).
   */
  max_upload_bytes_per_author_per_day: number;
}

/** Every finding kind `pgolf check` reports, the values `screening` may list. */
export const FINDING_KINDS: readonly FindingKind[] = ["schema", "missing-file", "unsafe-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time", "implausible-score", "too-few-seeds", "not-significant", "reproduction-differs"];

/** A course name as courses and course folders are named (`sotu-sp1024`, `fineweb-sp1024`, `pgolf data build --name`). */
const COURSE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const DEFAULT_CONTEST_CONFIG: ContestConfig = {
  max_open_submissions_per_author: 3,
  // what makes a record unusable as sent; significance is judged later, on the reproduced seeds
  screening: ["schema", "missing-file", "score-mismatch", "seed-mismatch", "duplicate-log", "over-size", "over-time"],
  verify_minutes: null,
  private_validation_courses: [],
  // 1 GiB: sixteen 64 MiB packs (the largest upload), or some sixty packs of a 16 MB-cap record a day
  max_upload_bytes_per_author_per_day: 1024 ** 3,
};

/** The largest per-day upload quota an admin may set, bytes (1 PiB: above any disk, below 2^53). */
export const MAX_UPLOAD_QUOTA_BYTES = 1024 ** 5;

const KEYS = Object.keys(DEFAULT_CONTEST_CONFIG) as (keyof ContestConfig)[];

/** A change to a contest's config (some keys), checked; `from` names where it came from in errors. */
export function parseContestConfigPatch(value: unknown, from: string): Partial<ContestConfig> {
  const bad = (message: string, fix: string) => new PgolfError("CONFIG_INVALID", message, { file: from, fix });
  if (!value || typeof value !== "object" || Array.isArray(value)) throw bad("the contest config must be an object", `give some of: ${KEYS.join(", ")}`);
  const out: Partial<ContestConfig> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(KEYS as string[]).includes(k)) throw new PgolfError("CONFIG_UNKNOWN_KEY", `unknown contest config key "${k}"`, { file: from, fix: `known keys: ${KEYS.join(", ")}` });
    if (k === "max_open_submissions_per_author") {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1000) throw bad(`max_open_submissions_per_author must be an integer from 1 to 1000, got ${JSON.stringify(v)}`, "e.g. 3");
      out.max_open_submissions_per_author = v as number;
    } else if (k === "screening") {
      if (!Array.isArray(v) || v.some((x) => !FINDING_KINDS.includes(x as FindingKind))) throw bad(`screening must list finding kinds, got ${JSON.stringify(v)}`, `kinds: ${FINDING_KINDS.join(", ")}`);
      out.screening = [...new Set(v as FindingKind[])];
    } else if (k === "verify_minutes") {
      if (v !== null && (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 24 * 60)) throw bad(`verify_minutes must be null or minutes above 0 (at most a day), got ${JSON.stringify(v)}`, "null trains each seed for the track's cap");
      out.verify_minutes = v as number | null;
    } else if (k === "private_validation_courses") {
      if (!Array.isArray(v) || v.length > 100 || v.some((x) => typeof x !== "string" || !COURSE_NAME.test(x))) {
        throw bad(`private_validation_courses must list course names, got ${JSON.stringify(v)}`, 'e.g. ["fineweb-sp1024"]: courses whose validation split only this server and its fleet hold');
      }
      out.private_validation_courses = [...new Set(v as string[])];
    } else if (k === "max_upload_bytes_per_author_per_day") {
      if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > MAX_UPLOAD_QUOTA_BYTES) {
        throw bad(`max_upload_bytes_per_author_per_day must be a whole number of bytes from 1 to ${MAX_UPLOAD_QUOTA_BYTES}, got ${JSON.stringify(v)}`, `e.g. ${DEFAULT_CONTEST_CONFIG.max_upload_bytes_per_author_per_day} (1 GiB of record packs per account per 24 hours)`);
      }
      out.max_upload_bytes_per_author_per_day = v as number;
    }
  }
  return out;
}

/** The keys kept in the contests row's config jsonb (the limit has its own column). */
export const STORED_KEYS: readonly (keyof ContestConfig)[] = ["screening", "verify_minutes", "private_validation_courses", "max_upload_bytes_per_author_per_day"];

/** The stored config (the row's jsonb and its limit column) over the defaults. */
export function contestConfigOf(row: { config: unknown; max_open_submissions_per_author: number }): ContestConfig {
  const stored = row.config && typeof row.config === "object" ? (row.config as Record<string, unknown>) : {};
  const known = Object.fromEntries(Object.entries(stored).filter(([k]) => STORED_KEYS.includes(k as keyof ContestConfig)));
  return { ...DEFAULT_CONTEST_CONFIG, ...parseContestConfigPatch(known, "the contests table"), max_open_submissions_per_author: row.max_open_submissions_per_author };
}
