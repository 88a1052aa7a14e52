import * as fs from "node:fs";
import * as path from "node:path";
import { uploadRecord } from "../../server/upload_client.js";
import { writeRecord } from "../../submission/record.js";
import type { Provenance } from "../../submission/submission_schema.js";
import { defineCommand, str, usage } from "../command.js";

/** Seed folders from the arguments: a seed folder itself, or a run folder holding seed_<N> folders. */
export function expandSeedDirs(args: string[]): string[] {
  return args.flatMap((a) => {
    if (fs.existsSync(path.join(a, "metrics.jsonl"))) return [a];
    const seeds = fs.existsSync(a) ? fs.readdirSync(a).filter((n) => /^seed_\d+$/.test(n) && fs.existsSync(path.join(a, n, "metrics.jsonl"))) : [];
    if (seeds.length === 0) throw usage(`${a} is neither a seed folder nor a run folder with seed_<N> folders`, "pass runs/<entry> or runs/<entry>/seed_<N>");
    return seeds.sort().map((n) => path.join(a, n));
  });
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === "string" ? [v] : [];
}

// Assembles a record folder from scored seed runs: every number is read from the runs.
export default defineCommand({
  name: "submit",
  summary: "Assemble a record folder (code, logs, submission.json, README.md) from scored seed runs; every number comes from the runs.",
  usage: "RUNS... --out DIR --author NAME --name TITLE [--github ID] [--blurb TEXT] [--parent REF]... [--technique TAG]... [--assistance TOOL:HOW:REVIEWER]... [--replace] [--to URL --token T [--resubmit ID]]",
  options: {
    out: { type: "string" },
    author: { type: "string" },
    name: { type: "string" },
    github: { type: "string" },
    blurb: { type: "string" },
    parent: { type: "string", multiple: true },
    technique: { type: "string", multiple: true },
    assistance: { type: "string", multiple: true },
    replace: { type: "boolean" },
    to: { type: "string" },
    token: { type: "string" },
    resubmit: { type: "string" },
  },
  positionals: [1, 64],
  async run(v, runs) {
    const out = str(v, "out");
    const author = str(v, "author");
    const name = str(v, "name");
    if (!out || !author || !name) throw usage("--out, --author and --name are required");
    const assistance = list(v.assistance).map((a) => {
      const [tool, how, reviewed_by] = a.split(":");
      if (!tool || !how || !reviewed_by) throw usage(`--assistance takes TOOL:HOW:REVIEWER, got "${a}"`);
      return { tool, how, reviewed_by };
    });
    const provenance: Provenance = {
      parents: list(v.parent).map((ref) => ({ ref, kind: /^(https?:\/\/)?github\.com\/.+\/pull\/\d+|^#\d+$/.test(ref) ? "pr" : fs.existsSync(ref) || ref.startsWith("records/") ? "record" : "other" })),
      techniques: list(v.technique),
      assistance,
    };
    const to = str(v, "to");
    const token = str(v, "token") ?? process.env.PGOLF_TOKEN;
    if (to && !token) throw usage("--to needs --token (or PGOLF_TOKEN)");
    // the new version of one's own open submission: the server closes the old one in the same step
    const resubmit = str(v, "resubmit");
    if (resubmit && !to) throw usage("--resubmit ID needs --to URL", "send the new version to the server that holds submission ID");
    const r = writeRecord({ seedDirs: expandSeedDirs(runs), outDir: out, author, githubId: str(v, "github"), name, blurb: str(v, "blurb"), provenance, replace: v.replace === true });
    const uploaded = to ? await uploadRecord(to, token!, r.dir, {}, resubmit) : null;
    return { record: r.dir, files: r.files, submission: r.submission, uploaded };
  },
  human: (r) =>
    [
      `record ${r.record}`,
      ...r.files.map((f) => `  ${f}`),
      `val_bpb ${r.submission.val_bpb.toFixed(4)} (mean of ${r.submission.seeds.length}, std ${r.submission.val_bpb_std.toFixed(4)})`,
      ...(r.uploaded ? [`uploaded: submission ${r.uploaded.id}, status ${r.uploaded.status}, ${r.uploaded.findings.length} findings`] : []),
    ].join("\n"),
});
