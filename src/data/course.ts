// An installed course, opened for use: its shard paths by split, its tokenizer, its vocabulary.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256 } from "../core/hash.js";
import { PgolfError } from "../core/error.js";
import { filesOf, MANIFEST_NAME, readManifest, type CourseManifest } from "./manifest.js";
import { readShard } from "./shard.js";
import { loadTokenizer } from "./tokenizer/load.js";
import type { Tokenizer } from "./tokenizer/tokenizer.js";

export interface Course {
  dir: string;
  name: string;
  manifest: CourseManifest;
  trainFiles: string[];
  valFiles: string[];
  tokenizerFile: string;
  vocabSize: number;
  /** sha256 of manifest.json's bytes: names the exact course a record was scored on. */
  manifestSha256: string;
}

export function openCourse(dir: string): Course {
  const manifest = readManifest(dir);
  const tok = filesOf(manifest, "tokenizer")[0];
  if (!tok) throw new PgolfError("COURSE_MANIFEST", "the manifest names no tokenizer", { file: path.join(dir, "manifest.json"), fix: "rebuild the course" });
  return {
    dir,
    name: manifest.pgolf.course,
    manifest,
    trainFiles: filesOf(manifest, "train").map((f) => path.join(dir, f.path)),
    valFiles: filesOf(manifest, "val").map((f) => path.join(dir, f.path)),
    tokenizerFile: path.join(dir, tok.path),
    vocabSize: manifest.tokenizers[0].vocab_size,
    manifestSha256: sha256(fs.readFileSync(path.join(dir, MANIFEST_NAME))),
  };
}

export function courseTokenizer(c: Course): Tokenizer {
  return loadTokenizer(c.tokenizerFile);
}

/** The whole validation stream (all val shards in order). For evaluation, not for entries. */
export function readValTokens(c: Course): Uint16Array {
  const parts = c.valFiles.map((f) => readShard(f, { vocabSize: c.vocabSize }));
  const out = new Uint16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
