// The evaluator's atlas: where a run's bits went. For every validation document, the nats and bytes
// of its scored targets; for every token class (token_classes.ts), the same. Summed in the
// evaluator's own loop from the very numbers it scores with, so the documents add up to the score.
// Written beside each seed's log as atlas.json; `pgolf compare` pairs two runs' atlases document by
// document.
//
// A document is the tokens from one BOS to the next. A target belongs to the document of the token
// before it, so the BOS that ends a document is charged to that document (it counts 0 bytes).
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { isMissing, isUnsafeFile, readConfined } from "../core/confined_read.js";
import { PgolfError } from "../core/error.js";
import { TOKEN_CLASSES, TOKEN_CLASS_NAMES, type TokenClass } from "./token_classes.js";

export const ATLAS_SCHEMA = "pgolf.atlas.v1";
/** The atlas's name in a seed folder (a record folder holds atlas_seed<N>.json). */
export const ATLAS_FILE = "atlas.json";
/**
 * The largest atlas read, bytes. FineWeb's validation split (50,000 documents) makes an atlas of
 * about 1.8 MB (four numbers a document); 32 MiB leaves room for a course of 18 times as many.
 */
export const ATLAS_MAX_BYTES = 32 * 1024 * 1024;

export interface Tally {
  targets: number;
  /** Natural-log loss summed over the targets. */
  nats: number;
  /** Bytes the targets stand for (the byte table's count, as val_bpb's denominator). */
  bytes: number;
}

export interface Atlas {
  schema: typeof ATLAS_SCHEMA;
  /** The course scored on, so two atlases can be paired only when they score the same documents. */
  course: { name: string; manifest_sha256: string } | null;
  /** Targets scored (the evaluator's T). */
  targets: number;
  /** Per document in stream order; index i of each array is document i. */
  documents: { first_target: number[]; targets: number[]; nats: number[]; bytes: number[] };
  classes: Record<TokenClass, Tally>;
}

/** Accumulates an atlas target by target, in the evaluator's order. */
export class AtlasBuilder {
  private readonly docs: Atlas["documents"] = { first_target: [], targets: [], nats: [], bytes: [] };
  private readonly classes = Object.fromEntries(TOKEN_CLASS_NAMES.map((c) => [c, { targets: 0, nats: 0, bytes: 0 }])) as Record<TokenClass, Tally>;
  private targets = 0;

  constructor(
    private readonly bos: number,
    /** Class mask per token id (tokenClasses); null: no class tallies. */
    private readonly masks: Uint8Array | null,
  ) {}

  /** Target at stream position `position` (>= 1), preceded by token `prev`, cost `nats` and `bytes`. */
  add(position: number, prev: number, target: number, nats: number, bytes: number): void {
    const d = this.docs;
    if (d.nats.length === 0 || prev === this.bos) {
      d.first_target.push(position);
      d.targets.push(0);
      d.nats.push(0);
      d.bytes.push(0);
    }
    const i = d.nats.length - 1;
    d.targets[i]++;
    d.nats[i] += nats;
    d.bytes[i] += bytes;
    this.targets++;
    const m = this.masks?.[target] ?? 0;
    if (m === 0) return;
    for (const c of TOKEN_CLASS_NAMES) {
      if ((m & TOKEN_CLASSES[c]) === 0) continue;
      const t = this.classes[c];
      t.targets++;
      t.nats += nats;
      t.bytes += bytes;
    }
  }

  build(course: Atlas["course"] = null): Atlas {
    return { schema: ATLAS_SCHEMA, course, targets: this.targets, documents: this.docs, classes: this.classes };
  }
}

export async function writeAtlas(file: string, atlas: Atlas): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(atlas) + "\n");
}

/**
 * Reads and checks an atlas file: a regular file (not a link, a pipe or a device) of at most
 * ATLAS_MAX_BYTES, then parseAtlas.
 */
export function readAtlas(file: string): Atlas {
  let text: string;
  try {
    text = readConfined(path.dirname(file), path.basename(file), ATLAS_MAX_BYTES, "an atlas").toString("utf8");
  } catch (e) {
    if (isUnsafeFile(e)) throw e;
    throw atlasInvalid(file, `not readable: ${isMissing(e) ? "no such file" : (e as Error).message}`);
  }
  return parseAtlas(text, file);
}

function atlasInvalid(file: string, problem: string): PgolfError {
  return new PgolfError("ATLAS_INVALID", problem, { file, fix: "score the run again (`pgolf eval`, or `pgolf train` for its seeds), which writes atlas.json beside the log" });
}

/** Checks an atlas's text (read from `file`): the schema, equal-length arrays of finite numbers, and totals that add up. */
export function parseAtlas(text: string, file: string): Atlas {
  const bad = (problem: string) => atlasInvalid(file, problem);
  let a: Atlas;
  try {
    a = JSON.parse(text) as Atlas;
  } catch (e) {
    throw bad(`not readable as JSON: ${(e as Error).message}`);
  }
  if (!a || a.schema !== ATLAS_SCHEMA) throw bad(`schema is ${JSON.stringify(a?.schema)}, expected "${ATLAS_SCHEMA}"`);
  const d = a.documents;
  const arrays = d ? [d.first_target, d.targets, d.nats, d.bytes] : [];
  if (arrays.length !== 4 || arrays.some((x) => !Array.isArray(x) || x.length !== d.nats.length || !x.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0))) {
    throw bad("documents must hold four arrays of equal length (first_target, targets, nats, bytes) of finite non-negative numbers");
  }
  const targets = d.targets.reduce((s, v) => s + v, 0);
  if (targets !== a.targets) throw bad(`its documents hold ${targets} targets, its total says ${a.targets}`);
  for (const c of TOKEN_CLASS_NAMES) {
    const t = a.classes?.[c];
    if (!t || ![t.targets, t.nats, t.bytes].every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0)) throw bad(`class "${c}" has no valid tally`);
  }
  return a;
}
