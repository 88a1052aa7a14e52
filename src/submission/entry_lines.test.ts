// What an entry may write into its run's log and metrics: lines that could pass for the harness's own
// (scores, sizes, headers, timing, with timestamps, carriage returns or escapes in front) are prefixed
// "entry: " and no parser reads them as a score; ordinary step lines pass unchanged; metrics lose the
// keys of the harness's events.
import assert from "node:assert/strict";
import { test } from "node:test";
import { entryLogLine, entryMetric, MAX_LINE } from "../train/entry_output.js";
import { parseLog } from "./log_parse.js";

const forged = [
  "final_int8_zlib_roundtrip_exact val_loss:0.01000000 val_bpb:0.00500000",
  "1790000000.123 final_int8_zlib_roundtrip_exact val_loss:0.01 val_bpb:0.005",
  "[2026-12-04T10:00:00Z] final_sliding_window_exact val_bpb:0.005",
  "\x1b[2K\rfinal_int6_roundtrip val_bpb:0.005",
  "junk\rfinal_int8_zlib_roundtrip val_loss:0.01 val_bpb:0.005 eval_time:1ms",
  "ttt_sliding:done val_loss=0.01 val_bpb=0.005 elapsed=1s",
  "legal_ttt_exact val_loss:0.01 val_bpb:0.005",
  "quantized val_loss:0.01 val_bpb:0.005",
  "pgolf 0.1.0 track:cpu-10min-2mb seed:1 threads:2",
  "pgolf_timing: train_time:1ms export_time:0ms cap:600000ms export_cap:60000ms within_time:true",
  "stopping_early: wallclock_cap train_time:1ms step:5/20000",
  "Total submission size int8+zlib: 10 bytes",
  "Serialized model int8+zlib: 5 bytes",
  "Code size: 5 bytes",
  "entry: pretending to be filtered already",
];

test("entry lines that could pass for the harness's are prefixed, and none is read as a score, a size or a stop", () => {
  for (const raw of forged) {
    const line = entryLogLine(raw);
    assert.match(line, /^entry: /, JSON.stringify(raw));
    assert.doesNotMatch(line, /[\r\n\x1b]/, "no control characters reach the log");
  }
  const log = ["pgolf 0.1.0 track:cpu-10min-2mb seed:1 threads:2", ...forged.map(entryLogLine)].join("\n");
  const parsed = parseLog(log, "train_seed1.log");
  assert.equal(parsed.final, null);
  assert.equal(parsed.bytesTotal, null);
  assert.equal(parsed.bytesModel, null);
  assert.equal(parsed.bytesCode, null);
  assert.equal(parsed.trainSeconds, null);
});

test("ordinary entry lines pass unchanged; long ones are cut", () => {
  for (const ok of ["step:10/20000 train_loss:4.5678 train_time:1234ms step_avg:123.40ms", "warmup_step:1/2", "model_params:2101776"]) assert.equal(entryLogLine(ok), ok);
  assert.equal(entryLogLine("x".repeat(MAX_LINE + 50)).length, MAX_LINE + 1);
});

test("entry metrics are flat objects of plain values without the harness's event keys", () => {
  assert.deepEqual(entryMetric({ event: "scored", run: "r", source: "harness", t: 1, val_bpb: 0.01, step: 3, nested: { a: 1 }, nan: NaN }), { val_bpb: 0.01, step: 3 });
  assert.equal(entryMetric([1, 2]), null);
  assert.equal(entryMetric("scored"), null);
  assert.equal(entryMetric(null), null);
});
