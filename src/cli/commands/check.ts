import { checkRecords, type CheckedRecord } from "../../submission/check.js";
import { findRecords, readRecord } from "../../submission/read_record.js";
import { defineCommand } from "../command.js";

// Checks one record folder or a records root (original contest folders and pgolf-native records
// alike): normalized results and findings per record, with the frontier judged in submission order.
export default defineCommand({
  name: "check",
  summary: "Check record folders (one, or a records root): normalized per-seed results and findings {kind, severity, message, evidence}.",
  usage: "PATH",
  options: {},
  positionals: [1, 1],
  async run(_v, [root]) {
    const records = checkRecords(findRecords(root).map(readRecord));
    return {
      root,
      records,
      summary: {
        records: records.length,
        passing: records.filter((r) => r.passes).length,
        findings: records.reduce((a, r) => a + r.findings.length, 0),
      },
    };
  },
  human: (r) =>
    r.records
      .map((c: CheckedRecord) =>
        [
          `${c.passes ? "PASS" : "FAIL"} ${c.id} (${c.track ?? "unknown track"}) ${c.val_bpb !== null ? `val_bpb ${c.val_bpb.toFixed(5)} over ${c.seeds.length} seed${c.seeds.length === 1 ? "" : "s"}` : "no scored seed"}${c.frontier ? ` [frontier: ${c.frontier.outcome}]` : ""}`,
          ...c.findings.map((f) => `  ${f.severity} ${f.kind}: ${f.message}${f.evidence[0] ? ` (${f.evidence[0].file}${f.evidence[0].line ? `:${f.evidence[0].line}` : ""})` : ""}`),
        ].join("\n"),
      )
      .concat([`${r.summary.records} records, ${r.summary.passing} passing, ${r.summary.findings} findings`])
      .join("\n"),
});
