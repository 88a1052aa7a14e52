import * as fs from "node:fs";
import * as readline from "node:readline";
import { PgolfError } from "../../core/error.js";
import { loadTokenizer } from "../../data/tokenizer/load.js";
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
    const text = str(v, "text");
    const jsonl = str(v, "jsonl");
    if ((text === undefined) === (jsonl === undefined)) throw usage("give exactly one of --text S or --jsonl FILE");
    const tok = loadTokenizer(model);
    if (text !== undefined) {
      io.stdout.write(JSON.stringify({ ids: tok.encode(text) }) + "\n");
      return undefined;
    }
    if (!fs.existsSync(jsonl!)) throw new PgolfError("FILE_NOT_FOUND", "JSONL input not found", { file: jsonl, fix: "pass a file with one {\"text\": ...} object per line" });
    const rl = readline.createInterface({ input: fs.createReadStream(jsonl!, "utf8"), crlfDelay: Infinity });
    let line = 0;
    for await (const raw of rl) {
      line++;
      if (raw.trim() === "") continue;
      let t: unknown;
      try {
        t = (JSON.parse(raw) as { text?: unknown }).text;
      } catch (e) {
        throw new PgolfError("COURSE_SOURCE", `line ${line} is not JSON: ${(e as Error).message}`, { file: jsonl, fix: "each line must be a JSON object with a \"text\" string" });
      }
      if (typeof t !== "string") throw new PgolfError("COURSE_SOURCE", `line ${line} has no "text" string`, { file: jsonl, fix: "each line must be a JSON object with a \"text\" string" });
      io.stdout.write(JSON.stringify({ ids: tok.encode(t) }) + "\n");
    }
    return undefined;
  },
});
