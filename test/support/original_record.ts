// Original-format record folders made at test time: a submission.json and one training log per seed in
// the reference train_gpt.py's line formats, written with pgolf's own formatter of those lines
// (src/train/log_lines.ts). They stand in for the real contest's folders where a test needs a record
// with a given property (passes its checks, claims its best seed, claims seeds it has no logs for),
// not the real data itself; tests of compatibility with the real records read ../shared/fixtures.
import * as fs from "node:fs";
import * as path from "node:path";
import { logLines } from "../../src/train/log_lines.js";

export interface OriginalRecordOptions {
  name: string;
  author?: string;
  date?: string;
  /** One scored run per entry: its seed and its exact roundtrip val_bpb. */
  seeds: { seed: number; bpb: number }[];
  /**
   * The val_bpb submission.json claims: the logs' mean rounded to 8 decimals (default), the best
   * seed's score, or a given number.
   */
  claim?: "mean" | "best" | number;
  /** Seeds submission.json lists as {seed, val_bpb}; with "logs", the logged seeds (default: none listed). */
  claimSeeds?: "logs" | { seed: number; val_bpb: number }[];
  /** A single run's log is named train.log (as the baseline's was) instead of train_seed<N>.log. */
  singleLog?: boolean;
  bytesModel?: number;
  bytesCode?: number;
  /** Training time of each run, milliseconds (default 599,000: within the 600 s cap). */
  trainMs?: number;
}

/** val_loss for a val_bpb, at the reference's ratio of nats per token to bits per byte on FineWeb sp1024. */
const lossOf = (bpb: number) => Number((bpb * 1.6928).toFixed(8));

/** One run's log: a seed line, a short training curve, the wallclock stop, the sizes and the scored finals. */
export function originalLog(seed: number, bpb: number, o: { bytesModel?: number; bytesCode?: number; trainMs?: number } = {}): string {
  const bytesModel = o.bytesModel ?? 15_815_847;
  const bytesCode = o.bytesCode ?? 47_642;
  const trainMs = o.trainMs ?? 599_000;
  const iterations = 20_000;
  const steps = [1, 2000, 4000, 6000, 8000, 10_000, 12_000];
  const lines = ["val_bpb:enabled tokenizer_kind=sentencepiece tokenizer_path=./data/tokenizers/fineweb_1024_bpe.model", `seed:${seed}`];
  steps.forEach((s, i) => {
    const ms = (trainMs * s) / 12_500;
    lines.push(logLines.trainStep(s, iterations, 6.9 - i * 0.7, ms));
    if (s > 1) lines.push(logLines.valStep(s, iterations, lossOf(bpb + 0.2 / i), bpb + 0.2 / i, ms));
  });
  lines.push(logLines.valStep(12_500, iterations, lossOf(bpb) - 0.002, bpb - 0.001, trainMs), logLines.stoppingEarly(trainMs, 12_500, iterations));
  lines.push(logLines.serialized(bytesModel), logLines.codeSize(bytesCode), logLines.totalSize(bytesModel + bytesCode));
  lines.push(logLines.roundtrip(lossOf(bpb), bpb, 1401), logLines.roundtripExact(lossOf(bpb), bpb));
  return lines.join("\n") + "\n";
}

/** The folder's files, by name. */
export function originalRecordFiles(o: OriginalRecordOptions): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const single = o.singleLog === true && o.seeds.length === 1;
  for (const s of o.seeds) files.set(single ? "train.log" : `train_seed${s.seed}.log`, Buffer.from(originalLog(s.seed, s.bpb, o)));
  const scores = o.seeds.map((s) => s.bpb);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const claim = o.claim === "best" ? Math.min(...scores) : typeof o.claim === "number" ? o.claim : Number(mean.toFixed(8));
  const listed = o.claimSeeds === "logs" ? o.seeds.map((s) => ({ seed: s.seed, val_bpb: s.bpb })) : (o.claimSeeds ?? []);
  const submission = {
    author: o.author ?? "Someone",
    github_id: (o.author ?? "someone").toLowerCase().replace(/\W+/g, "-"),
    name: o.name,
    blurb: `${o.name}: a record folder made by test/support/original_record.ts.`,
    date: o.date ?? "2026-03-18T14:56:29Z",
    val_loss: lossOf(claim),
    val_bpb: claim,
    bytes_total: (o.bytesModel ?? 15_815_847) + (o.bytesCode ?? 47_642),
    bytes_code: o.bytesCode ?? 47_642,
    ...(listed.length > 0 ? { seeds: listed } : {}),
  };
  files.set("submission.json", Buffer.from(JSON.stringify(submission, null, 2) + "\n"));
  return files;
}

/** Writes the folder `dir` (made if missing) and returns it. */
export function writeOriginalRecord(dir: string, o: OriginalRecordOptions): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, data] of originalRecordFiles(o)) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

/**
 * The records the contest-server tests use, by role. Each passes or fails pgolf's checks for the
 * reason its name gives (the tests assert those findings).
 */
export const ORIGINAL_RECORDS = {
  /** One seed, one train.log, the claim equal to its exact final: passes. */
  baseline: { name: "Naive Baseline", author: "Baseline", date: "2026-03-18T14:56:29Z", seeds: [{ seed: 1337, bpb: 1.2243657 }], singleLog: true },
  /** Three seeds listed in submission.json, the claim their mean: passes. */
  threeSeeds: { name: "Muon 0.97, three seeds", author: "Ada", date: "2026-04-09T10:00:00Z", seeds: [{ seed: 0, bpb: 1.07981234 }, { seed: 42, bpb: 1.07975111 }, { seed: 1234, bpb: 1.07993474 }], claimSeeds: "logs" },
  /** Two seeds, the claim the best one's score, not the mean: score-mismatch ("best seed"). */
  bestSeed: { name: "Long context, best seed", author: "Bert", date: "2026-03-18T20:00:00Z", seeds: [{ seed: 1338, bpb: 1.2058 }, { seed: 1339, bpb: 1.2071 }], claim: "best" },
  /** One log, three seeds claimed in submission.json: missing-file and score-mismatch errors. */
  mismatched: { name: "MLP3x QAT int6, one log", author: "Cleo", date: "2026-03-19T12:00:00Z", seeds: [{ seed: 1337, bpb: 1.1645 }], claim: 1.1598, claimSeeds: [{ seed: 1337, val_bpb: 1.1645 }, { seed: 42, val_bpb: 1.158 }, { seed: 7, val_bpb: 1.157 }] },
  /** More passing records, each with other bytes. */
  warmdown: { name: "Warmdown quantization", author: "Dora", date: "2026-03-19T15:00:00Z", seeds: [{ seed: 1, bpb: 1.2154 }], singleLog: true },
  slidingWindow: { name: "Sliding window, fp16 embeddings", author: "Emil", date: "2026-03-19T18:00:00Z", seeds: [{ seed: 1337, bpb: 1.1748 }], singleLog: true },
  leakyRelu: { name: "LeakyReLU, legal TTT", author: "Fay", date: "2026-03-23T09:00:00Z", seeds: [{ seed: 1, bpb: 1.1194 }, { seed: 2, bpb: 1.1201 }, { seed: 3, bpb: 1.1187 }], claimSeeds: "logs" },
  smeargate: { name: "SmearGate, orthogonal init", author: "Gus", date: "2026-03-19T22:00:00Z", seeds: [{ seed: 1337, bpb: 1.1556 }], singleLog: true },
} satisfies Record<string, OriginalRecordOptions>;

export type OriginalRecordRole = keyof typeof ORIGINAL_RECORDS;

/** Writes the record of `role` as `<root>/<folder>` (folder default: a dated name like the contest's). */
export function writeRoleRecord(root: string, role: OriginalRecordRole, folder = `${ORIGINAL_RECORDS[role].date.slice(0, 10)}_${role}`): string {
  return writeOriginalRecord(path.join(root, folder), ORIGINAL_RECORDS[role]);
}
