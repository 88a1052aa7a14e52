// The contest's audit log: every action, who did it and to what, in one append-only table
// (audit_log; never updated or deleted). Each part of the contest writes to it in the transaction of
// the change it records, so an action and its record commit or roll back together.
import type { Queryable } from "./db.js";

/** Appends one entry to the audit log, in the caller's transaction. */
export async function audit(q: Queryable, actor: string, action: string, subject: string, details: Record<string, unknown> = {}): Promise<void> {
  await q.query(`INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)`, [actor, action, subject, JSON.stringify(details)]);
}
