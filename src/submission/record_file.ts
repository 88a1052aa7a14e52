// Every read of a file inside a record folder or a seed's run folder goes through here: the confined
// read (core/confined_read.ts: no links, regular files only, never outside the folder) with a size
// limit per kind of file. Record folders come from participants (a pull request's checkout, an
// unpacked upload), so what a reviewer's `pgolf check`, `pgolf compare` or `pgolf leaderboard build`
// reads from them is bounded before it is read.
//
// The limits are far above what real files weigh (measured on the original contest's 47 record
// folders in ../shared/fixtures/pgolf-records and on pgolf's own runs) and far below what hurts.
import { readConfined, readConfinedHead, sha256Confined } from "../core/confined_read.js";
import { ATLAS_MAX_BYTES } from "../eval/atlas.js";

const MiB = 1024 * 1024;

export const RECORD_FILE_LIMITS = {
  // submission*.json: the largest of the original records is 3,625 bytes, pgolf's own a few KiB with
  // their seed list; 4 MiB is a thousand times that and still parses in milliseconds
  json: 4 * MiB,
  // training logs (*.log, *.txt): the largest original log is 151,712 bytes (a 4-hour non-record
  // run), and logs printed the training script too (up to ~100 KB) before it was stripped; 64 MiB
  // holds a log hundreds of times longer and is still parsed in a second or two
  log: 64 * MiB,
  // metrics.jsonl: ~110 bytes a training step (pgolf runs), ~2 MB for a 20,000-step 10-minute run
  metrics: 64 * MiB,
  // the evaluator's per-document atlas: ~1.8 MB for FineWeb's 50,000 validation documents
  atlas: ATLAS_MAX_BYTES,
  // artifact.bin: hashed in chunks, never held whole; the largest track cap is 16,000,000 bytes and an
  // over-cap run must still be read to be reported, so 16 times that
  artifact: 256 * MiB,
} as const;

export type RecordFileKind = keyof typeof RECORD_FILE_LIMITS;

/** Each kind in a refusal's message: "over the 4,194,304-byte limit for a submission JSON". */
const KIND_NAMES: Record<RecordFileKind, string> = { json: "a submission JSON", log: "a training log", metrics: "metrics.jsonl", atlas: "an atlas", artifact: "an artifact" };

/** A file of a record or run folder, whole: `rel` relative to `dir`, refused over its kind's limit. */
export function readRecordFile(dir: string, rel: string, kind: RecordFileKind): Buffer {
  return readConfined(dir, rel, RECORD_FILE_LIMITS[kind], KIND_NAMES[kind]);
}

/** readRecordFile as UTF-8 text. */
export function readRecordText(dir: string, rel: string, kind: RecordFileKind): string {
  return readRecordFile(dir, rel, kind).toString("utf8");
}

/** The sha256 of a file of a record or run folder, read in chunks, refused over its kind's limit. */
export function recordFileSha256(dir: string, rel: string, kind: RecordFileKind): string {
  return sha256Confined(dir, rel, RECORD_FILE_LIMITS[kind], KIND_NAMES[kind]);
}

/** The first `bytes` bytes of a file of a record folder, to tell what it is (a log by its lines). */
export function recordFileHead(dir: string, rel: string, bytes: number): Buffer {
  return readConfinedHead(dir, rel, bytes);
}
