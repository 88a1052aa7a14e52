// A course's build and measurement for the contest's course rule (course_rule.ts), in a worker thread
// (server_thread.ts): building the embedded course (tokenizer training, shards) took ~7 s and measuring
// its memorization bound (compressing the validation split every way) ~4 s, and on the event loop
// they held /healthz for 1.5 s at a time (a blind attack: one upload naming the course).
import { parentPort } from "node:worker_threads";
import { isPgolfError } from "../core/error.js";
import { courseSafety, type CourseSafety } from "../data/course_safety.js";
import { prepareCourse } from "../data/prepare.js";
import { yieldToTheServer } from "./server_thread.js";

yieldToTheServer();

export type CourseWorkRequest = { op: "prepare"; dir: string; course: string } | { op: "measure"; courseDir: string };

export type CourseWorkReply = { ok: true; safety: CourseSafety | null } | { ok: false; error: { code: string; message: string; file: string | null; fix: string | null } };

async function work(req: CourseWorkRequest): Promise<CourseWorkReply> {
  try {
    if (req.op === "prepare") {
      await prepareCourse({ dir: req.dir, course: req.course });
      return { ok: true, safety: null };
    }
    return { ok: true, safety: await courseSafety(req.courseDir) };
  } catch (e) {
    if (isPgolfError(e)) return { ok: false, error: { code: e.code, message: e.message, file: e.file ?? null, fix: e.fix ?? null } };
    return { ok: false, error: { code: "INTERNAL", message: (e as Error).message, file: null, fix: null } };
  }
}

parentPort!.on("message", (req: CourseWorkRequest) => void work(req).then((reply) => parentPort!.postMessage(reply)));
