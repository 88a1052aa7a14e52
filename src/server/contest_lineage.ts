// The contest's lineage part: every submission is attributed, right after its intake commits,
// against every earlier submission of the contest (pgolf lineage's analysis, incremental), in a
// long-lived worker thread that owns the fingerprint index (lineage_worker.ts). The result is kept
// (submission_lineage, append-only, timestamped); reviewers see the evidence side by side and may
// accept a suggested credit (submission_credits, and the audit log: who accepted it).
//
// The index is a cache of what the stored packs hold: at start, catchUp() re-indexes from their
// packs the submissions it lacks (a crash since its last save, an older server) and analyses those
// never analysed. Analyses run one at a time in commit order, so each sees all earlier ones.
//
// Who sees what: the evidence quotes the earlier submission's code, which only its author and the
// reviewers may read, so lineage is for reviewers and admins only.
import type { Worker } from "node:worker_threads";
import { PgolfError } from "../core/error.js";
import type { SubmissionLineage } from "../lineage/attribute.js";
import type { User } from "./contest_accounts.js";
import { audit } from "./contest_audit.js";
import { ContestPart } from "./contest_part.js";
import type { LineageReply, LineageRequest } from "./lineage_worker.js";
import { startServerThread } from "./server_thread.js";

export interface AcceptedCredit {
  source: string;
  credit: string;
  accepted_by: string;
  created_at: string;
}

export interface LineageView {
  /** pending: not analysed yet (its analysis is queued, or its pack is gone). */
  status: "done" | "pending";
  lineage: SubmissionLineage | null;
  credits: AcceptedCredit[];
}

type Pending = { resolve: (r: LineageReply) => void; reject: (e: Error) => void };

export class ContestLineage extends ContestPart {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<void> = Promise.resolve();
  /** Analyses that failed (their submission stays pending), for the server's log and tests. */
  readonly failures: { id: string; error: string }[] = [];

  /** The index and the analysed code: `<data>/lineage` on a server, else beside the blob store's folder. */
  get dir(): string {
    return this.contest.lineageDir ?? `${this.blobs.dir}-lineage`;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startServerThread("lineage_worker");
    w.on("message", (r: LineageReply) => {
      const p = this.pending.get(r.seq);
      this.pending.delete(r.seq);
      p?.resolve(r);
    });
    const fail = (e: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`the lineage thread ended (code ${code})`)));
    // unref'd after the listeners: adding a "message" listener refs the thread's port again, and a
    // process whose contest was never closed (a test, a script) would then never exit
    w.unref();
    this.worker = w;
    return w;
  }

  private ask(req: Omit<LineageRequest, "seq" | "dir"> & Partial<LineageRequest>, transfer: ArrayBuffer[] = []): Promise<LineageReply & { ok: true }> {
    const seq = ++this.seq;
    return new Promise<LineageReply>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.thread().postMessage({ ...req, seq, dir: this.dir }, transfer);
    }).then((r) => {
      if (!r.ok) throw new PgolfError("LINEAGE_INDEX", `lineage analysis failed: ${r.error.message}`, { fix: "see the server's log; the submission stays pending and is analysed again at the next start" });
      return r;
    });
  }

  /** Queues the analysis of a submission that just committed (not awaited by the intake). */
  analyze(id: string): void {
    this.enqueue(id, true);
  }

  private enqueue(id: string, analyse: boolean): void {
    this.queue = this.queue.then(() =>
      this.run(id, analyse).catch((e: unknown) => {
        this.failures.push({ id, error: (e as Error).message });
      }),
    );
  }

  /** Resolves when every queued analysis has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(id: string, analyse: boolean): Promise<void> {
    if (this.closing) return; // left for the next start's catchUp
    const row = (
      await this.db.query<{ id: string; created_at: unknown; record_blob: string; claimed: unknown; handle: string; github_pr: number | null; analysed: boolean }>(
        `SELECT s.id, s.created_at, s.record_blob, s.claimed, u.handle, s.github_pr, EXISTS (SELECT 1 FROM submission_lineage l WHERE l.submission_id = s.id) AS analysed
           FROM submissions s JOIN users u ON u.id = s.author_id WHERE s.id = $1 AND s.contest_id = $2`,
        [id, this.contestId],
      )
    ).rows[0];
    if (!row) return;
    if (row.analysed) analyse = false;
    if (!(await this.blobs.has(row.record_blob))) return; // collected (withdrawn or replaced): nothing to read
    const pack = await this.blobs.get(row.record_blob);
    const own = pack.byteOffset === 0 && pack.byteLength === pack.buffer.byteLength ? pack : new Uint8Array(pack);
    const claimed = (row.claimed && typeof row.claimed === "object" ? row.claimed : {}) as { name?: unknown };
    const reply = await this.ask(
      { op: "add", id, author: row.handle, date: new Date(String(row.created_at)).toISOString(), name: typeof claimed.name === "string" ? claimed.name : id, pr: row.github_pr, pack: own, analyse },
      [own.buffer as ArrayBuffer],
    );
    const lineage = reply.lineage;
    if (!analyse || !lineage) return;
    // the row is the record of the analysis (append-only, timestamped): the audit log keeps people's actions
    const warnings = lineage.findings.filter((f) => f.severity !== "info");
    await this.db.query(`INSERT INTO submission_lineage (submission_id, lineage, findings) VALUES ($1, $2, $3) ON CONFLICT (submission_id) DO NOTHING`, [id, JSON.stringify(lineage), warnings.length]);
  }

  /**
   * At start: indexes the contest's submissions the index lacks (from their packs, oldest first)
   * and analyses those never analysed. Queued before anything else, so an upload that arrives
   * meanwhile is analysed after, against all of them. idle() waits for it.
   */
  catchUp(): Promise<void> {
    this.queue = this.queue.then(async () => {
      const known = new Set((await this.ask({ op: "ids" })).ids ?? []);
      const rows = (
        await this.db.query<{ id: string; analysed: boolean }>(
          `SELECT s.id, EXISTS (SELECT 1 FROM submission_lineage l WHERE l.submission_id = s.id) AS analysed FROM submissions s WHERE s.contest_id = $1 ORDER BY s.created_at, s.id`,
          [this.contestId],
        )
      ).rows;
      for (const r of rows) {
        if (known.has(r.id) && r.analysed) continue;
        await this.run(r.id, !r.analysed).catch((e: unknown) => {
          this.failures.push({ id: r.id, error: (e as Error).message });
        });
      }
    }).catch((e: unknown) => {
      this.failures.push({ id: "(catch-up)", error: (e as Error).message }); // the queue goes on
    });
    return this.queue;
  }

  /** A submission's lineage and accepted credits (reviewers and admins). */
  async view(user: User, id: string): Promise<LineageView> {
    this.contest.accounts.requireRole(user, ["reviewer", "admin"]);
    await this.contest.submissions.get(id);
    const l = (await this.db.query<{ lineage: SubmissionLineage }>(`SELECT lineage FROM submission_lineage WHERE submission_id = $1`, [id])).rows[0];
    return { status: l ? "done" : "pending", lineage: l?.lineage ?? null, credits: await this.credits(id) };
  }

  private async credits(id: string): Promise<AcceptedCredit[]> {
    const r = await this.db.query<{ source: string; credit: string; accepted_by: string; created_at: unknown }>(`SELECT source, credit, accepted_by, created_at FROM submission_credits WHERE submission_id = $1 ORDER BY id`, [id]);
    return r.rows.map((x) => ({ source: x.source, credit: x.credit, accepted_by: x.accepted_by, created_at: new Date(String(x.created_at)).toISOString() }));
  }

  /**
   * A reviewer accepts the credit the analysis suggested for `source` (a credit-suggested or
   * uncredited-reuse finding of the submission names it): recorded once, audited. Accepting it
   * again is `repeated`.
   */
  async acceptCredit(user: User, id: string, source: string): Promise<LineageView & { repeated: boolean }> {
    this.contest.accounts.requireRole(user, ["reviewer", "admin"]);
    await this.contest.submissions.get(id);
    const repeated = await this.db.transaction(async (tx) => {
      const l = (await tx.query<{ lineage: SubmissionLineage }>(`SELECT lineage FROM submission_lineage WHERE submission_id = $1`, [id])).rows[0];
      if (!l) throw new PgolfError("HTTP_CONFLICT", `submission ${id} has not been analysed yet`, { fix: "wait for its lineage (GET /api/submissions/:id/lineage says done)" });
      const finding = l.lineage.findings.find((f) => f.source === source && (f.kind === "credit-suggested" || f.kind === "uncredited-reuse"));
      if (!finding) throw new PgolfError("HTTP_BAD_REQUEST", `submission ${id} has no credit finding naming ${source}`, { fix: "accept one of the sources its lineage suggests" });
      const credit = l.lineage.findings.find((f) => f.source === source && f.credit)?.credit ?? `Builds on submission ${source}`;
      const r = await tx.query(`INSERT INTO submission_credits (submission_id, source, credit, accepted_by) VALUES ($1, $2, $3, $4) ON CONFLICT (submission_id, source) DO NOTHING RETURNING id`, [id, source, credit, user.handle]);
      if (r.rows.length === 0) return true;
      await audit(tx, user.handle, "submission.credit-accept", `submission:${id}`, { source, credit, finding: finding.kind });
      return false;
    });
    return { ...(await this.view(user, id)), repeated };
  }

  private closing = false;

  /** Saves the index and ends the thread (the server's close); queued analyses wait for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue;
    if (!this.worker) return;
    await this.ask({ op: "save" }).catch(() => undefined);
    await this.worker?.terminate();
    this.worker = null;
  }
}
