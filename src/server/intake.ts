// The intake's heavy half, kept off the event loop and bounded: each upload is unpacked, read and
// checked in a worker thread (intake_worker.ts), at most MAX_RUNNING at once and MAX_WAITING more
// waiting; past that an upload is refused at once (503, retry later) rather than queued without end.
// So a flood of hostile uploads costs the server two threads' work, and /healthz, the leaderboard
// and every other request keep answering. Before that, an upload is admitted (admitUpload) before
// its body is read: at most MAX_ADMITTED bodies are held in memory at once (64 MiB each), and one
// account holds at most MAX_ADMITTED_PER_ACCOUNT of them (one address MAX_ADMITTED_PER_ADDRESS), so
// neither a crowd nor one account can exhaust memory or the intake; a body slower than
// MIN_UPLOAD_BYTES_PER_SECOND is cut within seconds, and its account waits before its next upload.
import { ERROR_CODES, isPgolfError, PgolfError, type ErrorCode } from "../core/error.js";
import type { CheckedRecord } from "../submission/check.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import { ByteBudget } from "./byte_budget.js";
import type { SubmissionCourse } from "./course_rule.js";
import type { FormUploadReply, FormUploadRequest } from "./form_upload_worker.js";
import { askServerThread, THREAD_EXITED } from "./server_thread.js";

/** Uploads inspected at once (the machine's 2 cores) and uploads allowed to wait for a turn. */
export const MAX_RUNNING = 2;
export const MAX_WAITING = 16;

/** Uploads whose bodies may be read, wait or be checked at once: a turn or a place in line for each. */
export const MAX_ADMITTED = MAX_RUNNING + MAX_WAITING;
/** Uploads one account may have admitted at once. */
export const MAX_ADMITTED_PER_ACCOUNT = 2;
/**
 * Uploads one address may have admitted at once, whatever the accounts (connection_guard.ts counts
 * addresses): one address cannot hold the intake's 18 places with many accounts, while a class
 * behind one NAT address still uploads 8 at a time (the CLI retries the 503s).
 */
export const MAX_ADMITTED_PER_ADDRESS = 8;
/**
 * The slowest an upload's body may arrive once 5 s have passed, bytes/s on average: a body trickled
 * to hold an admission slot is cut within seconds, not at the 30 s request timeout. (A blind attack
 * kept all 18 slots with 9 accounts sending a byte a second, re-opening each slot as it was cut: an
 * honest participant got 0 of 50 uploads in over 100 s.) 64 KiB/s is a slow phone line.
 */
export const MIN_UPLOAD_BYTES_PER_SECOND = 64 * 1024;
/**
 * The rate all upload bodies together are read at, bytes/s (byte_budget.ts): reading is the event
 * loop's work (84-126 ms per 64 MiB on AMD EPYC Zen 5), so this bounds the loop's share a flood of
 * uploads can take to ~15%. Each of the 18 admitted uploads still gets 3.5 MiB/s, far above
 * MIN_UPLOAD_BYTES_PER_SECOND; a lone 16 MB pack is read in a quarter of a second.
 */
export const UPLOAD_BYTES_PER_SECOND = 64 * 1024 * 1024;
export const UPLOAD_READING = new ByteBudget(UPLOAD_BYTES_PER_SECOND, 8 * 1024 * 1024);

/**
 * An account whose upload was cut (too slow) or dropped mid-body waits before its next upload:
 * 30 s after the first, doubling with each further one within an hour, at most 15 minutes. So
 * re-grabbing the slots costs an attacker its accounts' time, and an honest flaky upload 30 s.
 */
export const STRIKE_COOLDOWN_MS = 30_000;
const MAX_COOLDOWN_MS = 15 * 60_000;
const STRIKES_FORGOTTEN_MS = 60 * 60_000;

let admitted = 0;
const admittedBy = new Map<string, number>();
const admittedFrom = new Map<string, number>();
/** Accounts with cut uploads: how many in the last hour, and until when the next one is refused (performance.now() ms). */
const strikes = new Map<string, { count: number; until: number; last: number }>();

/** HTTP_BUSY when the intake has no room: asked before anything else of an upload (its token's lookup too), so a refused flood costs no database work. */
export function refuseWhenFull(): void {
  if (admitted >= MAX_ADMITTED) {
    throw new PgolfError("HTTP_BUSY", `the server is taking ${admitted} uploads, its limit`, { fix: "retry in a few seconds (uploads are idempotent)" });
  }
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

/** Records a cut upload against the account: its next upload waits (STRIKE_COOLDOWN_MS, doubling). */
function strike(account: string): void {
  const now = performance.now();
  const prior = strikes.get(account);
  const count = prior && now - prior.last < STRIKES_FORGOTTEN_MS ? prior.count + 1 : 1;
  strikes.set(account, { count, until: now + Math.min(MAX_COOLDOWN_MS, STRIKE_COOLDOWN_MS * 2 ** (count - 1)), last: now });
  // the map holds only accounts struck within the hour
  for (const [k, v] of strikes) if (now - v.last >= STRIKES_FORGOTTEN_MS) strikes.delete(k);
}

/**
 * Runs an upload's intake (reading its body, then submitting it) in an admission slot. Refused at
 * once, before any of the body is read: HTTP_BUSY when MAX_ADMITTED uploads are in, or the account
 * has MAX_ADMITTED_PER_ACCOUNT, or the address MAX_ADMITTED_PER_ADDRESS; HTTP_RATE_LIMITED (with
 * when to retry) while the account waits out a cut upload. The slot is freed however `fn` ends (a
 * dropped connection too); `fn` ending in HTTP_SLOW_BODY or HTTP_BODY_INCOMPLETE strikes the account.
 */
export async function admitUpload<T>(who: { account: string; address: string }, fn: () => Promise<T>): Promise<T> {
  const { account, address } = who;
  const struck = strikes.get(account);
  const now = performance.now();
  if (struck && now < struck.until) {
    const wait = (struck.until - now) / 1000;
    throw new PgolfError("HTTP_RATE_LIMITED", `${account}'s last upload was cut off (${struck.count} in the last hour); its next may start in ${Math.ceil(wait)} s`, {
      fix: `retry after ${Math.ceil(wait)} s, and send the whole body at ${MIN_UPLOAD_BYTES_PER_SECOND / 1024} KiB/s or faster`,
      details: { retry_after_seconds: Math.ceil(wait) },
    });
  }
  const mine = admittedBy.get(account) ?? 0;
  if (mine >= MAX_ADMITTED_PER_ACCOUNT) {
    throw new PgolfError("HTTP_BUSY", `${account} already has ${mine} uploads in progress`, { fix: "wait for them to be answered, then upload again" });
  }
  const here = admittedFrom.get(address) ?? 0;
  if (here >= MAX_ADMITTED_PER_ADDRESS) {
    throw new PgolfError("HTTP_BUSY", `this address already has ${here} uploads in progress`, { fix: "wait for them to be answered, then upload again" });
  }
  refuseWhenFull();
  admitted++;
  bump(admittedBy, account, 1);
  bump(admittedFrom, address, 1);
  try {
    return await fn();
  } catch (e) {
    if (isPgolfError(e) && (e.code === "HTTP_SLOW_BODY" || e.code === "HTTP_BODY_INCOMPLETE")) strike(account);
    throw e;
  } finally {
    admitted--;
    bump(admittedBy, account, -1);
    bump(admittedFrom, address, -1);
  }
}

export interface InspectRequest {
  pack: Uint8Array;
  track: string;
}

/** What the worker found. */
export type InspectOutcome =
  | { ok: true; record: NormalizedRecord; checked: CheckedRecord; course: SubmissionCourse | null }
  | { ok: false; error: { code: string; message: string; file: string | null; fix: string | null } };

/** The worker's answer, with the pack it was sent, handed back (transferred, not copied). */
export type InspectReply = { pack: Uint8Array } & InspectOutcome;

let running = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) {
      throw new PgolfError("HTTP_BUSY", `the server is checking ${running} uploads with ${waiting.length} more waiting`, { fix: "retry in a few seconds (uploads are idempotent)" });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** A thread's refusal, as the PgolfError it was (an unknown code: the upload's table is not valid). */
function refusalOf(error: { code: string; message: string; file: string | null; fix: string | null }, fallback: ErrorCode): PgolfError {
  const code = error.code in ERROR_CODES ? (error.code as ErrorCode) : fallback;
  return new PgolfError(code, error.message, { file: error.file ?? undefined, fix: error.fix ?? undefined });
}

/**
 * An upload sent as JSON ({files: [{path, base64}]}, the submit page's) decoded, checked against its
 * schema and packed, in a worker thread within the intake's bounds (form_upload_worker.ts). The body's
 * memory moves to the thread (the caller's `body` is detached); the pack comes back with its sha256.
 */
export async function decodeFormUpload(body: Buffer): Promise<{ pack: Buffer; sha256: string }> {
  const done = await turn();
  try {
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? new Uint8Array(body.buffer) : new Uint8Array(body);
    let reply: FormUploadReply;
    try {
      reply = await askServerThread<FormUploadRequest, FormUploadReply>("form_upload_worker", { body: own }, [own.buffer as ArrayBuffer], "the form upload");
    } catch (e) {
      if ((e as { code?: unknown }).code === THREAD_EXITED) throw new PgolfError("HTTP_BAD_REQUEST", "the upload could not be read (its decoding ended before it answered)", { fix: "try again" });
      throw e;
    }
    if (!reply.ok) throw refusalOf(reply.error, "HTTP_BAD_REQUEST");
    return { pack: Buffer.from(reply.pack.buffer, reply.pack.byteOffset, reply.pack.byteLength), sha256: reply.sha256 };
  } finally {
    done();
  }
}

/**
 * Unpacks, reads and checks a record pack in a worker thread, within the intake's bounds. The pack's
 * memory moves to the thread and back (transferred: a 64 MiB pack is never copied on the event loop),
 * so with `handOver` the caller's `pack` is detached and the pack comes back in the answer; without
 * it, a copy moves (the caller keeps its buffer).
 */
export async function inspectPack(pack: Uint8Array, track: string, handOver = false): Promise<{ pack: Buffer; record: NormalizedRecord; checked: CheckedRecord; course: SubmissionCourse | null }> {
  const done = await turn();
  try {
    // a pack not handed over, or that shares its memory (a slice of a larger buffer), is copied once, to be moved whole
    const own = handOver && pack.byteOffset === 0 && pack.byteLength === pack.buffer.byteLength && pack.buffer instanceof ArrayBuffer ? pack : new Uint8Array(pack);
    let reply: InspectReply;
    try {
      reply = await askServerThread<InspectRequest, InspectReply>("intake_worker", { pack: own, track }, [own.buffer as ArrayBuffer], "the intake");
    } catch (e) {
      if ((e as { code?: unknown }).code === THREAD_EXITED) throw new PgolfError("ARTIFACT_TABLE", `the intake's worker ended before it answered`, { fix: "try again" });
      throw e;
    }
    if (!reply.ok) throw refusalOf(reply.error, "ARTIFACT_TABLE");
    return { pack: Buffer.from(reply.pack.buffer, reply.pack.byteOffset, reply.pack.byteLength), record: reply.record, checked: reply.checked, course: reply.course };
  } finally {
    done();
  }
}
