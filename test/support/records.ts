// Normalized records made in memory, for tests of the checks and the leaderboard: one seed log with a
// scored roundtrip final, sizes and a training time; a record around such logs with a claimed score.
import type { NormalizedRecord, SeedLog } from "../../src/submission/normalized_record.js";

/** A log `name` for `seed` whose scored final is `bpb` (val_loss = bpb * 1.7). */
export function seedLog(name: string, seed: number | null, bpb: number, extra: Partial<SeedLog> = {}): SeedLog {
  const final = { value: { val_loss: bpb * 1.7, val_bpb: bpb }, kind: "roundtrip" as const, evidence: { file: name, line: 99, text: `final_int8_zlib_roundtrip_exact val_bpb:${bpb}` } };
  return {
    log: name,
    seed: seed === null ? null : { value: seed, evidence: { file: name, line: 3 } },
    seedFromName: /seed(\d+)/.exec(name) ? Number(/seed(\d+)/.exec(name)![1]) : null,
    final,
    finalsByKind: [final],
    bytesTotal: { value: 15_900_000, evidence: { file: name, line: 90 } },
    bytesModel: { value: 15_850_000, evidence: { file: name, line: 88 } },
    bytesCode: { value: 50_000, evidence: { file: name, line: 89 } },
    trainSeconds: { value: 600.2, evidence: { file: name, line: 80 } },
    postStopTraining: [],
    evalSeconds: null,
    steps: 1000,
    trainCurve: [],
    valCurve: [],
    sha256: `${name}-${seed}-${bpb}`,
    ...extra,
  };
}

/** Logs train_seed1.log, train_seed2.log, ... with these scores. */
export function seedLogs(bpb: number[], extra: (i: number) => Partial<SeedLog> = () => ({})): SeedLog[] {
  return bpb.map((v, i) => seedLog(`train_seed${i + 1}.log`, i + 1, v, extra(i)));
}

/** An original-format record on the 10min-16mb track claiming `claimBpb` (null: no claim). */
export function normalizedRecord(id: string, date: string, logs: SeedLog[], claimBpb: number | null, extra: Partial<NormalizedRecord> = {}): NormalizedRecord {
  return {
    dir: `/records/${id}`,
    id,
    format: "original",
    track: "10min-16mb",
    name: id,
    author: "someone",
    github_id: "someone",
    summary: "a summary",
    date,
    claims: {
      file: "submission.json",
      val_bpb: claimBpb === null ? null : { value: claimBpb, evidence: { file: "submission.json", line: 4 } },
      val_loss: null,
      bytes_total: { value: 15_900_000, evidence: { file: "submission.json", line: 6 } },
      bytes_code: null,
      seeds: [],
      seedCount: null,
    },
    logs,
    codeFiles: [],
    parents: [],
    techniques: [],
    readProblems: [],
    ...extra,
  };
}
