// The course rule of a contest, applied at intake: a submission on a ranked track (one with a
// training cap) must be on a course whose validation split an entry cannot carry, i.e. whose
// memorization bound is above the track's byte cap (data/course_safety.ts), unless an admin declared
// the course's validation split private to the server (contest_config.ts,
// private_validation_courses). Otherwise the submission is refused with a stable code, before
// anything is stored.
//
// The server measures the bound itself, on its own copy of the course in its course folder
// (`<data>/courses` by default, laid out as workers prepare theirs): a course built offline from an
// npm corpus (sotu-sp1024) is built there on first need; a downloaded course (fineweb-sp1024) is put
// there by the admin (`pgolf data fetch --dir <data>/courses`). The copy must be the course the
// record was scored on (same manifest sha256). Each bound is measured once per manifest, from files
// checked against it, and kept for the server's life. Where the server has no matching copy, it
// cannot tell, and refuses (fails closed) rather than rank a course that may be memorizable.
// Original-format records name no course: they were scored on the original contest's FineWeb
// validation split, checked here as fineweb-sp1024.
import * as fs from "node:fs";
import * as path from "node:path";
import { ERROR_CODES, isPgolfError, PgolfError, type ErrorCode } from "../core/error.js";
import { readJsonFile } from "../core/json.js";
import type { Track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { COURSES } from "../data/courses.js";
import { trackVerdicts, type CourseSafety, type TrackSafety } from "../data/course_safety.js";
import { MANIFEST_NAME } from "../data/manifest.js";
import type { CourseWorkReply, CourseWorkRequest } from "./course_worker.js";
import { askServerThread } from "./server_thread.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";

/** The course original-format records were scored on (the original contest's FineWeb validation split). */
export const ORIGINAL_CONTEST_COURSE = "fineweb-sp1024";

export interface SubmissionCourse {
  name: string;
  /** The manifest the record was scored on (pgolf records); null when the record does not say. */
  manifest_sha256: string | null;
}

/** The course a record was scored on: a pgolf record's submission.json `course`, else the original contest's. */
export function submissionCourse(r: NormalizedRecord): SubmissionCourse | null {
  if (r.format !== "pgolf") return { name: ORIGINAL_CONTEST_COURSE, manifest_sha256: null };
  try {
    const sub = readJsonFile<{ course?: { name?: unknown; manifest_sha256?: unknown } }>(path.join(r.dir, r.claims.file ?? "submission.json"), "submission.json");
    const c = sub.course;
    if (!c || typeof c.name !== "string") return null;
    return { name: c.name, manifest_sha256: typeof c.manifest_sha256 === "string" ? c.manifest_sha256 : null };
  } catch {
    return null; // an unreadable submission.json is a schema finding already
  }
}

/** A course's build or measurement, in a worker thread (course_worker.ts); its error as the PgolfError it was. */
async function courseWork(req: CourseWorkRequest): Promise<CourseSafety | null> {
  const reply = await askServerThread<CourseWorkRequest, CourseWorkReply>("course_worker", req, [], `the course rule's ${req.op}`);
  if (reply.ok) return reply.safety;
  if (!(reply.error.code in ERROR_CODES)) throw new Error(`the course rule's ${req.op}: ${reply.error.message}`);
  throw new PgolfError(reply.error.code as ErrorCode, reply.error.message, { file: reply.error.file ?? undefined, fix: reply.error.fix ?? undefined });
}

/** The server's copies of courses, and the safety of each, measured once per manifest (both in a worker thread). */
export class CourseBounds {
  private readonly measured = new Map<string, Promise<CourseSafety>>();
  private readonly building = new Map<string, Promise<unknown>>();

  /** `dir` holds one folder per course, named after it. */
  constructor(readonly dir: string) {}

  /** The safety of the server's copy of the course, or why the server has none to measure. */
  async lookup(c: SubmissionCourse): Promise<{ safety: CourseSafety } | { missing: string }> {
    try {
      return await this.measure(c);
    } catch (e) {
      // a copy that does not open or verify is no copy: the rule fails closed, naming why
      if (isPgolfError(e) && /^(COURSE_|SHARD_|TOKENIZER_|FILE_)/.test(e.code)) return { missing: `the server's copy of ${c.name} is not usable (PGOLF_${e.code}: ${e.message})` };
      throw e;
    }
  }

  private async measure(c: SubmissionCourse): Promise<{ safety: CourseSafety } | { missing: string }> {
    const courseDir = path.join(this.dir, c.name);
    if (!fs.existsSync(path.join(courseDir, MANIFEST_NAME))) {
      if (COURSES[c.name]?.kind !== "built") return { missing: `the server holds no copy of ${c.name} in its course folder` };
      // built offline and byte-identically from an npm dependency, as workers build it
      // (in a worker thread: the build takes seconds of CPU the event loop must not give)
      let b = this.building.get(c.name);
      if (!b) {
        b = courseWork({ op: "prepare", dir: this.dir, course: c.name }).finally(() => this.building.delete(c.name));
        this.building.set(c.name, b);
      }
      await b;
    }
    const course = openCourse(courseDir);
    if (c.manifest_sha256 !== null && course.manifestSha256 !== c.manifest_sha256) {
      return { missing: `the server's ${c.name} (manifest sha256 ${course.manifestSha256.slice(0, 12)}…) is not the course the record was scored on (${c.manifest_sha256.slice(0, 12)}…)` };
    }
    let p = this.measured.get(course.manifestSha256);
    if (!p) {
      p = courseWork({ op: "measure", courseDir }).then((safety) => safety!);
      this.measured.set(course.manifestSha256, p);
      p.catch(() => this.measured.delete(course.manifestSha256)); // a failed measurement is tried again next time
    }
    return { safety: await p };
  }
}

export type CourseRuleOutcome =
  | { course: string | null; allowed: "unranked" }
  | { course: string; allowed: "private" }
  | { course: string; allowed: "safe"; verdict: TrackSafety };

/**
 * Applies the rule to a submission on `track`; returns why it may enter, or throws
 * CONTEST_PRACTICE_COURSE (the bound is within the cap) or CONTEST_COURSE_UNMEASURED (no copy to
 * measure, or no course named). `bounds` null: the server keeps no course copies.
 */
export async function checkCourseRule(o: { track: Track; course: SubmissionCourse | null; privateCourses: readonly string[]; bounds: CourseBounds | null }): Promise<CourseRuleOutcome> {
  if (o.track.trainSeconds === null) return { course: o.course?.name ?? null, allowed: "unranked" };
  const declare = `an admin lists the course in private_validation_courses (PATCH /api/admin/contest) only if its validation split is held by this server and its fleet alone`;
  if (!o.course) {
    throw new PgolfError("CONTEST_COURSE_UNMEASURED", `the record names no course, so the server cannot tell whether ${o.track.name}, a ranked track, can be played on it`, {
      file: "submission.json",
      fix: "submit a record written by `pgolf submit` (its submission.json names the course and its manifest sha256)",
    });
  }
  const name = o.course.name;
  if (o.privateCourses.includes(name)) return { course: name, allowed: "private" };
  const found = o.bounds ? await o.bounds.lookup(o.course) : { missing: "the server keeps no course folder" };
  if ("missing" in found) {
    throw new PgolfError("CONTEST_COURSE_UNMEASURED", `${name} cannot be checked for ranked play on ${o.track.name}: ${found.missing}, so its memorization bound is unknown`, {
      fix: `an organizer puts the course in the server's course folder (\`pgolf serve --courses DIR\`, default <data>/courses: \`pgolf data prepare\` or \`pgolf data fetch\` with --dir DIR), or ${declare}`,
      details: { course: o.course, track: o.track.name, reason: found.missing },
    });
  }
  // judged on the contest's own track (its cap), from the bound measured once per course
  const v = trackVerdicts(found.safety.bound, [o.track])[0];
  if (!v.safe) {
    const b = found.safety.bound;
    const best = b.sizes.filter((s) => s.complete && s.bytes === b.bound.bytes)[0];
    throw new PgolfError(
      "CONTEST_PRACTICE_COURSE",
      `${name} is a practice course on ${o.track.name}: its validation split compresses to ${v.bound_bytes.toLocaleString("en-US")} bytes${best ? ` (${best.codec} over the ${best.input})` : ""}, within the track's ${v.cap_bytes.toLocaleString("en-US")}-byte cap, so an entry could carry it and score near 0`,
      {
        fix: `play ${name} on the non-record track, or play ${o.track.name} on a course whose memorization bound is above ${v.cap_bytes.toLocaleString("en-US")} bytes (\`pgolf data verify\` measures it); ${declare}`,
        details: { course: name, manifest_sha256: found.safety.manifest_sha256, track: o.track.name, cap_bytes: v.cap_bytes, bound_bytes: v.bound_bytes },
      },
    );
  }
  return { course: name, allowed: "safe", verdict: v };
}
