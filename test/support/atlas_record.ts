// Record folders that carry atlases (logs/atlas_seed<N>.json, listed in submission.json with their
// sha256), as `pgolf compare` and the leaderboard's versus-parent plot read them, made in
// milliseconds without training: an original-format record (original_record.ts) plus one atlas per
// seed built with the evaluator's own AtlasBuilder over a fixed set of documents, so any two such
// records pair document by document. They stand in for pgolf records (fast_record.ts trains real
// ones) where a test needs a valid atlas-bearing folder to tamper with, not a trained model.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { AtlasBuilder, type Atlas } from "../../src/eval/atlas.js";
import { writeOriginalRecord, type OriginalRecordOptions } from "./original_record.js";

/** Documents and targets of every atlas made here: 24 documents of 40 targets, 3 bytes a target. */
const DOCUMENTS = 24;
const TARGETS_PER_DOCUMENT = 40;
const BYTES_PER_TARGET = 3;
const BOS = 0;
export const ATLAS_COURSE: Atlas["course"] = { name: "atlas-record-course", manifest_sha256: "ab".repeat(32) };

/** An atlas whose bits per byte are about `bpb`, varied per document and seed (deterministic). */
export function syntheticAtlas(bpb: number, seed: number): Atlas {
  const b = new AtlasBuilder(BOS, null);
  let position = 1;
  for (let d = 0; d < DOCUMENTS; d++) {
    for (let t = 0; t < TARGETS_PER_DOCUMENT; t++) {
      // the first target of a document follows a BOS; the rest follow an ordinary token (1)
      const wobble = 1 + 0.05 * Math.sin(d * 1.7 + t * 0.3 + seed);
      b.add(position++, t === 0 ? BOS : 1, 1, bpb * Math.LN2 * BYTES_PER_TARGET * wobble, BYTES_PER_TARGET);
    }
  }
  return b.build(ATLAS_COURSE);
}

/** Writes an original-format record with an atlas per seed, listed in its submission.json; returns the folder. */
export function writeAtlasRecord(dir: string, o: OriginalRecordOptions): string {
  writeOriginalRecord(dir, o);
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
  const seeds = o.seeds.map((s) => {
    const rel = `logs/atlas_seed${s.seed}.json`;
    const text = JSON.stringify(syntheticAtlas(s.bpb, s.seed)) + "\n";
    fs.writeFileSync(path.join(dir, rel), text);
    return { seed: s.seed, val_bpb: s.bpb, atlas: rel, atlas_sha256: createHash("sha256").update(text).digest("hex") };
  });
  const file = path.join(dir, "submission.json");
  const sub = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...sub, seeds }, null, 2) + "\n");
  return dir;
}
