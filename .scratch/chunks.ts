// scratch: evaluator throughput by chunk size and probe count, same artifact, same run
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { track } from "../src/core/track.js";
import { courseTokenizer, openCourse, readValTokens } from "../src/data/course.js";
import { prepareCourse } from "../src/data/prepare.js";
import { runSeeds } from "../src/eval/run_seeds.js";
import { ModelProcess } from "../src/eval/model_process.js";
import { evaluateStream } from "../src/eval/stream_eval.js";
import { initEntry } from "../src/train/init_entry.js";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-chunks-"));
const course = openCourse((await prepareCourse({ dir: path.join(process.cwd(), "data") })).dir);
const entryDir = path.join(work, "baseline");
await initEntry(entryDir);
const [r] = await runSeeds({ entryDir, courseDir: course.dir, track: track("cpu-10min-2mb"), seeds: [1], minutes: 0.05, outDir: path.join(work, "runs"), maxTargets: 8192, probes: 0 } as any);
const tokens = readValTokens(course);
const table = courseTokenizer(course).byteTable();
const configs = (process.argv[2] ?? "8192:0,8192:4,8192:16,4096:16,2048:16,2048:32").split(",").map((x) => x.split(":").map(Number));
for (const [C, K] of configs) {
  const t0 = performance.now();
  const rep = await evaluateStream((role) => ModelProcess.start({ entryDir, artifactFile: r.artifact, deadlineMs: null, maxPayloadBytes: C * 1024 * 4, role }), { tokens, table, vocabSize: 1024, chunkTokens: C, probes: K, threads: 2, probeSeed: 1 });
  const s = (performance.now() - t0) / 1000;
  console.log(`chunk ${C} probes ${K}: ${rep.targets} targets in ${s.toFixed(2)} s = ${(rep.targets / s).toFixed(0)} tokens/s; rows compared ${rep.checks.causality.rows_compared}; val_bpb ${rep.val_bpb.toFixed(6)}`);
}
fs.rmSync(work, { recursive: true, force: true });
