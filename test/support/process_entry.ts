// The Python process entry of the tests (test/entries/python_bigram_train: train.py counts bigrams,
// entry.py answers the evaluator), copied into a fresh folder with the protocol module an entry ships
// (templates/python/pgolf_protocol.py) and its config.json's settings replaced.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./fixtures.js";

/** config.json is padded with spaces to this many bytes, so entries differing only in settings count the same code bytes. */
export const CONFIG_BYTES = 400;

export function processEntryConfig(settings: Record<string, unknown> = {}): string {
  const json = JSON.stringify({ train_command: ["python3", "train.py"], eval_command: ["python3", "entry.py"], mode: "honest", alpha: 0.1, ...settings });
  if (json.length > CONFIG_BYTES - 1) throw new Error(`config too long for the padding: ${json}`);
  return json.padEnd(CONFIG_BYTES - 1, " ") + "\n";
}

/** A copy of the Python bigram process entry at `dir` (created), with these config.json settings. */
export function pythonProcessEntry(dir: string, settings: Record<string, unknown> = {}): string {
  fs.cpSync(path.join(PROJECT_ROOT, "test", "entries", "python_bigram_train"), dir, { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, "templates", "python", "pgolf_protocol.py"), path.join(dir, "pgolf_protocol.py"));
  fs.writeFileSync(path.join(dir, "config.json"), processEntryConfig(settings));
  return dir;
}

/** Processes whose environment holds `marker` ("NAME=value"), read from /proc/<pid>/environ (Linux). */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (fs.readFileSync(`/proc/${p}/environ`, "latin1").split("\0").includes(marker)) out.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
