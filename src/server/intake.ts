// The intake's heavy half, kept off the event loop and bounded: each upload is unpacked, read and
// checked in a worker thread (intake_worker.ts), at most MAX_RUNNING at once and MAX_WAITING more
// waiting; past that an upload is refused at once (503, retry later) rather than queued without end.
// So a flood of hostile uploads costs the server two threads' work, and /healthz, the leaderboard
// and every other request keep answering. Before that, an upload is admitted (admitUpload) before
// its body is read: at most MAX_ADMITTED bodies are held in memory at once (64 MiB each), and one
// account holds at most MAX_ADMITTED_PER_ACCOUNT of them, so neither a crowd nor one account
// trickling bodies up to the server's 30 s request timeout can exhaust memory or the intake.
import { Worker } from "node:worker_threads";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import type { CheckedRecord } from "../submission/check.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import type { SubmissionCourse } from "./course_rule.js";

/** Uploads inspected at once (the machine's 2 cores) and uploads allowed to wait for a turn. */
export const MAX_RUNNING = 2;
export const MAX_WAITING = 16;

/** Uploads whose bodies may be read, wait or be checked at once: a turn or a place in line for each. */
export const MAX_ADMITTED = MAX_RUNNING + MAX_WAITING;
/** Uploads one account may have admitted at once. */
export const MAX_ADMITTED_PER_ACCOUNT = 2;

let admitted = 0;
const admittedBy = new Map<string, number>();

/**
 * Runs an upload's intake (reading its body, then submitting it) in an admission slot: HTTP_BUSY at
 * once, before any of the body is read, when MAX_ADMITTED uploads are in, or the account already
 * has MAX_ADMITTED_PER_ACCOUNT. The slot is freed however `fn` ends (a dropped connection too).
 */
/** HTTP_BUSY when the intake has no room: asked before anything else of an upload (its token's lookup too), so a refused flood costs no database work. */
export function refuseWhenFull(): void {
  if (admitted >= MAX_ADMITTED) {
    throw new PgolfError("HTTP_BUSY", `the server is taking ${admitted} uploads, its limit`, { fix: "retry in a few seconds (uploads are idempotent)" });
  }
}

export async function admitUpload<T>(account: string, fn: () => Promise<T>): Promise<T> {
  const mine = admittedBy.get(account) ?? 0;
  if (mine >= MAX_ADMITTED_PER_ACCOUNT) {
    throw new PgolfError("HTTP_BUSY", `${account} already has ${mine} uploads in progress`, { fix: "wait for them to be answered, then upload again" });
  }
  refuseWhenFull();
  admitted++;
  admittedBy.set(account, mine + 1);
  try {
    return await fn();
  } finally {
    admitted--;
    const left = (admittedBy.get(account) ?? 1) - 1;
    if (left > 0) admittedBy.set(account, left);
    else admittedBy.delete(account);
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

const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** The intake's worker thread: the built script, or (run from TypeScript: tests, benchmarks) a bootstrap that registers tsx in the thread first. */
function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(new URL("./intake_worker.js", import.meta.url));
  const script = new URL("./intake_worker.ts", import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then((m) => m.register()).then(() => import(${JSON.stringify(script)}));`, { eval: true });
}

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

/**
 * Unpacks, reads and checks a record pack in a worker thread, within the intake's bounds. The pack's
 * memory moves to the thread and back (transferred: a 64 MiB pack is never copied on the event loop),
 * so with `handOver` the caller's `pack` is detached and the pack comes back in the answer; without
 * it, a copy moves (the caller keeps its buffer).
 */
export async function inspectPack(pack: Uint8Array, track: string, handOver = false): Promise<{ pack: Buffer; record: NormalizedRecord; checked: CheckedRecord; course: SubmissionCourse | null }> {
  const done = await turn();
  const worker = startWorker();
  try {
    // a pack not handed over, or that shares its memory (a slice of a larger buffer), is copied once, to be moved whole
    const own = handOver && pack.byteOffset === 0 && pack.byteLength === pack.buffer.byteLength && pack.buffer instanceof ArrayBuffer ? pack : new Uint8Array(pack);
    const reply = await new Promise<InspectReply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new PgolfError("ARTIFACT_TABLE", `the intake's worker ended (code ${code}) before it answered`, { fix: "try again" })));
      worker.postMessage({ pack: own, track } satisfies InspectRequest, [own.buffer as ArrayBuffer]);
    });
    if (!reply.ok) {
      const code = reply.error.code in ERROR_CODES ? (reply.error.code as ErrorCode) : "ARTIFACT_TABLE";
      throw new PgolfError(code, reply.error.message, { file: reply.error.file ?? undefined, fix: reply.error.fix ?? undefined });
    }
    return { pack: Buffer.from(reply.pack.buffer, reply.pack.byteOffset, reply.pack.byteLength), record: reply.record, checked: reply.checked, course: reply.course };
  } finally {
    void worker.terminate();
    done();
  }
}
