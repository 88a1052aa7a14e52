// The training child: run by trainSeed (harness.ts) as `node <sandbox flags> train_child.js JOB`,
// it trains one seed of a sealed entry in-process and writes {result} or {error} to the job's
// result file. It can read only the library, the sealed entry and the course's training files.
import * as fs from "node:fs";
import { track } from "../core/track.js";
import { openCourse } from "../data/course.js";
import { trainSeedInProcess, type TrainChildJob } from "./harness.js";
import { describeChildError } from "./sandbox.js";

// If the harness dies (killed, crashed), this process must not train on alone: watch the parent.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 100).unref();

async function main(): Promise<number> {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as TrainChildJob;
  try {
    const result = await trainSeedInProcess({
      entryDir: job.sealedDir,
      originalEntryDir: job.originalEntryDir,
      codeBytes: job.codeBytes,
      course: openCourse(job.courseDir),
      track: track(job.track),
      seed: job.seed,
      outDir: job.outDir,
      minutes: job.minutes,
      configOverrides: job.configOverrides,
      echo: job.echo,
    });
    fs.writeFileSync(job.resultFile, JSON.stringify({ result }));
    return 0;
  } catch (e) {
    fs.writeFileSync(job.resultFile, JSON.stringify({ error: describeChildError(e, job.sealedDir) }));
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
