// Removes from the blob store (blob_store.ts) the record packs no submission needs any more, off the
// request path. A pack is needed while a submission that is neither withdrawn nor replaced names it:
// submissions.record_blob is the only column that names a blob (results name artifacts by sha256,
// never stored here; an approved record is unpacked under <data>/records for its pages, and stays
// approved). So a withdrawn or replaced submission's pack goes once no open, decided or approved
// submission of the same bytes remains; the row keeps its sha256 (record_blob, never changed:
// migration 5) and its audit trail says when the pack went ("submission.pack-collected"). Rejected
// submissions keep theirs (a reviewer's decision can be looked at again).
//
// Two ways in: `release(keys)` after a withdrawal or a replacement (just those keys, checked in the
// background one batch at a time: a request never waits for the disk), and `sweep()` at start and
// every SWEEP_INTERVAL_MS (one async walk of the store: the blobs of intakes that stored a pack and
// died before their row committed, and any release a restart cut short). An intake in flight is
// safe both ways: it holds its key in the store while it stores the pack and commits its row
// (BlobStore.hold), and the sweep leaves blobs younger than SWEEP_GRACE_MS.
import { PgolfError } from "../core/error.js";
import type { BlobStore } from "./blob_store.js";
import { audit } from "./contest_audit.js";
import type { Queryable } from "./db.js";

/** Statuses whose submissions no longer need their pack. */
export const CLOSED_STATUSES = ["withdrawn", "replaced"] as const;
/** Blobs no row names are left this long after they were written (ms): an intake elsewhere may be about to name one. */
export const SWEEP_GRACE_MS = 3_600_000;
/** How often the whole store is swept (ms). */
export const SWEEP_INTERVAL_MS = 6 * 3_600_000;

export class BlobCollector {
  private readonly pending = new Set<string>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes and blobs this collector removed since it was made (for logs and tests). */
  readonly removed = { blobs: 0, bytes: 0 };

  constructor(
    private readonly db: Queryable,
    private readonly blobs: BlobStore,
    /** Where a failed collection is told (it is retried by the next sweep). */
    private readonly onError: (e: unknown) => void = (e) => process.stderr.write(`pgolf serve: blob collection failed: ${(e as Error)?.message ?? String(e)}\n`),
  ) {}

  /** Keys whose last open submission may just have closed: removed soon, in the background, if nothing needs them. */
  release(keys: readonly string[]): void {
    for (const k of keys) this.pending.add(k);
    this.kick(() => this.drain());
  }

  /** One walk of the whole store now, in the background (after any collection under way). */
  sweepSoon(minAgeMs = SWEEP_GRACE_MS): void {
    this.kick(async () => {
      await this.drain();
      await this.record(await this.blobs.collect((keys) => this.live(keys), minAgeMs));
    });
  }

  /** Sweeps now and every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs = SWEEP_INTERVAL_MS): void {
    this.sweepSoon();
    this.timer ??= setInterval(() => this.sweepSoon(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for the collection under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  /** Resolves when nothing is being collected and nothing waits to be. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Runs `work` after what runs now (one collection at a time); its failure is told to onError. */
  private kick(work: () => Promise<void>): void {
    const prev = this.running ?? Promise.resolve();
    const next: Promise<void> = prev
      .then(work)
      .catch((e: unknown) => this.onError(e))
      .finally(() => {
        if (this.running === next) this.running = null;
      });
    this.running = next;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const keys = [...this.pending];
      this.pending.clear();
      // no age: these packs' rows committed long before they closed; intakes in flight hold theirs
      await this.record(await this.blobs.discard(keys, (k) => this.live(k), 0));
    }
  }

  /** Of `keys`, those a submission that is neither withdrawn nor replaced names. */
  private async live(keys: string[]): Promise<Set<string>> {
    const r = await this.db.query<{ record_blob: string }>(`SELECT DISTINCT record_blob FROM submissions WHERE record_blob = ANY($1::text[]) AND status <> ALL($2::text[])`, [keys, [...CLOSED_STATUSES]]);
    return new Set(r.rows.map((x) => x.record_blob));
  }

  /** Audits each removed pack on the submissions that named it. */
  private async record(gone: { keys: string[]; bytes: number }): Promise<void> {
    this.removed.blobs += gone.keys.length;
    this.removed.bytes += gone.bytes;
    if (gone.keys.length === 0) return;
    const named = await this.db.query<{ id: string; record_blob: string }>(`SELECT id, record_blob FROM submissions WHERE record_blob = ANY($1::text[]) ORDER BY created_at, id`, [gone.keys]);
    for (const row of named.rows) {
      await audit(this.db, "system", "submission.pack-collected", `submission:${row.id}`, { blob: row.record_blob, reason: "no open, decided or approved submission names it" });
    }
  }
}

/** HTTP_GONE for a closed submission whose pack was collected: its row and audit trail stay. */
export function packGone(id: string, status: string, blob: string): PgolfError {
  return new PgolfError("HTTP_GONE", `submission ${id} was ${status} and its record pack (sha256 ${blob}) has been removed from the store; its record and audit trail stay`, {
    fix: "GET /api/submissions/:id and its /audit still answer; to see the files again, submit the record anew",
  });
}
