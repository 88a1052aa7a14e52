// Runs every *.test.ts under src/, test/ and bench/ with node's test runner (TypeScript through tsx).
// Extra arguments are passed on: `npm test -- src/data` runs only files whose path contains "src/data".
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (n === "node_modules" || n.startsWith(".")) continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("-"));
const files = ["src", "test", "bench"].flatMap((d) => walk(d, [])).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// Tests that load the machine on purpose (the main job beside four CPU-bound processes) run alone,
// after the rest: the condition they test is theirs, and they would slow every test beside them.
const ALONE = /busy_machine\.test\.ts$/;
const together = files.filter((f) => !ALONE.test(f));
const alone = files.filter((f) => ALONE.test(f));
let status = 0;
if (together.length > 0) status = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...flags, ...together], { stdio: "inherit" }).status ?? 1;
for (const f of alone) status = (spawnSync(process.execPath, ["--import", "tsx", "--test", ...flags, f], { stdio: "inherit" }).status ?? 1) || status;
process.exit(status);
