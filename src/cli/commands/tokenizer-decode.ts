import { loadTokenizer } from "../../data/tokenizer/load.js";
import { defineCommand, str, usage } from "../command.js";

export default defineCommand({
  name: "tokenizer decode",
  summary: "Decode comma-separated token ids back to text.",
  usage: "--model FILE --ids 1,2,3",
  options: { model: { type: "string" }, ids: { type: "string" } },
  async run(v) {
    const model = str(v, "model");
    const ids = str(v, "ids");
    if (!model || ids === undefined) throw usage("--model FILE and --ids LIST are required");
    const list = ids.trim() === "" ? [] : ids.split(",").map((x) => Number(x.trim()));
    if (list.some((x) => !Number.isInteger(x))) throw usage(`--ids must be comma-separated integers, got "${ids}"`);
    return { text: loadTokenizer(model).decode(list) };
  },
  human: (r) => r.text,
});
