// `pgolf data verify`: recomputes every checksum a course manifest pins, re-validates every shard,
// recomputes the per-document hashes from the shards themselves (split at BOS, decoded), proves
// that no validation document occurs in training, and, once all of that holds, measures the course's
// memorization bound and its verdict per track (course_safety.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "../core/error.js";
import { sha256File } from "../core/hash.js";
import { Progress } from "../core/progress.js";
import { courseSafety, type CourseSafety } from "./course_safety.js";
import { findLeaks, hashDocumentText, readDocHashes, type DocHash } from "./doc_hashes.js";
import { filesOf, readManifest } from "./manifest.js";
import { ShardReader } from "./shard.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

export interface VerifyReport {
  course: string;
  dir: string;
  ok: boolean;
  files_checked: number;
  bytes_checked: number;
  shards: number;
  tokens: number;
  docs_train: number;
  docs_val: number;
  /** Validation documents whose hash also occurs in training (must be 0). */
  leaks: number;
  /** True when the document hashes recomputed from the shards equal the recorded ones. */
  doc_hashes_match: boolean | null;
  problems: string[];
  /**
   * The memorization bound and the verdict of every track (null when the course does not verify:
   * nothing is measured on files that do not match their manifest).
   */
  safety: CourseSafety | null;
  seconds: number;
}

/** Documents of a shard stream, split at BOS: yields each document's ids without its BOS. */
function* documentsOf(files: string[], bos: number, vocabSize: number): Generator<number[]> {
  let cur: number[] | undefined;
  for (const f of files) {
    const r = ShardReader.open(f, { vocabSize });
    try {
      for (const { tokens } of r.chunks(1 << 20)) {
        for (let i = 0; i < tokens.length; i++) {
          if (tokens[i] === bos) {
            if (cur) yield cur;
            cur = [];
          } else if (cur) cur.push(tokens[i]);
        }
      }
    } finally {
      r.close();
    }
  }
  if (cur) yield cur;
}

export async function verifyCourse(courseDir: string): Promise<VerifyReport> {
  const t0 = performance.now();
  if (!fs.existsSync(courseDir)) {
    throw new PgolfError("COURSE_NOT_FOUND", "course folder not found", { file: courseDir, fix: "run `pgolf data prepare` first, or pass --dir / --course" });
  }
  const m = readManifest(courseDir);
  const problems: string[] = [];
  const total = m.pgolf.files.reduce((a, f) => a + f.bytes, 0);
  const progress = new Progress("verify", total, { unit: "MB", scale: 1e6 });
  let bytesChecked = 0;
  for (const f of m.pgolf.files) {
    const p = path.join(courseDir, f.path);
    if (!fs.existsSync(p)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    const size = fs.statSync(p).size;
    if (size !== f.bytes) problems.push(`${f.path}: ${size} bytes, manifest says ${f.bytes}`);
    const h = await sha256File(p);
    if (h !== f.sha256) problems.push(`${f.path}: sha256 ${h} does not match the manifest's ${f.sha256}`);
    bytesChecked += size;
    progress.tick(size);
  }
  progress.finish();

  const tokFile = filesOf(m, "tokenizer")[0];
  const tok = SentencePieceTokenizer.fromFile(path.join(courseDir, tokFile.path));
  let tokens = 0;
  const trainFiles = filesOf(m, "train").map((f) => path.join(courseDir, f.path));
  const valFiles = filesOf(m, "val").map((f) => path.join(courseDir, f.path));
  for (const f of [...filesOf(m, "train"), ...filesOf(m, "val")]) {
    try {
      const r = ShardReader.open(path.join(courseDir, f.path), { vocabSize: tok.vocabSize });
      tokens += r.tokens;
      if (f.tokens !== undefined && r.tokens !== f.tokens) problems.push(`${f.path}: ${r.tokens} tokens, manifest says ${f.tokens}`);
      r.close();
    } catch (e) {
      problems.push(`${f.path}: ${(e as Error).message}`);
    }
  }

  // Recompute document hashes from the shards.
  const recomputed: DocHash[] = [];
  if (problems.length === 0) {
    for (const ids of documentsOf(trainFiles, tok.bosId, tok.vocabSize)) recomputed.push({ split: "train", hash: hashDocumentText(tok.decode(ids)) });
    for (const ids of documentsOf(valFiles, tok.bosId, tok.vocabSize)) recomputed.push({ split: "val", hash: hashDocumentText(tok.decode(ids)) });
  }
  const leaks = findLeaks(recomputed);
  if (leaks.length > 0) problems.push(`${leaks.length} validation document(s) also occur in training`);
  let hashesMatch: boolean | null = null;
  const hashFile = filesOf(m, "doc-hashes")[0];
  if (hashFile && problems.length === 0) {
    const recorded = readDocHashes(path.join(courseDir, hashFile.path));
    const key = (d: DocHash) => `${d.split}:${d.hash}`;
    const a = recorded.map(key).sort();
    const b = recomputed.map(key).sort();
    hashesMatch = a.length === b.length && a.every((x, i) => x === b[i]);
    if (!hashesMatch) problems.push(`document hashes recomputed from the shards (${b.length}) differ from ${hashFile.path} (${a.length})`);
  }
  const docsVal = recomputed.filter((d) => d.split === "val").length;
  const safety = problems.length === 0 ? await courseSafety(courseDir) : null;
  return {
    course: m.pgolf.course,
    dir: courseDir,
    ok: problems.length === 0,
    files_checked: m.pgolf.files.length,
    bytes_checked: bytesChecked,
    shards: trainFiles.length + valFiles.length,
    tokens,
    docs_train: recomputed.length - docsVal,
    docs_val: docsVal,
    leaks: leaks.length,
    doc_hashes_match: hashesMatch,
    problems,
    safety,
    seconds: (performance.now() - t0) / 1000,
  };
}
