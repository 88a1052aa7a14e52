// Reading record folders: all 47 real folders of the original contest read without a throw, and
// spot checks against values read by hand from their files; pgolf-native records and damaged
// folders (built in temporary folders) read as the model says.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { throwsCode } from "../../test/support/errors.js";
import { FIXTURES, tempDir } from "../../test/support/fixtures.js";
import { originalLog } from "../../test/support/original_record.js";
import { sha256 } from "../core/hash.js";
import { jsonKeyLines } from "./json_key_lines.js";
import type { NormalizedRecord, SeedLog } from "./normalized_record.js";
import { canonicalTrack, findRecords, isoDate, readRecord } from "./read_record.js";
import { SUBMISSION_SCHEMA_ID, submissionProblems } from "./submission_schema.js";

const RECORDS = path.join(FIXTURES, "pgolf-records");
const T10 = path.join(RECORDS, "track_10min_16mb");
const NR = path.join(RECORDS, "track_non_record_16mb");
const needsRecords = (): { skip?: string } => (fs.existsSync(RECORDS) ? {} : { skip: `contest records not found at ${RECORDS} (they live in ../shared/fixtures beside the project)` });
const work = tempDir("pgolf-read-record-");

function logOf(r: NormalizedRecord, file: string): SeedLog {
  const l = r.logs.find((x) => x.log === file);
  assert.ok(l, `${r.id} has no log ${file} (has ${r.logs.map((x) => x.log).join(", ")})`);
  return l;
}

const bpbs = (r: NormalizedRecord) => Object.fromEntries(r.logs.map((l) => [l.log, l.final?.value.val_bpb ?? null]));

test("findRecords finds the 47 contest folders; a record folder alone is [itself]", needsRecords(), () => {
  const all = findRecords(RECORDS);
  assert.equal(all.length, 47);
  assert.equal(all.filter((d) => d.includes("track_10min_16mb")).length, 35);
  assert.ok(all.includes(path.join(NR, "2026-04-05_118M_XNOR-Net_FP8_1024D_10L")), "a folder with only .txt logs is a record");
  assert.ok(all.includes(path.join(T10, "2026-03-19_int6_STE QAT_ MLP_bigram _U_Net")), "a folder with only a log is a record");
  assert.ok(!all.some((d) => d.endsWith("logs_experiment") || d.endsWith(`${path.sep}logs`)), "a record's log subfolders are not records");
  assert.deepEqual(findRecords(path.join(T10, "2026-03-17_NaiveBaseline")), [path.join(T10, "2026-03-17_NaiveBaseline")]);
  throwsCode(() => findRecords(path.join(work, "nowhere")), "FILE_NOT_FOUND");
});

test("every contest folder reads without a throw, with evidence on every value", needsRecords(), () => {
  for (const dir of findRecords(RECORDS)) {
    const r = readRecord(dir);
    assert.equal(r.format, "original", r.id);
    assert.ok(r.track === "10min-16mb" || r.track === "non-record-16mb", `${r.id}: track ${r.track}`);
    for (const l of r.logs) {
      assert.match(l.sha256, /^[0-9a-f]{64}$/);
      for (const v of [l.final, l.seed, l.bytesTotal, l.bytesModel, l.bytesCode, l.trainSeconds, l.evalSeconds]) {
        if (v) assert.ok(v.evidence.file === l.log && (v.evidence.line ?? 0) >= 1, `${r.id}/${l.log}: evidence ${JSON.stringify(v.evidence)}`);
      }
      if (l.final) assert.ok(l.final.value.val_bpb > 0.5 && l.final.value.val_bpb < 3, `${r.id}/${l.log}: ${l.final.value.val_bpb}`);
    }
    if (r.claims.val_bpb) assert.ok((r.claims.val_bpb.evidence.line ?? 0) >= 1, `${r.id}: claim evidence`);
  }
});

test("NaiveBaseline: one log, the exact roundtrip final, bytes and claims", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-03-17_NaiveBaseline"));
  assert.equal(r.id, "2026-03-17_NaiveBaseline");
  assert.equal(r.track, "10min-16mb");
  assert.equal(r.date, "2026-03-18T14:56:29Z");
  assert.equal(r.name, "Naive Baseline");
  assert.equal(r.github_id, "openai");
  assert.equal(r.logs.length, 1);
  const l = logOf(r, "train.log");
  assert.equal(l.final?.kind, "roundtrip");
  assert.equal(l.final?.value.val_bpb, 1.2243657);
  assert.equal(l.final?.value.val_loss, 2.07269931);
  assert.equal(l.final?.evidence.line, 448);
  assert.equal(l.final?.value.val_bpb.toFixed(4), "1.2244");
  assert.equal(l.bytesTotal?.value, 15863489);
  assert.equal(l.bytesTotal?.evidence.line, 446);
  assert.equal(l.bytesModel?.value, 15815847);
  assert.equal(l.bytesCode?.value, 47642);
  assert.equal(l.seed?.value, 1337);
  assert.equal(l.seedFromName, null);
  assert.equal(l.trainSeconds?.value, 600.038);
  assert.equal(l.evalSeconds?.value, 1.401);
  assert.equal(l.steps, 13780);
  assert.equal(l.sha256, sha256(fs.readFileSync(path.join(T10, "2026-03-17_NaiveBaseline", "train.log"))));
  assert.equal(r.claims.file, "submission.json");
  assert.equal(r.claims.val_bpb?.value, 1.2243657);
  assert.deepEqual(r.claims.val_bpb?.evidence, { file: "submission.json", line: 8, text: '"val_bpb": 1.2243657,' });
  assert.equal(r.claims.bytes_total?.value, 15863489);
  assert.equal(r.claims.bytes_code?.value, 47642);
  assert.deepEqual(r.claims.seeds, []);
  assert.equal(r.claims.seedCount, null);
  assert.deepEqual(r.readProblems, []);
});

test("A2_Muon097_3Seed: three logs, legal TTT finals equal to the JSON's per-seed values (seeds keyed by seed)", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-04-09_A2_Muon097_3Seed"));
  assert.deepEqual(
    r.logs.map((l) => [l.log, l.seed?.value, l.seedFromName, l.final?.kind, l.final?.value.val_bpb, l.final?.evidence.line]),
    [
      ["train_seed0.log", 0, 0, "legal_ttt", 1.07928348, 297],
      ["train_seed1234.log", 1234, 1234, "legal_ttt", 1.08024795, 297],
      ["train_seed42.log", 42, 42, "legal_ttt", 1.07996676, 297],
    ],
  );
  assert.deepEqual(
    r.claims.seeds.map((s) => [s.seed, s.val_bpb, s.val_loss, s.bytes_total, s.evidence.line]),
    [
      [0, 1.07928348, 2.78790132, 15993346, 12],
      [42, 1.07996676, 2.7896663, 15992995, 13],
      [1234, 1.08024795, 2.79039264, 15994604, 14],
    ],
  );
  for (const s of r.claims.seeds) assert.equal(r.logs.find((l) => l.seed?.value === s.seed)?.final?.value.val_bpb, s.val_bpb);
  assert.equal(r.claims.val_bpb?.value, 1.07983273);
  assert.equal(r.claims.seedCount?.value, 3);
  assert.equal(logOf(r, "train_seed0.log").evalSeconds?.value, 341.841);
  assert.equal(logOf(r, "train_seed0.log").trainSeconds?.value, 588.052);
  assert.equal(logOf(r, "train_seed0.log").bytesTotal?.value, 15993346);
  assert.deepEqual(r.parents, ["#1394", "#461", "#549", "#1420"]);
});

test("Ternary: the JSON reports the best seed (1.1565) while its blurb says 3-seed mean", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-03-24_74M_Ternary_UNet_FP8_10L_8192BPE_YaRN_NeoMuon"));
  assert.equal(r.claims.file, "submission_ternary.json");
  assert.equal(r.claims.val_bpb?.value, 1.1565);
  assert.equal(r.claims.seedCount?.value, 3);
  assert.equal(r.claims.seedCount?.evidence.line, 5, "the blurb's line");
  assert.deepEqual(bpbs(r), { "ternary_log_1337.txt": 1.1568, "ternary_log_42.txt": 1.1565, "ternary_log_7.txt": 1.1578 });
  assert.ok(r.logs.every((l) => l.final?.kind === "sliding" && l.seed?.value === l.seedFromName));
  const mean = r.logs.reduce((a, l) => a + (l.final?.value.val_bpb ?? 0), 0) / r.logs.length;
  assert.ok(Math.abs(mean - 1.15703) < 1e-5 && r.claims.val_bpb.value === Math.min(...r.logs.map((l) => l.final?.value.val_bpb ?? 9)));
  assert.equal(logOf(r, "ternary_log_42.txt").bytesTotal?.value, 15993853, "budget:N/16000000");
  assert.equal(logOf(r, "ternary_log_42.txt").bytesCode?.value, 70853);
});

test("MLP3x_QAT_Int6_SlidingWindow: claims 3 seeds, one log", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-03-19_MLP3x_QAT_Int6_SlidingWindow"));
  assert.equal(r.claims.seedCount?.value, 3);
  assert.deepEqual(
    r.claims.seeds.map((s) => s.seed),
    [1337, 42, 123],
  );
  assert.equal(r.claims.val_bpb?.value, 1.15015359);
  assert.equal(r.name, "11L_MLP3x_WD04_Int6QAT_Zstd22_SlidingWindow", "run_name");
  assert.equal(r.logs.length, 1);
  const l = logOf(r, "train.log");
  assert.equal(l.seed?.value, 1337);
  assert.equal(l.final?.kind, "sliding");
  assert.equal(l.final?.value.val_bpb, 1.16660881);
});

test("HessianSDClip: bytes_total counts only the model; the logs' totals are over 16,000,000; train.log duplicates seed 1337's", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-04-06_SP8192_HessianSDClip_ProgressiveRecurrence"));
  assert.equal(r.claims.bytes_total?.value, 15978121);
  const models = r.logs.filter((l) => l.log !== "train.log").map((l) => l.bytesModel?.value ?? 0);
  assert.equal(Math.round(models.reduce((a, b) => a + b, 0) / models.length), 15978121);
  assert.deepEqual(
    r.logs.map((l) => [l.log, l.bytesTotal?.value]),
    [
      ["train.log", 16054963],
      ["train_seed1337.log", 16054963],
      ["train_seed3141.log", 16059704],
      ["train_seed42.log", 16058494],
    ],
  );
  assert.equal(logOf(r, "train.log").sha256, logOf(r, "train_seed1337.log").sha256);
  assert.equal(logOf(r, "train_seed42.log").final?.kind, "sliding");
  assert.equal(logOf(r, "train_seed42.log").final?.value.val_bpb, 1.08362987);
  assert.deepEqual(r.parents, ["#1394"], "based_on");
});

test("GPTQ-lite: the final is not the last line (a compatibility line and a summary follow)", needsRecords(), () => {
  const dir = path.join(T10, "2026-03-22_11L_EMA_GPTQ-lite_warmdown3500_QAT015_1.1233");
  const r = readRecord(dir);
  const l = logOf(r, "train.log");
  assert.equal(fs.readFileSync(path.join(dir, "train.log"), "utf8").trimEnd().split("\n").length, 86);
  assert.equal(l.final?.kind, "sliding");
  assert.equal(l.final?.evidence.line, 80);
  assert.equal(l.final?.value.val_bpb, 1.12278022);
  assert.equal(l.evalSeconds?.value, 73.133);
  assert.equal(l.bytesTotal?.value, 15555017);
  assert.equal(r.claims.val_bpb?.value, 1.12278022);
});

test("several runs in one log: the last complete run; an aborted earlier start merges", needsRecords(), () => {
  const mixed = logOf(readRecord(path.join(T10, "2026-03-19_MixedQuant_Int6Int8_SlidingWindow")), "train.log");
  assert.equal(mixed.final?.evidence.line, 342);
  assert.equal(mixed.final?.value.val_bpb, 1.16301431);
  assert.equal(mixed.bytesTotal?.value, 15353490);
  assert.equal(mixed.steps, 12395);
  const hnet = readRecord(path.join(NR, "2026-03-29_HNet_ByteVsSubword_Study"));
  assert.equal(logOf(hnet, "train_byte260_4h.log").final?.evidence.line, 575);
  assert.equal(logOf(hnet, "train_byte260_4h.log").final?.value.val_bpb, 1.35945128);
  assert.equal(logOf(hnet, "train_byte260_4h.log").trainSeconds?.value, 14399.952);
  assert.equal(logOf(hnet, "train_byte260_best_10_min.log").final?.evidence.line, 169);
});

test("a log whose later run failed keeps the earlier scored run (a baseline-format log + a crashed rerun)", () => {
  const dir = path.join(work, "failed_rerun");
  fs.mkdirSync(dir, { recursive: true });
  const base = originalLog(1337, 1.2243657, { bytesModel: 15_815_847, bytesCode: 47_642 });
  const finalLine = base.trimEnd().split("\n").length;
  const rerun = ["val_bpb:enabled tokenizer_kind=sentencepiece", "seed:7", "step:1/20000 train_loss:6.9 train_time:100ms step_avg:100.00ms", "Traceback (most recent call last):", "torch.OutOfMemoryError: CUDA out of memory."];
  fs.writeFileSync(path.join(dir, "train.log"), base.trimEnd() + "\n" + rerun.join("\n") + "\n");
  const l = logOf(readRecord(dir), "train.log");
  assert.equal(l.final?.value.val_bpb, 1.2243657);
  assert.equal(l.final?.evidence.line, finalLine);
  assert.equal(l.seed?.value, 1337);
  assert.equal(l.bytesTotal?.value, 15863489);
});

test("a log with epoch-timestamp prefixes reads like the plain one (a baseline-format log, stamped)", () => {
  const plainDir = path.join(work, "plain");
  fs.mkdirSync(plainDir, { recursive: true });
  const text = originalLog(1337, 1.2243657);
  fs.writeFileSync(path.join(plainDir, "train.log"), text);
  const dir = path.join(work, "stamped");
  fs.mkdirSync(dir, { recursive: true });
  const lines = text.trimEnd().split("\n");
  fs.writeFileSync(path.join(dir, "train_seed1337.log"), lines.map((x, i) => `${1773845000 + i}.${String(i % 1000).padStart(3, "0")} ${x}`).join("\n") + "\n");
  const plain = logOf(readRecord(plainDir), "train.log");
  const l = logOf(readRecord(dir), "train_seed1337.log");
  assert.ok(plain.final && plain.trainSeconds && plain.bytesTotal && plain.valCurve.length > 0, "the plain log reads whole");
  assert.deepEqual(l.final?.value, plain.final?.value);
  assert.equal(l.final?.evidence.line, lines.length);
  for (const k of ["bytesTotal", "bytesModel", "bytesCode", "trainSeconds", "evalSeconds", "seed"] as const) assert.equal(l[k]?.value, plain[k]?.value, k);
  assert.equal(l.steps, plain.steps);
  assert.deepEqual(l.valCurve, plain.valCurve);
  assert.equal(l.seedFromName, 1337);
});

test("SP4096: seed 42's log ends with a score-first TTT final (1.336) worse than its sliding score the JSON claims", needsRecords(), () => {
  const r = readRecord(path.join(T10, "2026-04-04_SP4096_DepthRecurrence_ParallelResid_MuonEqR"));
  const l = logOf(r, "train_seed42.log");
  assert.equal(l.final?.kind, "legal_ttt");
  assert.equal(l.final?.value.val_bpb, 1.336032);
  assert.equal(l.final?.evidence.line, 277);
  assert.equal(r.claims.seeds.find((s) => s.seed === 42)?.val_bpb, 1.08938974);
  assert.equal(logOf(r, "train_seed314.log").final?.kind, "sliding");
  assert.equal(logOf(r, "train_seed314.log").final?.value.val_bpb, 1.08982552);
});

test("GDN: logs in a subfolder; a log's seed contradicts the JSON's; the folder's track wins over the JSON's spelling", needsRecords(), () => {
  const r = readRecord(path.join(NR, "2026-04-04_GDN_Hybrid_LongContext"));
  assert.equal(r.track, "non-record-16mb");
  assert.equal(r.logs.length, 10);
  const l = logOf(r, "logs_experiment/hybrid_gdn_1xh100_600s_seq32768.txt");
  assert.equal(l.seed?.value, 1342);
  assert.equal(l.final?.value.val_bpb, 1.47025754);
  assert.deepEqual(
    r.claims.seeds.map((s) => [s.seed, s.val_bpb]),
    [
      [1341, 1.4703],
      [42, 1.4716],
    ],
  );
  const s42 = logOf(r, "logs_experiment/hybrid_gdn_1xh100_600s_seq32768_s42.txt");
  assert.equal(s42.seedFromName, 42);
  assert.equal(s42.seed?.value, 42);
  assert.equal(s42.final?.evidence.line, 222, "two identical runs: the last");
  assert.equal(logOf(r, "logs_experiment/hybrid_gdn_1xh100_600s_seq16384_seed1341.txt").seed?.value, 1341);
});

test("XNOR-Net: no JSON, .txt logs; unscored logs have no final; LoRA TTT: other-TTT finals and an over-time log", needsRecords(), () => {
  const x = readRecord(path.join(NR, "2026-04-05_118M_XNOR-Net_FP8_1024D_10L"));
  assert.equal(x.claims.file, null);
  assert.deepEqual(
    x.readProblems.map((p) => p.kind),
    ["missing-file"],
  );
  assert.equal(x.logs.length, 9);
  assert.equal(logOf(x, "log_eggroll_3-last-layers.txt").final, null);
  assert.equal(logOf(x, "log_10mins_seed-7.txt").final?.value.val_bpb, 1.5799);
  assert.equal(logOf(x, "log_10mins_seed-7.txt").seedFromName, 7);
  assert.equal(logOf(x, "log_eggroll_lora.txt").final?.kind, "roundtrip");

  const lora = readRecord(path.join(T10, "2026-03-17_LoRA_TTT"));
  assert.deepEqual(bpbs(lora), { "train_v0.txt": 1.1935, "train_v1.txt": 1.1927, "train_v2.txt": 1.1921, "train_v3.txt": 1.1929 });
  assert.ok(lora.logs.every((l) => l.final?.kind === "ttt" && l.seed?.value === 1337));
  assert.equal(logOf(lora, "train_v1.txt").trainSeconds?.value, 2400.107);
  assert.equal(lora.claims.bytes_total?.value, 15882446);
});

test("claims in other shapes: seed_results only, a lone seed, val_loss without val_bpb, tags", needsRecords(), () => {
  const o = readRecord(path.join(T10, "2026-03-19_SlidingWindow_FP16Emb_10L_MuonWD_OvertoneInit"));
  assert.equal(o.claims.val_bpb?.value, 1.17475315, "mean_val_bpb");
  assert.equal(o.claims.bytes_total?.value, 15374243, "artifact_bytes");
  assert.equal(o.claims.bytes_code?.value, 50651, "code_bytes");
  assert.deepEqual(
    o.claims.seeds.map((s) => [s.seed, s.val_bpb]),
    [
      [7, 1.17443456],
      [42, 1.17423973],
      [1337, 1.17558517],
    ],
  );
  assert.equal(logOf(o, "train_seed42.log").final?.kind, "sliding", "its roundtrip line is a sliding-window eval");
  assert.equal(logOf(o, "train_seed42.log").bytesCode?.value, 55483);

  const s = readRecord(path.join(T10, "2026-03-19_smeargate_orthoinit_muonwd"));
  assert.deepEqual(
    s.claims.seeds.map((x) => x.seed),
    [1337],
  );
  assert.equal(s.claims.bytes_total?.value, 15878809, "artifact_size_bytes");
  assert.equal(s.techniques.length, 10);
  assert.equal(s.date, null);

  const i5 = readRecord(path.join(T10, "2026-03-20_10L_Int5MLP_MuonWD04_SWA50"));
  assert.equal(i5.claims.val_bpb, null);
  assert.equal(i5.claims.val_loss?.value, 1.14276);
  assert.equal(i5.claims.seedCount?.value, 3, "Mean of 3 seeds in the blurb");

  const leg = readRecord(path.join(NR, "2026-03-31_LegendreGPT"));
  const l = logOf(leg, "train.log");
  assert.equal(l.final?.value.val_bpb, 1.2353);
  assert.equal(l.bytesTotal?.value, 15441941);
  assert.equal(l.bytesModel?.value, 15370972);
  assert.equal(l.bytesCode?.value, 70969);
  assert.equal(l.seed, null);
  assert.equal(leg.claims.val_bpb?.value, 1.2266);
  assert.equal(readRecord(path.join(NR, "2026-03-18_Quasi10Bfrom50B_SP1024_9x512_KV4_4h_pgut3")).track, "non-record-16mb");
});

test("track spellings, dates and JSON key lines", () => {
  for (const s of ["10min_16mb", "track_10min_16mb", "10min-16mb"]) assert.equal(canonicalTrack(s), "10min-16mb");
  for (const s of ["non_record_16mb", "non-record-16mb", "track_non_record_16mb", "non-record-unlimited-compute-16mb"]) assert.equal(canonicalTrack(s), "non-record-16mb");
  assert.equal(isoDate("2026-03-18"), "2026-03-18T00:00:00Z");
  assert.equal(isoDate("2026-03-18T14:56:29Z"), "2026-03-18T14:56:29Z");
  assert.equal(isoDate("2026-03-18T14:56:29+01:00"), "2026-03-18T13:56:29Z");
  assert.equal(isoDate("soon"), null);
  const lines = jsonKeyLines('{\n  "a": 1,\n  "s": [\n    4,\n    {"seed": 5}\n  ],\n  "o": {\n    "42": {"v": "x\\"y"}\n  }\n}');
  assert.equal(lines.get("/a"), 2);
  assert.equal(lines.get("/s/0"), 4);
  assert.equal(lines.get("/s/1/seed"), 5);
  assert.equal(lines.get("/o/42"), 8);
  assert.equal(lines.get("/o/42/v"), 8);
});

function pgolfRecord(dir: string, seeds: number[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const results = seeds.map((seed, i) => {
    const bpb = 2.5 + i / 100;
    const log = [
      `pgolf 0.1.0 track:cpu-10min-2mb seed:${seed} threads:2`,
      "train_loader:dataset:tiny train_shards:1",
      "max_wallclock_seconds:600.000",
      "step:10/100 train_loss:4.0000 train_time:1000ms step_avg:100.00ms",
      "stopping_early: wallclock_cap train_time:600000ms step:50/100",
      "Serialized model int8+zlib: 1000 bytes",
      "Code size: 200 bytes",
      "Total submission size int8+zlib: 1200 bytes",
      `final_int8_zlib_roundtrip val_loss:3.0000 val_bpb:${bpb.toFixed(4)} eval_time:9000ms`,
      `final_int8_zlib_roundtrip_exact val_loss:3.00000000 val_bpb:${bpb.toFixed(8)}`,
    ].join("\n");
    fs.writeFileSync(path.join(dir, `train_seed${seed}.log`), log + "\n");
    const sha = "0".repeat(64);
    return { seed, val_loss: 3, val_bpb: bpb, bytes_code: 200, bytes_model: 1000, bytes_total: 1200, train_seconds: 600, eval_seconds: 9, eval_targets: 10, eval_bytes: 40, steps: 50, train_tokens: 1000, artifact_sha256: sha, log: `train_seed${seed}.log`, log_sha256: sha };
  });
  const submission = {
    schema: SUBMISSION_SCHEMA_ID,
    author: "Test Author",
    github_id: "tester",
    name: "Unigram",
    blurb: "a test",
    date: "2026-05-01T12:00:00Z",
    track: "cpu-10min-2mb",
    course: { name: "tiny", manifest_sha256: "1".repeat(64) },
    val_loss: 3,
    val_bpb: results.reduce((a, s) => a + s.val_bpb, 0) / results.length,
    val_loss_std: 0,
    val_bpb_std: 0.01,
    bytes_total: 1200,
    bytes_code: 200,
    seeds: results,
    hardware: "CPU, 2 threads",
    versions: { pgolf: "0.1.0", node: "20.0.0", onnxruntime: "1.0.0" },
    provenance: { parents: [{ ref: "records/2026-03-17_NaiveBaseline", kind: "record" }, { ref: "#1394", kind: "pr" }], techniques: ["unigram", "ttt"], assistance: [] },
  };
  assert.deepEqual(submissionProblems(submission), []);
  fs.writeFileSync(path.join(dir, "submission.json"), JSON.stringify(submission, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, "entry.ts"), "export default {};\n");
  fs.writeFileSync(path.join(dir, "config.json"), "{}\n");
  fs.writeFileSync(path.join(dir, "package.json"), '{"type":"module"}\n');
  fs.writeFileSync(path.join(dir, "README.md"), "# Unigram\n");
}

test("a pgolf-native record: format pgolf, claims from submission.json, kind pgolf, provenance", () => {
  const dir = path.join(work, "records", "pgolf_one");
  pgolfRecord(dir, [1, 2]);
  const r = readRecord(dir);
  assert.equal(r.format, "pgolf");
  assert.equal(r.track, "cpu-10min-2mb");
  assert.equal(r.date, "2026-05-01T12:00:00Z");
  assert.equal(r.author, "Test Author");
  assert.deepEqual(r.readProblems, []);
  assert.deepEqual(r.codeFiles, ["config.json", "entry.ts"]);
  assert.deepEqual(r.parents, ["records/2026-03-17_NaiveBaseline", "#1394"]);
  assert.deepEqual(r.techniques, ["unigram", "ttt"]);
  assert.equal(r.claims.val_bpb?.value, 2.505);
  assert.equal(r.claims.seedCount?.value, 2);
  assert.deepEqual(
    r.claims.seeds.map((s) => [s.seed, s.val_bpb, s.bytes_total]),
    [
      [1, 2.5, 1200],
      [2, 2.51, 1200],
    ],
  );
  assert.deepEqual(
    r.logs.map((l) => [l.log, l.seed?.value, l.seedFromName, l.final?.kind, l.final?.value.val_bpb, l.bytesTotal?.value, l.trainSeconds?.value, l.evalSeconds?.value, l.steps]),
    [
      ["train_seed1.log", 1, 1, "pgolf", 2.5, 1200, 600, 9, 50],
      ["train_seed2.log", 2, 2, "pgolf", 2.51, 1200, 600, 9, 50],
    ],
  );
  // a records root holding it and a contest folder finds both
  assert.deepEqual(findRecords(path.join(work, "records")), [dir]);
  // a missing seed log is a read problem, not a throw
  fs.rmSync(path.join(dir, "train_seed2.log"));
  const r2 = readRecord(dir);
  assert.deepEqual(
    r2.readProblems.map((p) => [p.kind, p.evidence.file]),
    [["missing-file", "submission.json"]],
  );
  assert.equal(r2.logs.length, 1);
});

test("damaged folders read with problems; a missing path or a non-record throws", () => {
  const bad = path.join(work, "bad_json");
  fs.mkdirSync(bad, { recursive: true });
  fs.writeFileSync(path.join(bad, "submission.json"), '{\n  "val_bpb": 1.2,\n  oops\n}\n');
  fs.writeFileSync(path.join(bad, "requirements.txt"), "torch\n");
  const r = readRecord(bad);
  assert.deepEqual(
    r.readProblems.map((p) => p.kind),
    ["schema", "missing-file"],
  );
  assert.equal(r.readProblems[0].evidence.line, 3);
  assert.equal(r.claims.val_bpb, null);
  assert.deepEqual(r.logs, []);
  throwsCode(() => readRecord(path.join(work, "nowhere")), "FILE_NOT_FOUND");
  const empty = path.join(work, "empty");
  fs.mkdirSync(empty, { recursive: true });
  fs.writeFileSync(path.join(empty, "notes.txt"), "hello\n");
  throwsCode(() => readRecord(empty), "RECORD_FILE");
});
