// Where the real contest fixtures live (../shared/fixtures from the project root), and a guard that
// skips a test with a message when they are missing (a user's fresh clone has no shared/ folder).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = path.resolve(PROJECT_ROOT, "../shared/fixtures");
export const REAL = path.join(FIXTURES, "real");

export const fixture = (...parts: string[]) => path.join(REAL, ...parts);
export const SP1024_MODEL = fixture("tokenizers", "fineweb_1024_bpe.model");
export const SP8192_MODEL = fixture("tokenizers", "other", "fineweb_8192_bpe.record_ternary_2026-03-24.model");
export const VAL_PREFIX_SHARD = fixture("shards", "fineweb_val_000000.prefix_1040298tok.bin");
export const VAL_901_DOCS_SHARD = fixture("shards", "fineweb_val_000000.first901docs.bin");

/** Options for node:test: `{ skip: "message" }` when the fixtures are missing. */
export function needsFixtures(): { skip?: string } {
  return fs.existsSync(REAL) ? {} : { skip: `real fixtures not found at ${REAL} (they live in ../shared/fixtures beside the project)` };
}

export function readJsonl<T = any>(file: string): T[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

export function referenceValues(): any {
  return JSON.parse(fs.readFileSync(fixture("reference", "reference_values.json"), "utf8"));
}

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = "pgolf-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Debian's python3 when it has SentencePiece (python3-sentencepiece), else undefined. */
export function pythonWithSentencePiece(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import sentencepiece"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}
