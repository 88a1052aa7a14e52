import { checkWithLineage, type CheckResult } from "../../lineage/check_with_lineage.js";
import { defineCommand, str } from "../command.js";

// Checks one record folder or a records root (original contest folders and pgolf-native records
// alike): normalized results and findings per record, with the frontier judged in submission order.
// --earlier adds credit findings against earlier records (a records root, a PR corpus or a saved
// lineage index).
export default defineCommand<CheckResult>({
  name: "check",
  summary: "Check record folders (one, or a records root): normalized per-seed results and findings {kind, severity, message, evidence}. --earlier ROOT|INDEX adds credit findings (uncredited reuse, near-duplicates, suggested credits) against earlier records.",
  usage: "PATH [--earlier RECORDS|CORPUS|INDEX]",
  options: { earlier: { type: "string" } },
  positionals: [1, 1],
  async run(values, [root], io) {
    return checkWithLineage(root, { earlier: str(values, "earlier"), progress: io.json ? false : undefined });
  },
  human: (r) =>
    r.records
      .map((c) =>
        [
          `${c.passes ? "PASS" : "FAIL"} ${c.id} (${c.track ?? "unknown track"}) ${c.val_bpb !== null ? `val_bpb ${c.val_bpb.toFixed(5)} over ${c.seeds.length} seed${c.seeds.length === 1 ? "" : "s"}` : "no scored seed"}${c.frontier ? ` [frontier: ${c.frontier.outcome}]` : ""}`,
          ...c.findings.map((f) => `  ${f.severity} ${f.kind}: ${f.message}${f.evidence[0] ? ` (${f.evidence[0].file}${f.evidence[0].line ? `:${f.evidence[0].line}` : ""})` : ""}`),
          ...(c.lineage?.findings ?? []).map((f) => `  ${f.severity} ${f.kind}: ${f.message}${f.evidence[0] ? ` (${f.evidence[0].file}:${f.evidence[0].line}-${f.evidence[0].endLine})` : ""}`),
        ].join("\n"),
      )
      .concat([`${r.summary.records} records, ${r.summary.passing} passing, ${r.summary.findings} findings${r.summary.creditFindings !== undefined ? `, ${r.summary.creditFindings} credit findings` : ""}`])
      .join("\n"),
});
