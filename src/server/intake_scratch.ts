// Where the intake unpacks an upload to check it: TMPDIR when it is set (the operator's choice),
// else /dev/shm (a tmpfs) on Linux, else the system's temp folder. An upload's files are written, read once and removed within a second; on a disk they are
// dirty pages that the next fsync of the same filesystem must flush first, and the embedded database
// fsyncs its WAL on the event loop at every commit (db_pglite.ts). Measured with bench/serve_load.ts
// on AMD EPYC (Zen 5), ext4: under a flood of 64 MiB uploads unpacked under /tmp, the leaderboard's
// readers stalled for 2.7 s at once; unpacked in /dev/shm, no stall. At most MAX_RUNNING uploads are
// unpacked at once (intake.ts), so the memory it takes is bounded (2 x 64 MiB).
import * as fs from "node:fs";
import * as os from "node:os";

/** The folder intake work folders go in ("pgolf-intake-<pid>-XXXXXX", swept at start: stale_temps.ts). */
export function intakeScratchDir(): string {
  if (process.env.TMPDIR) return os.tmpdir();
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    if (fs.statSync("/dev/shm").isDirectory()) return "/dev/shm";
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
}
