// A pack: one file holding a set of files, moved, uploaded and checked as a unit. An entry pack
// (kind "entry") holds what a submission is scored on and weighed by: the entry's counted code files
// and its artifact. A record pack (kind "record") holds a record folder as it is (README.md,
// submission.json, logs, code): what `pgolf submit --to URL` uploads to a contest server.
//   off  size  field (integers little-endian)
//     0     4  magic "PGPK"
//     4     1  u8 version (1)
//     5     3  reserved, 0
//     8     4  u32 J: JSON table length
//    12     8  u64 D: data length (sum of the files' bytes)
//    20     J  JSON {kind, track, files: [{path, role: "code" | "artifact" | "file", bytes, sha256}], bytes_code, bytes_model}
//  20+J     D  the files' bytes, in table order
//  20+J+D  32  sha256 of every byte before it
// Reading checks the checksum first, then every file's length and sha256, and refuses paths that
// would leave the folder it unpacks into. decodePack does all of it on a pack in memory (the slow,
// obviously correct path); readPackIndex reads only the header and the table of a pack on disk
// (bounded reads), makes the same checks of the table, and says where each file's bytes are, so one
// file can be read without the rest (its sha256 in the table is then the reader's to check).
import * as fs from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import type { Track } from "../core/track.js";
import { accountSize, type SizeAccount } from "../entry/size_rule.js";

export const PACK_MAGIC = "PGPK";
export const PACK_VERSION = 1;
const HEAD = 20;
/** Largest pack read, bytes (a 16 MB submission with room to spare). */
export const MAX_PACK_BYTES = 256 * 1024 * 1024;
/**
 * What a pack may list, checked from its header before its table is parsed or a file is written: a
 * record folder is an entry's code (at most 256 counted files, 8 folders deep), its logs, README and
 * submission.json, so these bounds are far above any real one and far below a pack built to make a
 * server unpack 100,000 files.
 */
export const MAX_PACK_FILES = 1024;
export const MAX_PACK_DEPTH = 16;
export const MAX_PACK_TABLE_BYTES = 1 << 20;
/** The artifact's name inside a pack. */
export const PACK_ARTIFACT = "artifact.bin";

export interface PackEntry {
  path: string;
  role: "code" | "artifact" | "file";
  bytes: number;
  sha256: string;
}

export interface PackTable {
  /** "entry" (code + one artifact; the default of packs without the field) or "record" (a record folder). */
  kind?: "entry" | "record";
  track: string;
  files: PackEntry[];
  bytes_code: number;
  bytes_model: number;
}

export async function writePack(entryDir: string, artifactFile: string, track: Track, outFile: string): Promise<{ account: SizeAccount; bytes: number }> {
  const account = accountSize(entryDir, artifactFile, track);
  const parts: Buffer[] = [];
  const files: PackEntry[] = [];
  for (const f of account.files) {
    const b = fs.readFileSync(path.join(entryDir, f.path));
    files.push({ path: f.path, role: "code", bytes: b.length, sha256: sha256(b) });
    parts.push(b);
  }
  const art = fs.readFileSync(artifactFile);
  files.push({ path: PACK_ARTIFACT, role: "artifact", bytes: art.length, sha256: account.artifact_sha256 });
  parts.push(art);
  const table: PackTable = { kind: "entry", track: track.name, files, bytes_code: account.bytes_code, bytes_model: account.bytes_model };
  const all = encodePack(table, parts);
  await writeFileAtomic(outFile, all);
  return { account, bytes: all.length };
}

function encodePack(table: PackTable, parts: Buffer[]): Buffer {
  const json = Buffer.from(JSON.stringify(table), "utf8");
  const data = Buffer.concat(parts);
  const head = Buffer.alloc(HEAD);
  head.write(PACK_MAGIC, 0, "latin1");
  head.writeUInt8(PACK_VERSION, 4);
  head.writeUInt32LE(json.length, 8);
  head.writeBigUInt64LE(BigInt(data.length), 12);
  const body = Buffer.concat([head, json, data]);
  return Buffer.concat([body, Buffer.from(sha256(body), "hex")]);
}

/** Files of a record folder, in path order (links, and files over `maxFileBytes`, are refused). */
function folderFiles(dir: string, maxFiles: number): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isSymbolicLink()) throw new PgolfError("ARTIFACT_TABLE", `${r} is a symbolic link; a record folder holds plain files`, { file: path.join(dir, r), fix: "replace the link with the file" });
      if (st.isDirectory()) walk(r);
      else out.push(r);
      if (out.length > maxFiles) throw new PgolfError("ARTIFACT_TOO_LARGE", `the folder has more than ${maxFiles} files`, { file: dir, fix: "a record folder holds its code, logs, README.md and submission.json" });
    }
  };
  walk("");
  return out;
}

/** A record folder as one pack (in memory): every file as it is. */
export function packRecordFolder(dir: string, opts: { maxFiles?: number } = {}): Buffer {
  return packRecordFiles(folderFiles(dir, opts.maxFiles ?? 1000).map((rel) => ({ path: rel, data: fs.readFileSync(path.join(dir, rel)) })));
}

/**
 * Files held in memory (a web form's upload) as a record pack, in path order. Each path is a
 * relative "/"-separated path inside the folder, as decodePack requires; anything else is refused
 * here, before a pack is made.
 */
export function packRecordFiles(input: { path: string; data: Uint8Array }[], file = "upload"): Buffer {
  const fix = "upload the record folder's own files, with paths inside the folder";
  const sorted = [...input].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files: PackEntry[] = [];
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const f of sorted) {
    const norm = path.posix.normalize(f.path);
    if (!f.path || norm !== f.path || norm.startsWith("..") || path.posix.isAbsolute(norm) || f.path.includes("\\") || f.path.includes("\0")) {
      throw new PgolfError("ARTIFACT_TABLE", `${JSON.stringify(f.path)} is not a path inside the folder`, { file, fix });
    }
    if (seen.has(f.path)) throw new PgolfError("ARTIFACT_TABLE", `${f.path} is given twice`, { file, fix });
    seen.add(f.path);
    const b = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    files.push({ path: f.path, role: "file", bytes: b.length, sha256: sha256(b) });
    parts.push(b);
  }
  return encodePack({ kind: "record", track: "", files, bytes_code: 0, bytes_model: 0 }, parts);
}

export function readPack(file: string): { table: PackTable; files: Map<string, Uint8Array> } {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) throw new PgolfError("FILE_NOT_FOUND", "pack not found", { file, fix: "make one with `pgolf pack DIR --artifact FILE --out FILE`" });
  if (st.size > MAX_PACK_BYTES) throw new PgolfError("ARTIFACT_TOO_LARGE", `pack is ${st.size} bytes, over the ${MAX_PACK_BYTES}-byte limit`, { file, fix: "a pack holds one submission; check the file" });
  return decodePack(fs.readFileSync(file), file);
}

/** Decodes and verifies a pack held in memory (`file` names it in errors). */
/**
 * A file table entry's path, checked as both readers of a pack need it (decodePack, readPackIndex): a
 * non-empty string of at most 1024 characters, at most MAX_PACK_DEPTH folders deep, inside the folder.
 */
function checkEntryPath(f: { path?: unknown } | null | undefined, file: string, fix: string): asserts f is { path: string } {
  if (typeof f?.path !== "string" || f.path.length === 0 || f.path.length > 1024) throw new PgolfError("ARTIFACT_TABLE", "the pack names a file without a path, or with one over 1024 characters", { file, fix });
  if (f.path.split("/").length - 1 > MAX_PACK_DEPTH) throw new PgolfError("ARTIFACT_TABLE", `${f.path} is nested more than ${MAX_PACK_DEPTH} folders deep`, { file, fix });
  const norm = path.posix.normalize(f.path);
  if (norm.startsWith("..") || path.posix.isAbsolute(norm) || norm !== f.path || f.path.includes("\\")) {
    throw new PgolfError("ARTIFACT_TABLE", `the pack names a file outside its folder: ${JSON.stringify(f.path)}`, { file, fix });
  }
}

export function decodePack(b: Buffer, file = "pack"): { table: PackTable; files: Map<string, Uint8Array> } {
  if (b.length > MAX_PACK_BYTES) throw new PgolfError("ARTIFACT_TOO_LARGE", `pack is ${b.length} bytes, over the ${MAX_PACK_BYTES}-byte limit`, { file, fix: "a pack holds one submission; check the file" });
  const fix = "the pack is damaged or not a pgolf pack; make it again with `pgolf pack`";
  if (b.length < HEAD + 32) throw new PgolfError("ARTIFACT_TRUNCATED", `pack is ${b.length} bytes, shorter than its header`, { file, fix });
  if (b.toString("latin1", 0, 4) !== PACK_MAGIC) throw new PgolfError("ARTIFACT_MAGIC", "not a pgolf pack (wrong magic)", { file, fix });
  if (b[4] !== PACK_VERSION) throw new PgolfError("ARTIFACT_VERSION", `pack version ${b[4]} is not supported (this pgolf reads ${PACK_VERSION})`, { file, fix: "make the pack with this version of pgolf" });
  const j = b.readUInt32LE(8);
  const d = Number(b.readBigUInt64LE(12));
  if (HEAD + j + d + 32 !== b.length) throw new PgolfError("ARTIFACT_LENGTH", `pack header declares ${HEAD + j + d + 32} bytes, the file has ${b.length}`, { file, fix });
  if (j > MAX_PACK_TABLE_BYTES) throw new PgolfError("ARTIFACT_TOO_LARGE", `the pack's file table is ${j} bytes, over the ${MAX_PACK_TABLE_BYTES}-byte limit`, { file, fix: `a pack lists at most ${MAX_PACK_FILES} files` });
  if (sha256(b.subarray(0, b.length - 32)) !== b.subarray(b.length - 32).toString("hex")) throw new PgolfError("ARTIFACT_CHECKSUM", "pack content does not match its checksum", { file, fix });
  let table: PackTable;
  try {
    table = JSON.parse(b.toString("utf8", HEAD, HEAD + j)) as PackTable;
  } catch {
    throw new PgolfError("ARTIFACT_TABLE", "the pack's file table is not JSON", { file, fix });
  }
  if (!Array.isArray(table?.files)) throw new PgolfError("ARTIFACT_TABLE", "the pack's file table lists no files", { file, fix });
  if (table.files.length > MAX_PACK_FILES) throw new PgolfError("ARTIFACT_TOO_LARGE", `the pack lists ${table.files.length} files, over the limit of ${MAX_PACK_FILES}`, { file, fix: `a record folder or an entry holds at most ${MAX_PACK_FILES} files` });
  const files = new Map<string, Uint8Array>();
  let off = HEAD + j;
  for (const f of table.files) {
    checkEntryPath(f, file, fix);
    if (!Number.isInteger(f.bytes) || f.bytes < 0 || off + f.bytes > HEAD + j + d) throw new PgolfError("ARTIFACT_TABLE_RANGE", `${f.path} points outside the pack's data`, { file, fix });
    const bytes = b.subarray(off, off + f.bytes);
    if (sha256(bytes) !== f.sha256) throw new PgolfError("ARTIFACT_CHECKSUM", `${f.path} does not match its sha256 in the pack`, { file, fix });
    if (files.has(f.path)) throw new PgolfError("ARTIFACT_TABLE", `${f.path} appears twice in the pack`, { file, fix });
    files.set(f.path, bytes);
    off += f.bytes;
  }
  if (off !== HEAD + j + d) throw new PgolfError("ARTIFACT_TABLE", "the pack's data has bytes no file claims", { file, fix });
  if ((table.kind ?? "entry") === "entry" && table.files.filter((f) => f.role === "artifact").length !== 1) throw new PgolfError("ARTIFACT_TABLE", "an entry pack holds exactly one artifact", { file, fix });
  if (table.kind === "record" && table.files.some((f) => f.role !== "file")) throw new PgolfError("ARTIFACT_TABLE", "a record pack holds plain files only", { file, fix });
  return { table, files };
}

/** One file of a pack on disk: its table entry and where its bytes start in the pack file. */
export interface PackFileRange extends PackEntry {
  /** Byte offset of the file's first byte in the pack file. */
  offset: number;
}

/** A pack's header and table, read from disk without its data: where each file's bytes are. */
export interface PackIndex {
  table: PackTable;
  /** By path, in table order. */
  files: Map<string, PackFileRange>;
  /** The pack file's length, bytes. */
  bytes: number;
  /** The table's length (J), bytes: what the index costs to hold, roughly. */
  tableBytes: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Exactly `length` bytes at `position` of an open file (ARTIFACT_TRUNCATED when it ends first). */
async function readExactly(fh: FileHandle, position: number, length: number, file: string): Promise<Buffer> {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(b, got, length - got, position + got);
    if (bytesRead === 0) throw new PgolfError("ARTIFACT_TRUNCATED", `pack ended after ${position + got} bytes, in its header or table`, { file, fix: "the pack is damaged or not a pgolf pack; make it again with `pgolf pack`" });
    got += bytesRead;
  }
  return b;
}

/**
 * Reads a pack file's header and table from an open file (at most 20 bytes + MAX_PACK_TABLE_BYTES,
 * whatever the pack's size) and checks them as decodePack does, with its error codes: size, magic,
 * version, declared lengths against the file's, the table's size, JSON, file count, every path
 * (non-empty, inside the folder, not too deep, not twice), every length (in the data, the data
 * wholly claimed), roles by kind. Not checked, as they need the data: the pack's checksum and each
 * file's bytes against its sha256 (which must be 64 hex digits here; ARTIFACT_CHECKSUM otherwise, as
 * decodePack would find). Whoever serves a file from the index checks its bytes against its sha256.
 */
export async function readPackIndex(fh: FileHandle, file = "pack"): Promise<PackIndex> {
  const size = (await fh.stat()).size;
  if (size > MAX_PACK_BYTES) throw new PgolfError("ARTIFACT_TOO_LARGE", `pack is ${size} bytes, over the ${MAX_PACK_BYTES}-byte limit`, { file, fix: "a pack holds one submission; check the file" });
  const fix = "the pack is damaged or not a pgolf pack; make it again with `pgolf pack`";
  if (size < HEAD + 32) throw new PgolfError("ARTIFACT_TRUNCATED", `pack is ${size} bytes, shorter than its header`, { file, fix });
  const head = await readExactly(fh, 0, HEAD, file);
  if (head.toString("latin1", 0, 4) !== PACK_MAGIC) throw new PgolfError("ARTIFACT_MAGIC", "not a pgolf pack (wrong magic)", { file, fix });
  if (head[4] !== PACK_VERSION) throw new PgolfError("ARTIFACT_VERSION", `pack version ${head[4]} is not supported (this pgolf reads ${PACK_VERSION})`, { file, fix: "make the pack with this version of pgolf" });
  const j = head.readUInt32LE(8);
  const d = Number(head.readBigUInt64LE(12));
  if (HEAD + j + d + 32 !== size) throw new PgolfError("ARTIFACT_LENGTH", `pack header declares ${HEAD + j + d + 32} bytes, the file has ${size}`, { file, fix });
  if (j > MAX_PACK_TABLE_BYTES) throw new PgolfError("ARTIFACT_TOO_LARGE", `the pack's file table is ${j} bytes, over the ${MAX_PACK_TABLE_BYTES}-byte limit`, { file, fix: `a pack lists at most ${MAX_PACK_FILES} files` });
  const raw = await readExactly(fh, HEAD, j, file);
  let table: PackTable;
  try {
    table = JSON.parse(raw.toString("utf8")) as PackTable;
  } catch {
    throw new PgolfError("ARTIFACT_TABLE", "the pack's file table is not JSON", { file, fix });
  }
  if (!Array.isArray(table?.files)) throw new PgolfError("ARTIFACT_TABLE", "the pack's file table lists no files", { file, fix });
  if (table.files.length > MAX_PACK_FILES) throw new PgolfError("ARTIFACT_TOO_LARGE", `the pack lists ${table.files.length} files, over the limit of ${MAX_PACK_FILES}`, { file, fix: `a record folder or an entry holds at most ${MAX_PACK_FILES} files` });
  const files = new Map<string, PackFileRange>();
  const end = HEAD + j + d;
  let off = HEAD + j;
  for (const f of table.files) {
    checkEntryPath(f, file, fix);
    if (!Number.isInteger(f.bytes) || f.bytes < 0 || off + f.bytes > end) throw new PgolfError("ARTIFACT_TABLE_RANGE", `${f.path} points outside the pack's data`, { file, fix });
    // decodePack compares the bytes' sha256 with this: anything but a sha256 can never match
    if (typeof f.sha256 !== "string" || !SHA256_HEX.test(f.sha256)) throw new PgolfError("ARTIFACT_CHECKSUM", `${f.path} does not match its sha256 in the pack`, { file, fix });
    if (files.has(f.path)) throw new PgolfError("ARTIFACT_TABLE", `${f.path} appears twice in the pack`, { file, fix });
    files.set(f.path, { path: f.path, role: f.role, bytes: f.bytes, sha256: f.sha256, offset: off });
    off += f.bytes;
  }
  if (off !== end) throw new PgolfError("ARTIFACT_TABLE", "the pack's data has bytes no file claims", { file, fix });
  if ((table.kind ?? "entry") === "entry" && table.files.filter((f) => f.role === "artifact").length !== 1) throw new PgolfError("ARTIFACT_TABLE", "an entry pack holds exactly one artifact", { file, fix });
  if (table.kind === "record" && table.files.some((f) => f.role !== "file")) throw new PgolfError("ARTIFACT_TABLE", "a record pack holds plain files only", { file, fix });
  return { table, files, bytes: size, tableBytes: j };
}

/** Writes a record pack's files into dir (a fresh folder), after decodePack's checks. */
export function unpackRecordFolder(b: Buffer, dir: string, file = "pack"): string[] {
  const { table, files } = decodePack(b, file);
  if (table.kind !== "record") throw new PgolfError("ARTIFACT_TABLE", "not a record pack", { file, fix: "upload a record folder with `pgolf submit --to URL`" });
  const root = path.resolve(dir);
  for (const f of table.files) {
    const p = path.resolve(root, f.path);
    if (!p.startsWith(root + path.sep)) throw new PgolfError("ARTIFACT_TABLE", `the pack names a file outside its folder: ${JSON.stringify(f.path)}`, { file, fix: "upload a record folder with `pgolf submit --to URL`" });
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, files.get(f.path)!, { flag: "wx" });
  }
  return table.files.map((f) => f.path);
}

/** Unpacks into a fresh folder: entry/ (the code files) and artifact.bin. */
export function unpack(file: string, dir: string): { entryDir: string; artifactFile: string; table: PackTable } {
  const { table, files } = readPack(file);
  const entryDir = path.join(dir, "entry");
  fs.mkdirSync(entryDir, { recursive: true });
  let artifactFile = "";
  for (const f of table.files) {
    const bytes = files.get(f.path)!;
    if (f.role === "artifact") {
      artifactFile = path.join(dir, PACK_ARTIFACT);
      fs.writeFileSync(artifactFile, bytes);
    } else {
      const p = path.join(entryDir, f.path);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, bytes);
    }
  }
  // an entry module needs its ES-module marker (not counted, not packed)
  if (!fs.existsSync(path.join(entryDir, "package.json"))) fs.writeFileSync(path.join(entryDir, "package.json"), '{"type": "module"}\n');
  return { entryDir, artifactFile, table };
}
