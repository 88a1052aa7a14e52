// The intake's heavy half, kept off the event loop and bounded: each upload is unpacked, read and
// checked in a worker thread (intake_worker.ts), at most MAX_RUNNING at once and MAX_WAITING more
// waiting; past that an upload is refused at once (503, retry later) rather than queued without end.
// So a flood of hostile uploads costs the server two threads' work, and /healthz, the leaderboard
// and every other request keep answering.
import { Worker } from "node:worker_threads";
import { ERROR_CODES, PgolfError, type ErrorCode } from "../core/error.js";
import type { CheckedRecord } from "../submission/check.js";
import type { NormalizedRecord } from "../submission/normalized_record.js";
import type { SubmissionCourse } from "./course_rule.js";

/** Uploads inspected at once (the machine's 2 cores) and uploads allowed to wait for a turn. */
export const MAX_RUNNING = 2;
export const MAX_WAITING = 16;

export interface InspectRequest {
  pack: Uint8Array;
  track: string;
}

export type InspectReply =
  | { ok: true; record: NormalizedRecord; checked: CheckedRecord; course: SubmissionCourse | null }
  | { ok: false; error: { code: string; message: string; file: string | null; fix: string | null } };

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

/** Unpacks, reads and checks a record pack in a worker thread, within the intake's bounds. */
export async function inspectPack(pack: Uint8Array, track: string): Promise<{ record: NormalizedRecord; checked: CheckedRecord; course: SubmissionCourse | null }> {
  const done = await turn();
  const worker = startWorker();
  try {
    const reply = await new Promise<InspectReply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new PgolfError("ARTIFACT_TABLE", `the intake's worker ended (code ${code}) before it answered`, { fix: "try again" })));
      worker.postMessage({ pack, track } satisfies InspectRequest);
    });
    if (!reply.ok) {
      const code = reply.error.code in ERROR_CODES ? (reply.error.code as ErrorCode) : "ARTIFACT_TABLE";
      throw new PgolfError(code, reply.error.message, { file: reply.error.file ?? undefined, fix: reply.error.fix ?? undefined });
    }
    return { record: reply.record, checked: reply.checked, course: reply.course };
  } finally {
    void worker.terminate();
    done();
  }
}
