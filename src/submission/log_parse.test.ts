// The log parser on small inline logs: one test per precedence rule, per run rule and per field style.
import assert from "node:assert/strict";
import { test } from "node:test";
import { looksLikeTrainingLog, parseLog, seedFromFileName, stripTimestamp } from "./log_parse.js";

const log = (...lines: string[]) => lines.join("\n") + "\n";

// a reference-style run up to its quantized roundtrip final
const REFERENCE_RUN = [
  "val_bpb:enabled tokenizer_kind=sentencepiece tokenizer_path=./data/tokenizers/fineweb_1024_bpe.model",
  "seed:1337",
  "step:0/20000 val_loss:6.9357 val_bpb:4.1077 train_time:0ms step_avg:0.02ms",
  "step:100/20000 train_loss:3.1000 train_time:5000ms step_avg:50.00ms",
  "step:200/20000 train_loss:2.9000 train_time:10000ms step_avg:50.00ms",
  "step:200/20000 val_loss:2.1000 val_bpb:1.2500 train_time:10000ms step_avg:50.00ms",
  "stopping_early: wallclock_cap train_time:600038ms step:13780/20000",
  "Serialized model: 67224983 bytes",
  "Code size: 47642 bytes",
  "Total submission size: 67272625 bytes",
  "Serialized model int8+zlib: 15815847 bytes (payload:17178912 raw_torch:17224025 payload_ratio:3.91x)",
  "Total submission size int8+zlib: 15863489 bytes",
  "final_int8_zlib_roundtrip val_loss:2.0727 val_bpb:1.2244 eval_time:1401ms",
  "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570",
];

test("a reference log: the exact roundtrip final, bytes, train time, steps and curves", () => {
  const r = parseLog(log(...REFERENCE_RUN), "train.log");
  assert.equal(r.final?.kind, "roundtrip");
  assert.equal(r.final?.value.val_bpb, 1.2243657);
  assert.equal(r.final?.value.val_loss, 2.07269931);
  assert.deepEqual(r.final?.evidence, { file: "train.log", line: 14, text: "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570" });
  assert.equal(r.evalSeconds?.value, 1.401, "the exact line's rounded twin gives the eval time");
  assert.equal(r.bytesTotal?.value, 15863489, "the last total (the quantized one), not the raw one");
  assert.equal(r.bytesModel?.value, 15815847);
  assert.equal(r.bytesCode?.value, 47642);
  assert.equal(r.trainSeconds?.value, 600.038);
  assert.equal(r.steps, 13780);
  assert.equal(r.seed?.value, 1337);
  assert.equal(r.seed?.evidence.line, 2);
  assert.deepEqual(r.trainCurve, [
    [100, 3.1],
    [200, 2.9],
  ]);
  assert.deepEqual(r.valCurve, [
    [0, 4.1077],
    [200, 1.25],
  ]);
});

test("sliding-window final beats the roundtrip final, wherever it is in the run", () => {
  const r = parseLog(log(...REFERENCE_RUN, "final_sliding_window val_loss:1.9698 val_bpb:1.1666 stride:64 seq_len:1024 eval_time:72611ms", "final_sliding_window_exact val_loss:1.96976839 val_bpb:1.16660881"), "x.log");
  assert.equal(r.final?.kind, "sliding");
  assert.equal(r.final?.value.val_bpb, 1.16660881);
  assert.equal(r.evalSeconds?.value, 72.611);
  // a compatibility roundtrip line after it repeating the value does not demote it
  const r2 = parseLog(log(...REFERENCE_RUN, "final_int6_sliding_window_exact val_loss:1.8 val_bpb:1.12278022", "final_int8_zlib_roundtrip_exact val_loss:1.8 val_bpb:1.12278022", "---", "val_bpb:          1.12278022"), "x.log");
  assert.equal(r2.final?.kind, "sliding");
  assert.equal(r2.final?.evidence.line, REFERENCE_RUN.length + 1);
});

test("a run that declared sliding-window final eval scores its roundtrip line as sliding", () => {
  const lines = [...REFERENCE_RUN];
  lines.splice(12, 0, "final_eval_mode:sliding_window stride:64 batch_seqs:1024");
  const r = parseLog(log(...lines), "x.log");
  assert.equal(r.final?.kind, "sliding");
  assert.equal(r.final?.value.val_bpb, 1.2243657);
});

test("TTT finals beat sliding; score-first (legal) TTT beats other TTT", () => {
  const other = parseLog(log(...REFERENCE_RUN, "final_int6_sliding_window_exact val_loss:1.9 val_bpb:1.13", "final_ttt_lora val_loss:2.0153 val_bpb:1.1935 eval_time:72361ms"), "x.log");
  assert.equal(other.final?.kind, "ttt");
  assert.equal(other.final?.value.val_bpb, 1.1935);
  assert.equal(other.evalSeconds?.value, 72.361);

  const legal = parseLog(
    log(
      ...REFERENCE_RUN,
      "final_int6_sliding_window_exact val_loss:1.9 val_bpb:1.13",
      "legal_ttt val_loss:1.8898 val_bpb:1.1192 eval_time:410268ms",
      "legal_ttt_exact val_loss:1.88976776 val_bpb:1.11922988",
      "final_ttt_lora val_loss:1.7 val_bpb:1.05 eval_time:1000ms",
    ),
    "x.log",
  );
  assert.equal(legal.final?.kind, "legal_ttt", "a later non-legal TTT line does not beat the legal one");
  assert.equal(legal.final?.value.val_bpb, 1.11922988);
  assert.equal(legal.evalSeconds?.value, 410.268);

  // ttt_sliding:done is a score-first summary; the named final after it wins, and is legal too
  const sliding = parseLog(
    log(
      ...REFERENCE_RUN,
      "quantized_sliding_window val_loss:2.8 val_bpb:1.08470119 eval_time:83569ms",
      "ttt_sliding:start chunks=1238 chunk_tokens=32768 total_windows=633409 stride=64 ttt_lr=0.005 ttt_epochs=3 freeze_blocks=0",
      "  ttt_chunk [1/1238] bpb=1.1 time=0.3s",
      "ttt_sliding:done val_loss=3.074214 val_bpb=1.336032 elapsed=405.0s",
      "final_int6_ttt val_loss:3.07421378 val_bpb:1.33603200 eval_time:405410ms",
    ),
    "x.log",
  );
  assert.equal(sliding.final?.kind, "legal_ttt");
  assert.equal(sliding.final?.evidence.line, REFERENCE_RUN.length + 5);
  // a summary alone still counts
  const summary = parseLog(log(...REFERENCE_RUN, "ttt_sliding:start chunks=2", "ttt_sliding:done val_loss=1.889768 val_bpb=1.119230 elapsed=409.8s"), "x.log");
  assert.equal(summary.final?.kind, "legal_ttt");
  assert.equal(summary.final?.value.val_bpb, 1.11923);
  assert.equal(summary.evalSeconds?.value, 409.8);
});

test("diagnostic, pre-quantization, periodic and progress lines are never finals", () => {
  const r = parseLog(
    log(
      "Hyperparameters:",
      "  seed: 7",
      "step:100/200 val_loss:2.0 val_bpb:1.0 train_time:100ms",
      "100/200 val_loss: 2.0 val_bpb: 0.99",
      "DIAGNOSTIC post_ema val_loss:1.9222 val_bpb:1.1385 eval_time:1960ms",
      "pre-quantization post-ema val_loss:2.54 val_bpb:1.10 eval_time:1733ms",
      "  sliding_eval [ 50%] 10/20 windows running_bpb=1.05",
      "  ttt_chunk [1/1238] bpb=1.1 time=0.3s",
      "jepa_diagnostics cos_sim:0.99 probe_bpb:9.09",
      "val_bpb:          1.0",
    ),
    "x.log",
  );
  assert.equal(r.final, null);
  assert.equal(r.seed?.value, 7);
  assert.deepEqual(r.valCurve, [
    [100, 1],
    [100, 0.99],
  ]);
});

test("several complete runs: the last complete one is read", () => {
  const second = REFERENCE_RUN.map((l) => l.replace("1.22436570", "1.19650941").replace("seed:1337", "seed:42"));
  const r = parseLog(log(...REFERENCE_RUN, ...second), "x.log");
  assert.equal(r.final?.value.val_bpb, 1.19650941);
  assert.equal(r.final?.evidence.line, 2 * REFERENCE_RUN.length);
  assert.equal(r.seed?.value, 42, "the seed of the run read");
});

test("a later run that failed does not override the earlier scored run", () => {
  const crashed = [
    "val_bpb:enabled tokenizer_kind=sentencepiece",
    "seed:99",
    "step:100/20000 train_loss:3.1000 train_time:5000ms step_avg:50.00ms",
    "Traceback (most recent call last):",
    'RuntimeError: CUDA error: out of memory',
  ];
  const r = parseLog(log(...REFERENCE_RUN, ...crashed), "x.log");
  assert.equal(r.final?.value.val_bpb, 1.2243657);
  assert.equal(r.seed?.value, 1337);
  assert.equal(r.steps, 13780);
  assert.equal(r.bytesTotal?.value, 15863489);
  // a run stopped after training but before its final is failed too
  const unscored = ["val_bpb:enabled", "seed:5", "step:100/20000 train_loss:3.1 train_time:5000ms", "stopping_early: wallclock_cap train_time:600000ms step:9000/20000"];
  assert.equal(parseLog(log(...REFERENCE_RUN, ...unscored), "x.log").final?.value.val_bpb, 1.2243657);
  // an aborted start before the real run merges into it (no content yet)
  const r3 = parseLog(log("val_bpb:enabled", "seed:1337", "warmup_step:1/20", ...REFERENCE_RUN), "x.log");
  assert.equal(r3.final?.evidence.line, REFERENCE_RUN.length + 3);
});

test("no complete run: no final, but the last run's curves and time", () => {
  const r = parseLog(log("--- Hyperparameters ---", "seed=42 lr=0.1", "step:0/10 val_loss:2.8153 val_bpb:1.5689 train_time:0ms", "step:1/10 fitness:-3.0060 t:35171ms step_avg:35171.2ms"), "x.txt");
  assert.equal(r.final, null);
  assert.equal(r.steps, 1);
  assert.equal(r.trainSeconds?.value, 35.171);
  assert.equal(r.seed?.value, 42);
});

test("timestamp prefixes are stripped: epoch seconds, epoch ms, ISO and time of day", () => {
  assert.equal(stripTimestamp("1774000000.123 step:1/2 train_loss:1"), "step:1/2 train_loss:1");
  assert.equal(stripTimestamp("[1774000000] final_int8_zlib_roundtrip val_loss:1 val_bpb:2"), "final_int8_zlib_roundtrip val_loss:1 val_bpb:2");
  assert.equal(stripTimestamp("1774000000123 | seed:3"), "seed:3");
  assert.equal(stripTimestamp("2026-03-19T10:00:00.5Z step:1/2"), "step:1/2");
  assert.equal(stripTimestamp("[12:00:01] seed:3"), "seed:3");
  assert.equal(stripTimestamp("0/20000 val_loss: 9.0"), "0/20000 val_loss: 9.0", "a bare step is not a timestamp");
  const stamped = REFERENCE_RUN.map((l, i) => `${1774000000 + i}.${String(i).padStart(3, "0")} ${l}`);
  const r = parseLog(log(...stamped), "x.log");
  assert.equal(r.final?.value.val_bpb, 1.2243657);
  assert.equal(r.final?.kind, "roundtrip");
  assert.equal(r.bytesTotal?.value, 15863489);
  assert.equal(r.trainSeconds?.value, 600.038);
  assert.equal(r.seed?.value, 1337);
  assert.equal(r.valCurve.length, 2);
});

test("other styles: budget lines, minutes train time, key=value and env seeds, --seed", () => {
  const ternary = parseLog(
    log(
      "--- Hyperparameters ---",
      "activation_type=relu2 run_id=x scalar_lr=0.02 seed=7 seq_len_start=0",
      "step:1000/10000 loss:3.3120 t:91478ms avg:91.5ms",
      "stopping_early: wallclock_cap train_time:599602ms step:6530/10000",
      "artifact:15.92MB ternary:64880640(14237274B) fp:2513744(2537376B) code:70853",
      "budget:15992753/16000000 (15.99/16.00MB) FITS",
      "final_ternary_roundtrip val_loss:3.0604 val_bpb:1.1850",
      "temp_scaling optimal_T:0.90 eval_time:146ms",
      "final_sliding val_loss:2.9901 val_bpb:1.1578 (stride=16, T=0.90) eval_time:429023ms",
    ),
    "ternary_log_7.txt",
  );
  assert.equal(ternary.seed?.value, 7);
  assert.equal(ternary.seedFromName, 7);
  assert.equal(ternary.final?.kind, "sliding");
  assert.equal(ternary.final?.value.val_bpb, 1.1578);
  assert.equal(ternary.bytesTotal?.value, 15992753);
  assert.equal(ternary.bytesCode?.value, 70853);
  assert.equal(ternary.evalSeconds?.value, 429.023);
  assert.deepEqual(ternary.trainCurve, [[1000, 3.312]]);

  const minutes = parseLog(log("Hyperparameters:", "  seed: 0", "1/20000 train_loss: 9.0093 train_time: 0.5m tok/s: 8343627", "0/20000 val_loss: 9.0076 val_bpb: 3.4871"), "x.log");
  assert.equal(minutes.trainSeconds?.value, 30);
  assert.equal(minutes.seed?.value, 0);
  assert.deepEqual(minutes.valCurve, [[0, 3.4871]]);

  assert.equal(parseLog(log("Running with:", "  SEED=42", "step:1/2 train_loss:1 train_time:1ms"), "x.txt").seed?.value, 42);
  assert.equal(parseLog(log("cmd: python train.py --seed 314", "step:1/2 train_loss:1 train_time:1ms"), "x.txt").seed?.value, 314);
  assert.equal(parseLog(log("shuffle_seed:9", "step:1/2 train_loss:1 train_time:1ms"), "x.txt").seed, null);
});

test("a pgolf-native log: the evaluator's roundtrip lines are kind pgolf", () => {
  const text = log(
    "pgolf 0.1.0 track:cpu-10min-2mb seed:3 threads:2",
    "train_loader:dataset:tiny train_shards:1",
    "step:10/100 train_loss:4.0000 train_time:1000ms step_avg:100.00ms",
    "stopping_early: wallclock_cap train_time:600000ms step:50/100",
    "Serialized model int8+zlib: 1000 bytes",
    "Code size: 200 bytes",
    "Total submission size int8+zlib: 1200 bytes",
    "final_int8_zlib_roundtrip val_loss:3.0000 val_bpb:2.5000 eval_time:9000ms",
    "final_int8_zlib_roundtrip_exact val_loss:3.00000000 val_bpb:2.50000000",
  );
  const r = parseLog(text, "train_seed3.log", { pgolf: true });
  assert.equal(r.final?.kind, "pgolf");
  assert.equal(r.seed?.value, 3);
  assert.equal(r.seedFromName, 3);
  assert.equal(r.bytesTotal?.value, 1200);
  assert.equal(r.evalSeconds?.value, 9);
  assert.equal(r.steps, 50);
  // the harness header alone marks the log as pgolf's
  assert.equal(parseLog(text, "train_seed3.log").final?.kind, "pgolf");
});

test("seeds from file names", () => {
  assert.equal(seedFromFileName("train_seed42.log"), 42);
  assert.equal(seedFromFileName("logs/seed1337.log"), 1337);
  assert.equal(seedFromFileName("log_10mins_seed-7.txt"), 7);
  assert.equal(seedFromFileName("hybrid_gdn_1xh100_600s_seq32768_s42.txt"), 42);
  assert.equal(seedFromFileName("ternary_log_1337.txt"), 1337);
  assert.equal(seedFromFileName("train.log"), null);
  assert.equal(seedFromFileName("train_v3.txt"), null);
  assert.equal(seedFromFileName("baseline_1xh100_600s_seq16384.txt"), null);
});

test("training logs are told from other text files", () => {
  assert.ok(looksLikeTrainingLog("step:1/10 train_loss:3"));
  assert.ok(looksLikeTrainingLog("final_int8_zlib_roundtrip val_loss:1 val_bpb:1"));
  assert.ok(!looksLikeTrainingLog("torch==2.4\nnumpy\n"));
});

// a run that stops at the cap and then calibrates GPTQ: lines as the contest's scripts print them
const stopped = (train: string, ...after: string[]) => log("Hyperparameters:", "  seed: 42", `4500/20000 train_loss: 2.8806 train_time: 8.8m tok/s: 6718915`, `stopping_early: wallclock_cap train_time: ${train} step: 4915/20000`, ...after, "quantized_sliding_window val_loss:2.79 val_bpb:1.0799 eval_time:98000ms");

test("post-stop training work: GPTQ calibration and Hessian collection after the stop line, with their own durations", () => {
  // named training data, seconds; the quantization that follows reads no data and is not counted
  const a = parseLog(stopped("586200ms", "gptq:calibrating with 64 batches (training data)...", "gptq:calibrated 66 layers in 6.7s", "gptq:quantized 66 layers in 3.0s", "GPTQ quantization: 66 layers with full GPTQ, 0 fallback to clip-search"), "train_seed42.log");
  assert.equal(a.trainSeconds?.value, 586.2);
  assert.deepEqual(a.postStopTraining, [{ what: "GPTQ calibration", data: "training", seconds: 6.7, evidence: { file: "train_seed42.log", line: 6, text: "gptq:calibrated 66 layers in 6.7s" } }]);
  // data not named (the reference's GPTQ takes its batches from the training loader)
  const b = parseLog(stopped("588045ms", "GPTQ:collecting Hessians from calibration data...", "GPTQ:collected 67 Hessians in 12.7s", "GPTQ:saved Hessian diagnostics to hessian_diagnostics.pt (67 matrices)"), "x.log");
  assert.deepEqual(b.postStopTraining.map((w) => [w.what, w.data, w.seconds, w.evidence.line]), [["GPTQ calibration", "unnamed", 12.7, 6]]);
  // other styles: time=, post_time:Nms (preferred over the total it is printed with), milliseconds
  assert.deepEqual(parseLog(stopped("590000ms", "gptq:collecting hessians batches=64 source=train", "gptq:hessians collected layers=68 time=5.2s"), "x.log").postStopTraining.map((w) => [w.data, w.seconds]), [["training", 5.2]]);
  assert.deepEqual(parseLog(stopped("590000ms", "gptq:collected hessians for 70 layers post_time:5200ms total_train_time:595200ms"), "x.log").postStopTraining.map((w) => w.seconds), [5.2]);
  assert.deepEqual(parseLog(stopped("590000ms", "gptq:calibration done in 900ms, 68 layers"), "x.log").postStopTraining.map((w) => w.seconds), [0.9]);
});

test("post-stop training work: not counted before the stop, on self-generated or validation data, or twice for one phase", () => {
  // calibration inside the training budget (before the stop line) is training time already
  const inside = log("Hyperparameters:", "gptq:calibrated 66 layers in 6.7s", "4500/20000 train_loss: 2.8806 train_time: 8.8m", "stopping_early: wallclock_cap train_time: 590000ms step: 4915/20000", "quantized val_loss:2.79 val_bpb:1.08");
  assert.deepEqual(parseLog(inside, "x.log").postStopTraining, []);
  // autoregressive self-generated calibration reads no training data (the contest allowed it)
  const ar = stopped(
    "600028ms",
    "gptq:calibration recurrence_active=1 repeat_mlp=2 parallel_residual=1 ar_selfgen=1",
    "gptq:generating autoregressive calibration data (64 seqs x 2048 tokens, temp=0.80)...",
    "gptq:generated 64 sequences in 238.8s",
    "gptq:collecting hessians from autoregressive data...",
    "gptq:collected hessians for 70 layers (AR self-gen)",
    "gptq:done in 239.9s",
    "gptq:loop-aware calibrated 70 layers in 239.9s",
  );
  assert.deepEqual(parseLog(ar, "x.log").postStopTraining, []);
  assert.deepEqual(parseLog(stopped("590000ms", "gptq:using validation data for calibration (64 seqs x 2048 tokens)", "gptq:calibrated 66 layers in 4.0s"), "x.log").postStopTraining, []);
  // ar_selfgen=0 is training data; a phase's duration logged twice (a summary, or every rank) counts once, the longest
  const twice = parseLog(stopped("590000ms", "gptq:calibration ar_selfgen=0", "gptq:calibrated 66 layers in 6.7s", "gptq:calibrated 66 layers in 6.9s (total train+gptq: 596.9s / 600s)"), "x.log");
  assert.deepEqual(twice.postStopTraining.map((w) => [w.seconds, w.evidence.line]), [[6.9, 7]]);
  // two announced phases are two
  const two = parseLog(stopped("580000ms", "gptq:calibrating with 64 batches (training data)...", "gptq:calibrated 66 layers in 6.7s", "gptq:calibrating with 32 batches (training data)...", "gptq:calibrated 2 layers in 1.5s"), "x.log");
  assert.deepEqual(two.postStopTraining.map((w) => w.seconds), [6.7, 1.5]);
  // no stop line: nothing is post-stop
  assert.deepEqual(parseLog(log(...REFERENCE_RUN.filter((l) => !l.startsWith("stopping_early")), "gptq:calibrated 66 layers in 6.7s"), "x.log").postStopTraining, []);
});
