import { submitRecord } from "../../server/submit_record.js";
import { defineCommand, str, usage } from "../command.js";

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
    return submitRecord({
      runs,
      out,
      author,
      name,
      githubId: str(v, "github"),
      blurb: str(v, "blurb"),
      parents: list(v.parent),
      techniques: list(v.technique),
      assistance: list(v.assistance),
      replace: v.replace === true,
      to: str(v, "to"),
      token: str(v, "token") ?? process.env.PGOLF_TOKEN,
      resubmit: str(v, "resubmit"),
    });
  },
  human: (r) =>
    [
      `record ${r.record}`,
      ...r.files.map((f) => `  ${f}`),
      `val_bpb ${r.submission.val_bpb.toFixed(4)} (mean of ${r.submission.seeds.length}, std ${r.submission.val_bpb_std.toFixed(4)})`,
      ...(r.uploaded ? [`uploaded: submission ${r.uploaded.id}, status ${r.uploaded.status}, ${r.uploaded.findings.length} findings`] : []),
    ].join("\n"),
});
