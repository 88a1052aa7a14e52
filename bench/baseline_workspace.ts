// What the evaluation benchmarks start from: a temporary folder holding the baseline entry (pgolf
// init), the embedded course (built once into data/ and reused), the local track, and the CPU's name
// for the printed figures; the folder is removed when the benchmark is done.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { track, type Track } from "../src/core/track.js";
import { prepareCourse } from "../src/data/prepare.js";
import { initEntry } from "../src/train/init_entry.js";

export interface BaselineWorkspace {
  root: string;
  work: string;
  cpu: string;
  courseDir: string;
  entryDir: string;
  track: Track;
}

export async function withBaselineEntry<T>(name: string, run: (w: BaselineWorkspace) => Promise<T>): Promise<T> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `pgolf-${name}-`));
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  try {
    const course = await prepareCourse({ dir: path.join(root, "data") });
    const entryDir = path.join(work, "baseline");
    await initEntry(entryDir);
    return await run({ root, work, cpu, courseDir: course.dir, entryDir, track: track("cpu-10min-2mb") });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
