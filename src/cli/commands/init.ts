import { initEntry } from "../../train/init_entry.js";
import { defineCommand } from "../command.js";

export default defineCommand({
  name: "init",
  summary: "Write the baseline entry (entry.ts + config.json: train_gpt.py's model and training on pgolf's engine) into DIR.",
  usage: "DIR [--template baseline|golf|python|lossy-tokenizer] [--force]",
  options: { template: { type: "string" }, force: { type: "boolean" } },
  positionals: [1, 1],
  async run(v, [dir]) {
    return initEntry(dir, { template: typeof v.template === "string" ? v.template : undefined, force: v.force === true });
  },
  human: (r) => `wrote the ${r.template} entry to ${r.dir}: ${r.files.join(", ")}`,
});
