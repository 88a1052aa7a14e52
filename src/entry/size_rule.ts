// The size rule, computed by the harness and never self-reported: code bytes are the bytes of every
// file in the entry folder, and of its relative path, except README.md, submission.json, logs and the dependency list
// (code_bytes.ts); the harness runs an entry only from a sealed copy of exactly those files (seal.ts),
// so any file of its own the entry reads at run time is one of them. The same holds for process
// entries in any language: their train_command and eval_command run from the sealed copy, so their
// scripts, modules and config.json are counted like entry.ts (requirements.txt is the dependency
// list, as package.json is). Artifact bytes are the exported blob's
// length. The total must be at most the track's cap, in decimal bytes (16,000,000 means 16,000,000).
import * as fs from "node:fs";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import type { Track } from "../core/track.js";
import { codeFiles, countedBytes, type CodeFile } from "./code_bytes.js";

export interface SizeAccount {
  track: string;
  files: CodeFile[];
  bytes_code: number;
  bytes_model: number;
  bytes_total: number;
  artifact_sha256: string;
  cap_bytes: number;
  within_cap: boolean;
  /** Bytes left under the cap (negative: over). */
  headroom: number;
}

export function accountSize(entryDir: string, artifactFile: string, track: Track): SizeAccount {
  if (!fs.existsSync(artifactFile)) throw new PgolfError("FILE_NOT_FOUND", "artifact not found", { file: artifactFile, fix: "pass the artifact a training run wrote (runs/<entry>/seed_<N>/artifact.bin)" });
  const files = codeFiles(entryDir);
  const artifact = fs.readFileSync(artifactFile);
  const code = countedBytes(files);
  const total = code + artifact.length;
  return {
    track: track.name,
    files,
    bytes_code: code,
    bytes_model: artifact.length,
    bytes_total: total,
    artifact_sha256: sha256(artifact),
    cap_bytes: track.maxBytes,
    within_cap: total <= track.maxBytes,
    headroom: track.maxBytes - total,
  };
}
