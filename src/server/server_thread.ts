// The server's heavy work in worker threads: an upload's inspection (intake_worker.ts) and a course's
// build and measurement (course_worker.ts). Each runs in a fresh thread at the lowest CPU priority, so
// the event loop that answers /healthz and the leaderboard runs first, and a crash in the work cannot
// take the server down.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker, type TransferListItem } from "node:worker_threads";

/**
 * A thread running a worker script of this folder, by its base name ("intake_worker"): the built
 * script, or (run from TypeScript: tests, benchmarks) a bootstrap that registers tsx in the thread first.
 */
export function startServerThread(base: string): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  if (!fromSource) return new Worker(new URL(`./${base}.js`, import.meta.url));
  const script = new URL(`./${base}.ts`, import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then((m) => m.register()).then(() => import(${JSON.stringify(script)}));`, { eval: true });
}

/** The `code` of the error askServerThread rejects with when the thread exits without answering. */
export const THREAD_EXITED = "PGOLF_THREAD_EXITED";

/**
 * Posts one request to a fresh thread of `base` and resolves with its one answer; the thread is
 * ended either way. Rejects with the thread's error when it fails, and with code THREAD_EXITED when
 * it exits before it answers (`what` names the work).
 */
export async function askServerThread<Req, Reply>(base: string, req: Req, transfer: readonly TransferListItem[] = [], what = base): Promise<Reply> {
  const worker = startServerThread(base);
  try {
    return await new Promise<Reply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(Object.assign(new Error(`${what}: the worker thread ended (code ${code}) before it answered`), { code: THREAD_EXITED })));
      worker.postMessage(req, transfer);
    });
  } finally {
    void worker.terminate();
  }
}

/**
 * Called first in a worker script: this thread at the lowest CPU priority (nice 19; Linux schedules
 * threads one by one, and /proc/thread-self names this one). Elsewhere it stays as it is.
 */
export function yieldToTheServer(): void {
  try {
    const tid = Number(path.basename(fs.readlinkSync("/proc/thread-self")));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // no /proc (not Linux): the thread keeps the process's priority
  }
}
