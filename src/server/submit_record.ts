// `pgolf submit` as one library call: a record folder assembled from scored seed runs (every number
// read from the runs), and, with a contest server's address and a token, uploaded to it, optionally
// as the new version of one's own open submission.
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { writeRecord, type WrittenRecord } from "../submission/record.js";
import type { Provenance } from "../submission/submission_schema.js";
import { uploadRecord } from "./upload_client.js";
import type { SubmissionView } from "./contest.js";

export interface SubmitOptions {
  /** Seed folders, or run folders holding seed_<N> folders. */
  runs: string[];
  out: string;
  author: string;
  name: string;
  githubId?: string;
  blurb?: string;
  /** What this builds on: a record folder, a pull request (URL or #N), or anything else. */
  parents?: string[];
  techniques?: string[];
  /** TOOL:HOW:REVIEWER, one per AI tool or agent used. */
  assistance?: string[];
  replace?: boolean;
  /** Upload to this contest server with this token. */
  to?: string;
  token?: string;
  /** The id of one's open submission that this one replaces (needs `to`). */
  resubmit?: string;
}

export interface SubmitResult {
  record: string;
  files: string[];
  submission: WrittenRecord["submission"];
  uploaded: SubmissionView | null;
}

/** Seed folders from the arguments: a seed folder itself, or a run folder holding seed_<N> folders. */
export function expandSeedDirs(args: string[]): string[] {
  return args.flatMap((a) => {
    if (fs.existsSync(path.join(a, "metrics.jsonl"))) return [a];
    const seeds = fs.existsSync(a) ? fs.readdirSync(a).filter((n) => /^seed_\d+$/.test(n) && fs.existsSync(path.join(a, n, "metrics.jsonl"))) : [];
    if (seeds.length === 0) throw new PgolfError("USAGE", `${a} is neither a seed folder nor a run folder with seed_<N> folders`, { file: a, fix: "pass runs/<entry> or runs/<entry>/seed_<N>" });
    return seeds.sort().map((n) => path.join(a, n));
  });
}

/** The provenance block of submission.json from the options' strings. */
export function provenanceOf(o: Pick<SubmitOptions, "parents" | "techniques" | "assistance">): Provenance {
  const assistance = (o.assistance ?? []).map((a) => {
    const [tool, how, reviewed_by] = a.split(":");
    if (!tool || !how || !reviewed_by) throw new PgolfError("USAGE", `assistance takes TOOL:HOW:REVIEWER, got "${a}"`, { fix: 'e.g. --assistance "claude:wrote the quantizer:alice"' });
    return { tool, how, reviewed_by };
  });
  return {
    parents: (o.parents ?? []).map((ref) => ({ ref, kind: /^(https?:\/\/)?github\.com\/.+\/pull\/\d+|^#\d+$/.test(ref) ? "pr" : fs.existsSync(ref) || ref.startsWith("records/") ? "record" : "other" })),
    techniques: o.techniques ?? [],
    assistance,
  };
}

export async function submitRecord(o: SubmitOptions): Promise<SubmitResult> {
  if (o.to && !o.token) throw new PgolfError("USAGE", "uploading needs a token", { fix: "pass --token T or set PGOLF_TOKEN (an account token from the contest's admin)" });
  // the new version of one's own open submission: the server closes the old one in the same step
  if (o.resubmit && !o.to) throw new PgolfError("USAGE", `resubmitting ${o.resubmit} needs the server's address`, { fix: `pass --to URL, the server that holds submission ${o.resubmit}` });
  const provenance = provenanceOf(o);
  const r = writeRecord({ seedDirs: expandSeedDirs(o.runs), outDir: o.out, author: o.author, githubId: o.githubId, name: o.name, blurb: o.blurb, provenance, replace: o.replace === true });
  const uploaded = o.to ? await uploadRecord(o.to, o.token!, r.dir, {}, o.resubmit) : null;
  return { record: r.dir, files: r.files, submission: r.submission, uploaded };
}
