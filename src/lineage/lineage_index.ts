// The lineage index: every analysed submission's fingerprints, with an inverted map from
// fingerprint to the submissions holding it, in submission order. A new submission is checked
// against it without re-reading the corpus, and the index persists to one file.
//
// Dolos's own FingerprintIndex keeps every token and one object per fingerprint occurrence: about
// 3 GB per 250 contest submissions, measured, so the 2,400 of the contest cannot fit in 4 GB. This
// keeps four typed arrays per submission (14 bytes per fingerprint) and one posting list per
// distinct fingerprint: the whole corpus fits in a few hundred MB.
//
// File format (little-endian): magic "PGLINEAG", u32 version, u64 total length in bytes, u32 header
// length, the header (UTF-8 JSON: parameters, template, per-submission metadata and fingerprint
// counts), then per submission its hash (u32), start and end line (u32) and file (u16, padded to 4
// bytes) arrays, then the posting table (u32 count of distinct hashes, the hashes sorted, u32
// offsets (count + 1), u32 ordinals), then the SHA-256 of everything before it (32 bytes).
// The posting table is stored so that loading needs no rebuild: a check of one new submission
// against the contest corpus loaded in 1.4 s when the map was rebuilt, most of a 2 s budget.
// Submissions added after a load go to an in-memory map beside the stored table.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { authorKey, type Submission } from "./corpus.js";
import { KGRAM_TOKENS, WINDOW_KGRAMS, type PrintFile, type SubmissionPrint } from "./submission_print.js";

export const INDEX_MAGIC = "PGLINEAG";
export const INDEX_VERSION = 2;
/** A folder name without its date prefix identifies a record from this many characters ("LongContextSeq2048"). */
export const MIN_BARE_FOLDER_CHARS = 14;

export interface SubmissionScore {
  /** Mean val_bpb the submission declares, bits per byte; null when it declares none. */
  valBpb: number | null;
  /** Per-seed val_bpb, when declared. */
  seedBpb: number[];
}

export interface IndexedSubmission {
  sub: Submission;
  print: SubmissionPrint;
  /** The distinct fingerprint hashes, sorted (empty for an entry loaded from a file: its postings are in the stored table). */
  distinct: Uint32Array;
  /** Earlier submissions its README and submission.json credit, by id. */
  declared: string[];
  score: SubmissionScore;
  /** The text its credits were read from (README.md, submission.json): for the entry being checked only, never stored. */
  creditText?: string;
  /** Pull requests it cites that are not in the index (earlier than its own, when that is known). */
  unresolved?: number[];
}

function sortedDistinct(a: Uint32Array): Uint32Array {
  const s = Uint32Array.from(a).sort();
  let n = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) s[n++] = s[i];
  return s.slice(0, n);
}

/** The key credit is counted under: the pull request when known (several folders, one credit), else the id. */
export function creditKey(sub: Submission): string {
  return sub.pr !== null ? `pr:${sub.pr}` : `id:${sub.id}`;
}

export class LineageIndex {
  readonly entries: IndexedSubmission[] = [];
  readonly byId = new Map<string, number>();
  /** Ordinals of the submissions of each pull request. */
  readonly byPr = new Map<number, number[]>();
  /** Ordinals by the last part of their folder name (records credit each other by it). */
  readonly byFolder = new Map<string, number[]>();
  /** fingerprint -> ordinals holding it, ascending: for submissions added since the stored table. */
  private readonly postings = new Map<number, number[]>();
  /** The stored posting table (load()): sorted distinct hashes, offsets into ordinals. */
  private table: { hashes: Uint32Array; offsets: Uint32Array; ordinals: Uint32Array } | null = null;
  /** Credits received, by creditKey, from submissions of other authors and pull requests. */
  private readonly credits = new Map<string, number>();
  templateHashes = new Set<number>();
  template: string | null = null;

  get size(): number {
    return this.entries.length;
  }

  /** The ordinals of the submissions holding fingerprint `h`, ascending. */
  holders(h: number): readonly number[] {
    const added = this.postings.get(h);
    const t = this.table;
    if (!t) return added ?? [];
    let lo = 0;
    let hi = t.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t.hashes[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo === t.hashes.length || t.hashes[lo] !== h) return added ?? [];
    const stored = Array.from(t.ordinals.subarray(t.offsets[lo], t.offsets[lo + 1]));
    return added ? stored.concat(added) : stored;
  }

  creditsOf(sub: Submission): number {
    return this.credits.get(creditKey(sub)) ?? 0;
  }

  /** Adds a submission after every one already indexed (`stored`: its postings are in the loaded table already). */
  add(entry: Omit<IndexedSubmission, "distinct"> & { distinct?: Uint32Array }, stored = false): number {
    const ordinal = this.entries.length;
    // a stored entry's postings are in the loaded table: its distinct hashes are not needed (nor sorted)
    const full: IndexedSubmission = { ...entry, distinct: stored ? new Uint32Array() : entry.distinct?.length ? entry.distinct : sortedDistinct(entry.print.hash) };
    this.entries.push(full);
    this.byId.set(full.sub.id, ordinal);
    // by folder name, and by that name without its date prefix when long enough to be specific
    const base = full.sub.folder.split("/").pop()!;
    const bare = base.replace(/^20\d\d-\d\d-\d\d_/, "");
    for (const name of bare !== base && bare.length >= MIN_BARE_FOLDER_CHARS ? [base, bare] : [base]) this.byFolder.set(name, [...(this.byFolder.get(name) ?? []), ordinal]);
    if (full.sub.pr !== null) {
      const l = this.byPr.get(full.sub.pr);
      if (l) l.push(ordinal);
      else this.byPr.set(full.sub.pr, [ordinal]);
    }
    if (!stored) {
      for (const h of full.distinct) {
        const l = this.postings.get(h);
        if (l) l.push(ordinal);
        else this.postings.set(h, [ordinal]);
      }
    }
    if (full.sub.id === this.template) this.templateHashes = new Set(full.distinct);
    const me = authorKey(full.sub);
    const keys = new Set<string>();
    for (const id of full.declared) {
      const o = this.byId.get(id);
      if (o === undefined) continue;
      const credited = this.entries[o].sub;
      if ((credited.pr !== null && credited.pr === full.sub.pr) || authorKey(credited) === me) continue;
      keys.add(creditKey(credited));
    }
    for (const k of keys) this.credits.set(k, (this.credits.get(k) ?? 0) + 1);
    return ordinal;
  }

  async save(file: string): Promise<void> {
    const header = Buffer.from(
      JSON.stringify({
        params: { kgramTokens: KGRAM_TOKENS, windowKgrams: WINDOW_KGRAMS },
        template: this.template,
        entries: this.entries.map((e) => ({ sub: { ...e.sub }, files: e.print.files, skipped: e.print.skipped, declared: e.declared, score: e.score, n: e.print.hash.length })),
      }),
    );
    const parts: Uint8Array[] = [];
    const head = Buffer.alloc(24);
    head.write(INDEX_MAGIC, 0, "latin1");
    head.writeUInt32LE(INDEX_VERSION, 8);
    head.writeUInt32LE(header.length, 20);
    parts.push(head, header, new Uint8Array((4 - (header.length % 4)) % 4));
    for (const e of this.entries) {
      const p = e.print;
      parts.push(new Uint8Array(p.hash.buffer, p.hash.byteOffset, p.hash.byteLength));
      parts.push(new Uint8Array(p.start.buffer, p.start.byteOffset, p.start.byteLength));
      parts.push(new Uint8Array(p.end.buffer, p.end.byteOffset, p.end.byteLength));
      parts.push(new Uint8Array(p.file.buffer, p.file.byteOffset, p.file.byteLength), new Uint8Array(p.file.byteLength % 4));
    }
    const t = this.postingTable();
    const count = new Uint32Array([t.hashes.length]);
    for (const a of [count, t.hashes, t.offsets, t.ordinals]) parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const total = parts.reduce((a, p) => a + p.length, 0) + 32;
    head.writeBigUInt64LE(BigInt(total), 12);
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    parts.push(hash.digest());
    await writeFileAtomic(file, Buffer.concat(parts));
  }

  /** Every posting, stored and added, as one sorted table. */
  private postingTable(): { hashes: Uint32Array; offsets: Uint32Array; ordinals: Uint32Array } {
    // (hash, ordinal) pairs as one float key each: hash * 2^20 + ordinal, exact below 2^53
    let n = this.table?.ordinals.length ?? 0;
    for (const l of this.postings.values()) n += l.length;
    const keys = new Float64Array(n);
    let k = 0;
    if (this.table) {
      const t = this.table;
      for (let i = 0; i < t.hashes.length; i++) for (let j = t.offsets[i]; j < t.offsets[i + 1]; j++) keys[k++] = t.hashes[i] * 1048576 + t.ordinals[j];
    }
    for (const [h, l] of this.postings) for (const o of l) keys[k++] = h * 1048576 + o;
    keys.sort();
    const hashes: number[] = [];
    const offsets: number[] = [];
    const ordinals = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const h = Math.floor(keys[i] / 1048576);
      if (hashes.length === 0 || hashes[hashes.length - 1] !== h) {
        hashes.push(h);
        offsets.push(i);
      }
      ordinals[i] = keys[i] - h * 1048576;
    }
    offsets.push(n);
    return { hashes: Uint32Array.from(hashes), offsets: Uint32Array.from(offsets), ordinals };
  }

  static load(file: string): LineageIndex {
    const bad = (problem: string): PgolfError => new PgolfError("LINEAGE_INDEX", problem, { file, fix: "build the index again: pgolf lineage CORPUS --save-index FILE" });
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (e) {
      throw new PgolfError("FILE_NOT_FOUND", `lineage index could not be read: ${(e as Error).message}`, { file, fix: "build it: pgolf lineage CORPUS --save-index FILE" });
    }
    if (buf.length < 56 || buf.toString("latin1", 0, 8) !== INDEX_MAGIC) throw bad("not a lineage index (magic missing)");
    if (buf.readUInt32LE(8) !== INDEX_VERSION) throw bad(`index version ${buf.readUInt32LE(8)}, this pgolf reads ${INDEX_VERSION}`);
    if (Number(buf.readBigUInt64LE(12)) !== buf.length) throw bad(`length ${buf.length} differs from the ${buf.readBigUInt64LE(12)} its header declares (truncated?)`);
    const digest = createHash("sha256").update(buf.subarray(0, buf.length - 32)).digest();
    if (!digest.equals(buf.subarray(buf.length - 32))) throw bad("checksum does not match its content (damaged)");
    const hlen = buf.readUInt32LE(20);
    const header = JSON.parse(buf.toString("utf8", 24, 24 + hlen)) as {
      params: { kgramTokens: number; windowKgrams: number };
      template: string | null;
      entries: { sub: Submission; files: PrintFile[]; skipped: SubmissionPrint["skipped"]; declared: string[]; score: SubmissionScore; n: number }[];
    };
    if (header.params.kgramTokens !== KGRAM_TOKENS || header.params.windowKgrams !== WINDOW_KGRAMS) throw bad("built with other winnowing parameters");
    const index = new LineageIndex();
    index.template = header.template;
    let at = 24 + hlen + ((4 - (hlen % 4)) % 4);
    // views into the file's bytes where they are 4-byte aligned (a large read is its own buffer), else copies
    const copy = <T extends Uint32Array | Uint16Array>(C: { new (b: ArrayBuffer, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number }, n: number): T => {
      const bytes = n * C.BYTES_PER_ELEMENT;
      if (at + bytes > buf.length - 32) throw bad("fingerprint arrays run past the end");
      const start = buf.byteOffset + at;
      const out = start % 4 === 0 ? new C(buf.buffer as ArrayBuffer, start, n) : new C(buf.buffer.slice(start, start + bytes) as ArrayBuffer);
      at += bytes + (bytes % 4);
      return out;
    };
    for (const e of header.entries) {
      const hash = copy(Uint32Array, e.n);
      const start = copy(Uint32Array, e.n);
      const end = copy(Uint32Array, e.n);
      const fileIdx = copy(Uint16Array, e.n);
      index.add({ sub: e.sub, print: { files: e.files, skipped: e.skipped, hash, start, end, file: fileIdx }, declared: e.declared, score: e.score, distinct: new Uint32Array() }, true);
    }
    const nHashes = copy(Uint32Array, 1)[0];
    const hashes = copy(Uint32Array, nHashes);
    const offsets = copy(Uint32Array, nHashes + 1);
    const ordinals = copy(Uint32Array, offsets[nHashes] ?? 0);
    for (let i = 0; i < nHashes; i++) {
      if (offsets[i + 1] < offsets[i] || (i > 0 && hashes[i] <= hashes[i - 1])) throw bad("posting table is not sorted");
    }
    if (ordinals.some((o) => o >= index.size)) throw bad("posting table names a submission it does not hold");
    index.table = { hashes, offsets, ordinals };
    if (index.template !== null && index.byId.has(index.template)) {
      index.templateHashes = new Set(sortedDistinct(index.entries[index.byId.get(index.template)!].print.hash));
    }
    if (at !== buf.length - 32) throw bad("bytes left over after the posting table");
    return index;
  }
}
