// Which scored seeds can become a record: trained and scored in the sandbox, within the track's time
// and byte caps, on the whole validation split, with no settings outside the entry's counted code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { recordIneligibility, type SeedRunFolder } from "./seed_run.js";

const eligible = {
  dir: "runs/x/seed_1",
  seed: 1,
  confinement: "namespaces",
  eval_confinement: "namespaces",
  config_overrides: {},
  within_time: true,
  train_seconds: 590,
  cap_seconds: 600,
  export_seconds: 2,
  export_cap_seconds: 60,
  within_cap: true,
  bytes_total: 1_000_000,
  cap_bytes: 2_000_000,
  eval_truncated: false,
} as unknown as SeedRunFolder;

test("a sandboxed run within every cap on the whole split is eligible", () => {
  assert.equal(recordIneligibility(eligible), null);
});

for (const [what, change, code] of [
  ["trained without the sandbox", { confinement: "none" }, "RECORD_UNCONFINED"],
  ["scored without the sandbox", { eval_confinement: "none" }, "RECORD_UNCONFINED"],
  ["trained with settings outside config.json", { config_overrides: { lr: 1 } }, "RECORD_INELIGIBLE"],
  ["over the time cap", { within_time: false, train_seconds: 640 }, "RECORD_INELIGIBLE"],
  ["over the byte cap", { within_cap: false, bytes_total: 2_000_001 }, "RECORD_INELIGIBLE"],
  ["scored on part of the split", { eval_truncated: true }, "RECORD_INELIGIBLE"],
] as const) {
  test(`a run ${what} cannot become a record (${code})`, () => {
    assert.equal(recordIneligibility({ ...eligible, ...change } as SeedRunFolder)?.code, code);
  });
}
