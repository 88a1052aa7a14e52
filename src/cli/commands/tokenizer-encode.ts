import { encodeTexts } from "../../data/encode_texts.js";
import { defineCommand, str, usage } from "../command.js";

export default defineCommand({
  name: "tokenizer encode",
  summary: 'Encode text with a tokenizer; prints one {"ids": [...]} line per input (a --text, or each {"text": ...} line of a JSONL file).',
  usage: "--model FILE (--text S | --jsonl FILE)",
  options: { model: { type: "string" }, text: { type: "string" }, jsonl: { type: "string" } },
  streams: true,
  async run(v, _p, io) {
    const model = str(v, "model");
    if (!model) throw usage("--model FILE is required");
    // one {"ids": [...]} line per input, printed as each is encoded
    for await (const ids of encodeTexts({ model, text: str(v, "text"), jsonl: str(v, "jsonl") })) io.stdout.write(JSON.stringify({ ids }) + "\n");
    return undefined;
  },
});
