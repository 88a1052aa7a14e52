import { lineage, type LineageResult } from "../../lineage/lineage.js";
import { lineageText, submissionText } from "../../lineage/lineage_text.js";
import { defineCommand, int, str } from "../command.js";

// Attribution measured from code: what each submission reuses from earlier ones and whom it
// credits, with credit findings. With --index, checks one submission folder against a saved index.
export default defineCommand<LineageResult>({
  name: "lineage",
  summary: "Who built on whom: per submission of a PR corpus or records root, the earlier code it reuses (inferred), its credits (declared), its new code, and credit findings. --index FILE checks one folder against a saved index.",
  usage: "PATH [--save-index FILE] [--template ID] [--limit N] | DIR --index FILE",
  options: { "save-index": { type: "string" }, index: { type: "string" }, template: { type: "string" }, limit: { type: "string" } },
  positionals: [1, 1],
  async run(values, [target], io) {
    const limit = int(values, "limit");
    return lineage(target, {
      index: str(values, "index"),
      saveIndex: str(values, "save-index"),
      template: str(values, "template"),
      ...(limit !== undefined ? { limit } : {}),
      progress: !io.json && process.stderr.isTTY === true,
    });
  },
  human: (r) => (r.mode === "check" ? submissionText(r) : lineageText(r)),
});
