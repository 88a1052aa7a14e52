// Per-document hashes of a course, for proving train/val disjointness. A document's hash is the
// sha256 (first 16 bytes) of its normalized text as its tokens spell it, decode(encode(text)), so it
// can be recomputed from the shards alone, and two documents that tokenize identically hash equal.
//
// File layout (little-endian):
//   [0..4)   magic "PGDH"
//   [4..8)   uint32 version = 1
//   [8..12)  uint32 document count N
//   then N records of 17 bytes: uint8 split (0 = train, 1 = val), 16 hash bytes
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { PgolfError } from "../core/error.js";

const MAGIC = "PGDH";
const VERSION = 1;
const RECORD = 17;
export const HASH_BYTES = 16;

export interface DocHash {
  split: "train" | "val";
  /** 32 hex characters. */
  hash: string;
}

export function hashDocumentText(normalized: string): string {
  return createHash("sha256").update(normalized, "utf8").digest("hex").slice(0, HASH_BYTES * 2);
}

export function encodeDocHashes(docs: DocHash[]): Uint8Array {
  const out = Buffer.alloc(12 + RECORD * docs.length);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(docs.length, 8);
  docs.forEach((d, i) => {
    const o = 12 + i * RECORD;
    out[o] = d.split === "val" ? 1 : 0;
    Buffer.from(d.hash, "hex").copy(out, o + 1);
  });
  return out;
}

export function readDocHashes(file: string): DocHash[] {
  const b = fs.readFileSync(file);
  const bad = (problem: string) => new PgolfError("COURSE_VERIFY", problem, { file, fix: "rebuild the course; the document hash file is damaged" });
  if (b.length < 12 || b.toString("latin1", 0, 4) !== MAGIC) throw bad("not a pgolf document-hash file (wrong magic)");
  if (b.readUInt32LE(4) !== VERSION) throw bad(`unsupported version ${b.readUInt32LE(4)}`);
  const n = b.readUInt32LE(8);
  if (b.length !== 12 + n * RECORD) throw bad(`declares ${n} documents, so it must be ${12 + n * RECORD} bytes, but it is ${b.length}`);
  const out: DocHash[] = [];
  for (let i = 0; i < n; i++) {
    const o = 12 + i * RECORD;
    out.push({ split: b[o] === 1 ? "val" : "train", hash: b.toString("hex", o + 1, o + RECORD) });
  }
  return out;
}

/** Hashes that occur in both splits (empty for a clean course). */
export function findLeaks(docs: DocHash[]): string[] {
  const train = new Set(docs.filter((d) => d.split === "train").map((d) => d.hash));
  return [...new Set(docs.filter((d) => d.split === "val" && train.has(d.hash)).map((d) => d.hash))];
}
