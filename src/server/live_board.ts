// The live leaderboard's inputs, kept up to date incrementally, and the board rebuilt from them when
// they change:
//  - the contest's approved submissions (with --data): what changed is learned from the database's
//    board version (approvals and results, Contest.boardVersion), one query; a newly approved
//    submission's record is unpacked and read once, then kept in memory. Exported trees are never
//    walked, so a record's size costs one read at approval, not one per poll.
//  - the organizers' records folder (--records): their own files, read again when its signature
//    (paths, sizes, mtimes: records_source.ts) changes, so folders dropped in appear without a restart.
// Rebuilds take turns: the timer, reviews and results may all ask at once.
import * as fs from "node:fs";
import * as path from "node:path";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { findRecords, readRecord } from "../submission/read_record.js";
import type { Contest } from "./contest.js";
import { treeSignature } from "./records_source.js";
import type { SiteCache } from "./site_cache.js";

export interface LiveBoardOptions {
  /** The organizers' records root. */
  records?: string;
  contest: Contest | null;
  /** Where approved submissions are unpacked (<data>/records). */
  approvedRoot: string | null;
}

export class LiveBoard {
  private folderSignature: string | null = null;
  private folderRecords: NormalizedRecord[] = [];
  private approved = new Map<string, NormalizedRecord>();
  private version: string | null = null;
  private running: Promise<unknown> = Promise.resolve();
  /** Approved records read from their packs since the start (each once). */
  recordsRead = 0;

  constructor(
    private readonly site: SiteCache,
    private readonly o: LiveBoardOptions,
  ) {}

  /** Rebuilds the board when its inputs changed; returns whether it did. One rebuild at a time. */
  refresh(): Promise<boolean> {
    const next = this.running.then(
      () => this.rebuild(),
      () => this.rebuild(),
    );
    this.running = next.catch(() => undefined);
    return next;
  }

  private async rebuild(): Promise<boolean> {
    let changed = this.version === null;
    if (this.o.records && fs.existsSync(this.o.records)) {
      const sig = treeSignature(this.o.records);
      if (sig !== this.folderSignature) {
        this.folderRecords = findRecords(this.o.records).map(readRecord);
        this.folderSignature = sig;
        changed = true;
      }
    }
    const c = this.o.contest;
    const version = c ? await c.verification.boardVersion() : "";
    if (c && this.o.approvedRoot && version !== this.version) {
      const approved = await c.submissions.approved();
      const ids = new Set(approved.map((a) => a.id));
      for (const id of this.approved.keys()) if (!ids.has(id)) this.approved.delete(id);
      for (const a of approved) {
        if (this.approved.has(a.id)) continue;
        const rec = readRecord(await c.submissions.exportApproved(this.o.approvedRoot, a));
        // shown on the contest's track, under the account that submitted it
        Object.assign(rec, { author: a.author, track: a.track, github_id: null });
        this.approved.set(a.id, rec);
        this.recordsRead++;
      }
      changed = true;
    }
    this.version = version;
    if (!changed) return false;
    const reproductions = c ? await c.verification.reproductions() : undefined;
    const roots = [this.o.records, this.o.approvedRoot].filter((r): r is string => !!r).map((r) => path.resolve(r));
    // the board names no server folder: records are shown by their folder within their root
    this.site.rebuild([...this.folderRecords, ...this.approved.values()], { label: this.o.contest ? "contest server" : "records", dirs: roots }, undefined, reproductions);
    return true;
  }
}
