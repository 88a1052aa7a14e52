// The intake's work on one upload, in a worker thread (intake.ts runs it): verify and unpack the
// record pack into a fresh folder, refuse a second record folder inside it, read the record and check
// it, then remove the folder. Hashing a 64 MB pack, writing up to MAX_PACK_FILES files and parsing
// logs take a while; here they do not hold up the server's other requests.
import * as fs from "node:fs";
import * as path from "node:path";
import { parentPort } from "node:worker_threads";
import { unpackRecordFolder } from "../artifact/pack.js";
import { isPgolfError, PgolfError } from "../core/error.js";
import { checkRecords } from "../submission/check.js";
import { readRecord } from "../submission/read_record.js";
import { submissionCourse } from "./course_rule.js";
import { intakeScratchDir } from "./intake_scratch.js";
import { yieldToTheServer } from "./server_thread.js";
import type { InspectOutcome, InspectRequest, InspectReply } from "./intake.js";

yieldToTheServer();

function inspect(req: InspectRequest): InspectOutcome {
  // the pid in the name lets a restarted server remove what a killed one left (stale_temps.ts)
  // in memory where there is a tmpfs: no dirty pages for the database's next fsync to wait for (intake_scratch.ts)
  const work = fs.mkdtempSync(path.join(intakeScratchDir(), `pgolf-intake-${process.pid}-`));
  try {
    // the folder is placed under its track's name so the reader knows the track
    const dir = path.join(work, `track_${req.track}`, "submission");
    fs.mkdirSync(dir, { recursive: true });
    unpackRecordFolder(Buffer.from(req.pack.buffer, req.pack.byteOffset, req.pack.byteLength), dir, "upload");
    // one submission is one record: a second submission.json further down would be a second
    // (leaderboard) record riding on this one's review
    const nested = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => path.basename(f) === "submission.json" && f !== "submission.json");
    if (nested.length > 0) {
      throw new PgolfError("RECORD_FILE", `the upload holds ${nested.length === 1 ? "another record folder" : `${nested.length} other record folders`} inside it (${nested.slice(0, 3).join(", ")})`, {
        fix: "submit one record folder per upload: its submission.json at the top, no other",
      });
    }
    const record = readRecord(dir);
    record.track = req.track;
    const [checked] = checkRecords([record]);
    // read from the folder while it is here: the reply goes back without it
    return { ok: true, record, checked, course: submissionCourse(record) };
  } catch (e) {
    if (isPgolfError(e)) return { ok: false, error: { code: e.code, message: e.message, file: e.file ?? null, fix: e.fix ?? null } };
    return { ok: false, error: { code: "ARTIFACT_TABLE", message: `the upload could not be read: ${(e as Error).message}`, file: null, fix: "upload a record folder with `pgolf submit --to URL`" } };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// the pack goes back with the answer, moved rather than copied (intake.ts)
parentPort!.on("message", (req: InspectRequest) => parentPort!.postMessage({ ...inspect(req), pack: req.pack } as InspectReply, [req.pack.buffer as ArrayBuffer]));
