// Deterministic JSON: the same value always gives the same bytes (keys in insertion order, two-space
// indent, trailing newline), so that rebuilt manifests are byte-identical across machines.
import * as fs from "node:fs";
import { writeFileAtomic } from "./atomic.js";
import { PgolfError } from "./error.js";

export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, stableJson(value));
}

export function readJsonFile<T = unknown>(file: string, what = "JSON file"): T {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new PgolfError("FILE_NOT_FOUND", `${what} not found`, { fix: "check the path; run the command that writes this file first", file, cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new PgolfError("FILE_READ", `${what} is not valid JSON: ${(e as Error).message}`, {
      file,
      fix: "restore the file or rebuild it",
      cause: e,
    });
  }
}
