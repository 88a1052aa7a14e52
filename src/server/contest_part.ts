// What every part of the contest (accounts, submissions, verification, fleet) reads: the contest's
// database, its blob store, its id, and the verification queue and course copies the server attaches
// after opening it. The parts reach each other through the contest (contest.ts).
import type { BlobStore } from "./blob_store.js";
import type { Contest } from "./contest.js";
import type { CourseBounds } from "./course_rule.js";
import type { Db } from "./db.js";
import type { JobQueue } from "./queue.js";

export abstract class ContestPart {
  constructor(protected readonly contest: Contest) {}

  protected get db(): Db {
    return this.contest.db;
  }

  protected get blobs(): BlobStore {
    return this.contest.blobs;
  }

  protected get contestId(): string {
    return this.contest.contestId;
  }

  protected get jobs(): JobQueue | null {
    return this.contest.jobs;
  }

  protected get courses(): CourseBounds | null {
    return this.contest.courses;
  }
}
