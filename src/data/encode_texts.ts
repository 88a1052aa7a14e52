// `pgolf tokenizer encode` as one library call: token ids for a text, or for each {"text": ...} line of
// a JSONL file, yielded one input at a time so a large file streams.
import * as fs from "node:fs";
import * as readline from "node:readline";
import { PgolfError } from "../core/error.js";
import { loadTokenizer } from "./tokenizer/load.js";

export interface EncodeTextsOptions {
  model: string;
  /** One text... */
  text?: string;
  /** ...or a JSONL file of {"text": ...} objects (blank lines skipped). */
  jsonl?: string;
}

export async function* encodeTexts(o: EncodeTextsOptions): AsyncGenerator<number[]> {
  if ((o.text === undefined) === (o.jsonl === undefined)) throw new PgolfError("USAGE", "give exactly one of a text or a JSONL file to encode", { fix: "pgolf tokenizer encode --model FILE --text S, or --jsonl FILE" });
  const tok = loadTokenizer(o.model);
  if (o.text !== undefined) {
    yield tok.encode(o.text);
    return;
  }
  const file = o.jsonl!;
  const fix = 'each line must be a JSON object with a "text" string';
  if (!fs.existsSync(file)) throw new PgolfError("FILE_NOT_FOUND", "JSONL input not found", { file, fix: 'pass a file with one {"text": ...} object per line' });
  const rl = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    if (raw.trim() === "") continue;
    let t: unknown;
    try {
      t = (JSON.parse(raw) as { text?: unknown }).text;
    } catch (e) {
      throw new PgolfError("COURSE_SOURCE", `line ${line} is not JSON: ${(e as Error).message}`, { file, fix });
    }
    if (typeof t !== "string") throw new PgolfError("COURSE_SOURCE", `line ${line} has no "text" string`, { file, fix });
    yield tok.encode(t);
  }
}
