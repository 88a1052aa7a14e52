import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { accountSize } from "../../entry/size_rule.js";
import { unpack } from "../../artifact/pack.js";
import { PgolfError } from "../../core/error.js";
import { Progress } from "../../core/progress.js";
import { DEFAULT_TRACK, track } from "../../core/track.js";
import { DEFAULT_COURSE, DEFAULT_DATA_DIR } from "../../data/courses.js";
import { scoreArtifact } from "../../eval/run_seeds.js";
import { defineCommand, int, str } from "../command.js";

/** The artifact to score: --artifact, or artifact.bin in the entry folder. */
function findArtifact(entryDir: string, given: string | undefined): string {
  const file = given ?? path.join(entryDir, "artifact.bin");
  if (!fs.existsSync(file)) {
    throw new PgolfError("FILE_NOT_FOUND", "no artifact to score", { file, fix: "pass --artifact FILE (a training run writes runs/<entry>/seed_<N>/artifact.bin)" });
  }
  return file;
}

// Scores an entry's artifact with the trusted evaluator and prints the score, the checks and the size
// verdict. DIR is an entry folder or a pack (`pgolf pack --out`).
export default defineCommand({
  name: "eval",
  summary: "Score an artifact with the trusted evaluator (score-first streaming, causality probes, exact size rule); DIR is an entry folder or a .pgpack.",
  usage: "DIR|PACK [--artifact FILE] [--course C] [--dir DATA] [--track T] [--probes N] [--probe-seed S] [--max-targets N] [--echo]",
  options: {
    artifact: { type: "string" },
    course: { type: "string" },
    dir: { type: "string" },
    track: { type: "string" },
    probes: { type: "string" },
    "probe-seed": { type: "string" },
    "max-targets": { type: "string" },
    echo: { type: "boolean" },
  },
  positionals: [1, 1],
  async run(v, [target], io) {
    const t = track(str(v, "track") ?? DEFAULT_TRACK);
    const course = str(v, "course") ?? DEFAULT_COURSE;
    let tmp: string | undefined;
    let entryDir = target;
    let artifactFile: string;
    if (fs.statSync(target, { throwIfNoEntry: false })?.isFile()) {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-pack-"));
      const u = unpack(target, tmp);
      entryDir = u.entryDir;
      artifactFile = u.artifactFile;
    } else artifactFile = findArtifact(target, str(v, "artifact"));
    try {
      const size = accountSize(entryDir, artifactFile, t);
      let progress: Progress | undefined;
      const report = await scoreArtifact({
        entryDir,
        artifactFile,
        courseDir: path.join(str(v, "dir") ?? DEFAULT_DATA_DIR, course),
        track: t,
        probes: int(v, "probes"),
        probeSeed: int(v, "probe-seed"),
        maxTargets: int(v, "max-targets"),
        echoStderr: v.echo === true,
        onProgress: (p) => {
          progress ??= new Progress("scoring", p.total, { unit: " targets", enabled: io.json ? false : undefined });
          progress.tick(p.targets - progress.done);
        },
      });
      progress?.finish();
      const { files, ...bytes } = size;
      return { entry: target, course, ...report, eval_seconds: report.seconds, ...bytes, code_files: files };
    } finally {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
  human: (r) =>
    [
      `val_bpb ${r.val_bpb.toFixed(8)}  val_loss ${r.val_loss.toFixed(8)}${r.truncated ? "  (TRUNCATED: not a comparable score)" : ""}`,
      `  ${r.targets.toLocaleString("en-US")} targets, ${r.bytes.toLocaleString("en-US")} bytes, ${r.chunks} chunks, ${r.eval_seconds.toFixed(1)} s (${r.model} model)`,
      `  distributions: ${r.checks.distributions.rows.toLocaleString("en-US")} rows, max |sum - 1| ${r.checks.distributions.max_sum_error.toExponential(2)} (tolerance ${r.checks.distributions.tolerance})`,
      `  causality: ${r.checks.causality.probes} probes answered by a fresh instance, ${r.checks.causality.rows_compared.toLocaleString("en-US")} rows compared exactly, ${r.checks.causality.mismatched_rows} differ (seed ${r.checks.causality.seed})`,
      `  verdicts: ${Object.entries(r.verdicts).map(([k, v]) => `${k} ${v.pass ? "pass" : "FAIL"}`).join(", ")}`,
      `  bytes: table total ${r.checks.bytes.table_total.toLocaleString("en-US")} = manifest ${r.checks.bytes.manifest_table?.toLocaleString("en-US") ?? "(not recorded)"}; raw UTF-8 ${r.checks.bytes.raw_utf8?.toLocaleString("en-US") ?? "(not recorded)"}`,
      `size: ${r.bytes_total.toLocaleString("en-US")} = code ${r.bytes_code.toLocaleString("en-US")} + model ${r.bytes_model.toLocaleString("en-US")}: ${r.within_cap ? "within" : "OVER"} the ${r.cap_bytes.toLocaleString("en-US")}-byte cap of ${r.track}`,
      ...r.warnings.map((w) => `warning: ${w}`),
    ].join("\n"),
});
