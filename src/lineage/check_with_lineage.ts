// `pgolf check PATH --earlier ROOT`: the record checks, plus each record's credit findings against
// earlier records (a records root or PR corpus, analysed here, or an index saved by `pgolf lineage
// --save-index`). Without --earlier it is `pgolf check` as before.
import * as fs from "node:fs";
import * as path from "node:path";
import { Progress } from "../core/progress.js";
import { checkRecords, type CheckedRecord } from "../submission/check.js";
import { findRecords, readRecord } from "../submission/read_record.js";
import type { SubmissionLineage } from "./attribute.js";
import { checkAgainstIndex, indexLineage } from "./lineage.js";
import { LineageIndex, INDEX_MAGIC } from "./lineage_index.js";

export interface CheckResult {
  root: string;
  records: (CheckedRecord & { lineage?: SubmissionLineage })[];
  summary: { records: number; passing: number; findings: number; creditFindings?: number };
}

function isIndexFile(p: string): boolean {
  try {
    const fd = fs.openSync(p, "r");
    try {
      const b = Buffer.alloc(8);
      fs.readSync(fd, b, 0, 8, 0);
      return b.toString("latin1") === INDEX_MAGIC;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Checks one record folder or a records root; with `earlier`, adds each record's credit findings.
 * `progress`: a progress line on stderr (default: on a terminal; the CLI turns it off under --json).
 */
export async function checkWithLineage(root: string, opts: { earlier?: string; progress?: boolean } = {}): Promise<CheckResult> {
  const folders = findRecords(root);
  const reading = new Progress("reading records", folders.length, { unit: " records", enabled: opts.progress });
  const read = folders.map((f) => {
    const r = readRecord(f);
    reading.tick();
    return r;
  });
  reading.finish();
  const records: CheckResult["records"] = checkRecords(read);
  let creditFindings: number | undefined;
  if (opts.earlier) {
    const index = isIndexFile(opts.earlier) ? LineageIndex.load(opts.earlier) : (await indexLineage(opts.earlier, { progress: opts.progress })).index;
    creditFindings = 0;
    const crediting = new Progress("credit findings", records.length, { unit: " records", enabled: opts.progress });
    for (const r of records) {
      r.lineage = await checkAgainstIndex(index, r.dir, { id: path.basename(r.dir) });
      creditFindings += r.lineage.findings.filter((f) => f.severity !== "info").length;
      crediting.tick();
    }
    crediting.finish();
  }
  return {
    root,
    records,
    summary: {
      records: records.length,
      passing: records.filter((r) => r.passes).length,
      findings: records.reduce((a, r) => a + r.findings.length, 0),
      ...(creditFindings !== undefined ? { creditFindings } : {}),
    },
  };
}
