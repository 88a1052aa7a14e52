// The size rule and packs: code bytes count every file but README.md, submission.json, logs and the
// dependency list; the cap is decimal and inclusive; a pack round-trips exactly and refuses damage and
// paths that would leave its folder; the partial reader (a pack's table read from disk) finds what
// decodePack finds, and refuses what it refuses with the same codes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { sha256 } from "../core/hash.js";
import { track } from "../core/track.js";
import { decodePack, MAX_PACK_BYTES, packRecordFolder, readPack, readPackIndex, unpack, unpackRecordFolder, writePack } from "./pack.js";
import { accountSize } from "../entry/size_rule.js";

const work = tempDir();

function entry(): string {
  const dir = fs.mkdtempSync(path.join(work, "entry-"));
  fs.writeFileSync(path.join(dir, "entry.ts"), "export const x = 1;\n"); // 20 bytes
  fs.mkdirSync(path.join(dir, "lib"));
  fs.writeFileSync(path.join(dir, "lib", "weights.txt"), "0123456789"); // 10 bytes, counted
  fs.writeFileSync(path.join(dir, "README.md"), "not counted");
  fs.writeFileSync(path.join(dir, "submission.json"), "{}");
  fs.writeFileSync(path.join(dir, "train_seed1.log"), "log");
  fs.writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
  return dir;
}

test("the size rule counts code files and the artifact, and the cap is decimal and inclusive", () => {
  const dir = entry();
  const t = track("cpu-10min-2mb");
  const artifact = path.join(work, "a.bin");
  // code: 30 bytes of content + 23 bytes of paths ("entry.ts", "lib/weights.txt"): a name is data too
  fs.writeFileSync(artifact, Buffer.alloc(2_000_000 - 53));
  const a = accountSize(dir, artifact, t);
  assert.deepEqual(a.files.map((f) => f.path), ["entry.ts", "lib/weights.txt"]);
  assert.equal(a.bytes_code, 53);
  assert.equal(a.bytes_total, 2_000_000);
  assert.equal(a.within_cap, true, "exactly the cap is within it");
  fs.writeFileSync(artifact, Buffer.alloc(2_000_000 - 52));
  const over = accountSize(dir, artifact, t);
  assert.equal(over.within_cap, false);
  assert.equal(over.headroom, -1);
  throwsCode(() => accountSize(dir, path.join(work, "missing.bin"), t), "FILE_NOT_FOUND");
});

test("a pack round-trips code and artifact exactly and refuses damage", async () => {
  const dir = entry();
  const artifact = path.join(work, "b.bin");
  fs.writeFileSync(artifact, Buffer.from("artifact bytes"));
  const file = path.join(work, "e.pgpack");
  const w = await writePack(dir, artifact, track("cpu-10min-2mb"), file);
  assert.equal(w.account.bytes_total, 53 + 14);
  const { table, files } = readPack(file);
  assert.deepEqual(table.files.map((f) => [f.path, f.role]), [["entry.ts", "code"], ["lib/weights.txt", "code"], ["artifact.bin", "artifact"]]);
  const u = unpack(file, fs.mkdtempSync(path.join(work, "un-")));
  assert.equal(fs.readFileSync(path.join(u.entryDir, "lib", "weights.txt"), "utf8"), "0123456789");
  assert.equal(sha256(fs.readFileSync(u.artifactFile)), sha256(fs.readFileSync(artifact)));
  assert.equal(files.size, 3);
  assert.ok(!fs.existsSync(path.join(u.entryDir, "README.md")), "uncounted files are not packed");

  const bytes = fs.readFileSync(file);
  const flipped = Buffer.from(bytes);
  flipped[40] ^= 1;
  fs.writeFileSync(path.join(work, "flip.pgpack"), flipped);
  throwsCode(() => readPack(path.join(work, "flip.pgpack")), "ARTIFACT_CHECKSUM");
  fs.writeFileSync(path.join(work, "short.pgpack"), bytes.subarray(0, bytes.length - 5));
  throwsCode(() => readPack(path.join(work, "short.pgpack")), "ARTIFACT_LENGTH");
  fs.writeFileSync(path.join(work, "magic.pgpack"), Buffer.concat([Buffer.from("XXXX"), bytes.subarray(4)]));
  throwsCode(() => readPack(path.join(work, "magic.pgpack")), "ARTIFACT_MAGIC");
});

test("a pack naming a path outside its folder is refused before anything is written", async () => {
  const dir = entry();
  const artifact = path.join(work, "c.bin");
  fs.writeFileSync(artifact, "x");
  const file = path.join(work, "evil.pgpack");
  await writePack(dir, artifact, track("cpu-10min-2mb"), file);
  // rewrite the table with a traversal path of the same length, and reseal the checksum
  const b = fs.readFileSync(file);
  const j = b.readUInt32LE(8);
  const json = b.toString("utf8", 20, 20 + j).replace('"lib/weights.txt"', '"../../../etc/xx"');
  assert.equal(Buffer.byteLength(json), j);
  const body = Buffer.concat([b.subarray(0, 20), Buffer.from(json), b.subarray(20 + j, b.length - 32)]);
  const { createHash } = await import("node:crypto");
  fs.writeFileSync(file, Buffer.concat([body, createHash("sha256").update(body).digest()]));
  const dest = fs.mkdtempSync(path.join(work, "dest-"));
  throwsCode(() => unpack(file, dest), "ARTIFACT_TABLE");
  assert.deepEqual(fs.readdirSync(dest), []);
});

test("a record folder packs and unpacks as it is; links and non-record packs are refused", () => {
  const dir = entry();
  const b = packRecordFolder(dir);
  const out = fs.mkdtempSync(path.join(work, "rec-"));
  const files = unpackRecordFolder(b, out);
  assert.deepEqual(files, ["README.md", "entry.ts", "lib/weights.txt", "package.json", "submission.json", "train_seed1.log"]);
  for (const f of files) assert.equal(sha256(fs.readFileSync(path.join(out, f))), sha256(fs.readFileSync(path.join(dir, f))));
  fs.symlinkSync("/etc/passwd", path.join(dir, "passwd"));
  throwsCode(() => packRecordFolder(dir), "ARTIFACT_TABLE");
  const flipped = Buffer.from(b);
  flipped[flipped.length - 40] ^= 1;
  throwsCode(() => unpackRecordFolder(flipped, fs.mkdtempSync(path.join(work, "rec-"))), "ARTIFACT_CHECKSUM");
});

// ---------- the partial reader (readPackIndex) against decodePack ----------

/** A pack from its parts with a valid checksum: whatever the header and table say, only they are wrong. */
function seal(table: string, data: Buffer, o: { magic?: string; version?: number; j?: number; d?: bigint } = {}): Buffer {
  const json = Buffer.from(table, "utf8");
  const head = Buffer.alloc(20);
  head.write(o.magic ?? "PGPK", 0, "latin1");
  head.writeUInt8(o.version ?? 1, 4);
  head.writeUInt32LE(o.j ?? json.length, 8);
  head.writeBigUInt64LE(o.d ?? BigInt(data.length), 12);
  const body = Buffer.concat([head, json, data]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

/** A record table for these files (their sha256 right unless given). */
function recordTable(files: { path: unknown; data?: Buffer; bytes?: unknown; sha256?: unknown; role?: unknown }[], kind: string | undefined = "record"): string {
  return JSON.stringify({ kind, track: "", bytes_code: 0, bytes_model: 0, files: files.map((f) => ({ path: f.path, role: f.role ?? "file", bytes: "bytes" in f ? f.bytes : (f.data?.length ?? 0), sha256: "sha256" in f ? f.sha256 : sha256(f.data ?? Buffer.alloc(0)) })) });
}

async function indexOf(file: string) {
  const fh = await fsp.open(file, "r");
  try {
    return await readPackIndex(fh, file);
  } finally {
    await fh.close();
  }
}

let hostile = 0;
/** decodePack and readPackIndex both refuse these bytes, with this code. */
async function bothRefuse(bytes: Buffer, code: string, what: string): Promise<void> {
  const file = path.join(work, `hostile-${hostile++}.pgpack`);
  fs.writeFileSync(file, bytes);
  throwsCode(() => decodePack(bytes), code);
  await rejectsWith(indexOf(file), code, (e) => assert.ok(e.message.length > 0, what));
}

/** readPackIndex finds what decodePack finds: the same table, and each file's bytes at its offset. */
async function sameAsDecode(file: string): Promise<void> {
  const bytes = fs.readFileSync(file);
  const decoded = decodePack(bytes);
  const index = await indexOf(file);
  assert.deepEqual(index.table, decoded.table);
  assert.equal(index.bytes, bytes.length);
  assert.deepEqual([...index.files.keys()], decoded.table.files.map((f) => f.path));
  for (const [p, f] of index.files) {
    assert.deepEqual(bytes.subarray(f.offset, f.offset + f.bytes), Buffer.from(decoded.files.get(p)!), p);
    assert.equal(sha256(bytes.subarray(f.offset, f.offset + f.bytes)), f.sha256, p);
  }
}

test("readPackIndex reads a pack's table from disk as decodePack reads it from memory: real entry and record packs", async () => {
  const dir = entry();
  fs.writeFileSync(path.join(dir, "empty.txt"), "");
  fs.writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(3 * 1024 * 1024, 7));
  const artifact = path.join(work, "idx.bin");
  fs.writeFileSync(artifact, Buffer.from("the artifact"));
  const entryPack = path.join(work, "idx-entry.pgpack");
  await writePack(dir, artifact, track("cpu-10min-2mb"), entryPack);
  await sameAsDecode(entryPack);
  const recordPackFile = path.join(work, "idx-record.pgpack");
  fs.writeFileSync(recordPackFile, packRecordFolder(dir));
  await sameAsDecode(recordPackFile);
  const index = await indexOf(recordPackFile);
  assert.equal(index.files.get("empty.txt")?.bytes, 0);
  assert.equal(index.files.get("big.bin")?.bytes, 3 * 1024 * 1024);
  assert.ok(index.tableBytes < 4096, "the table, not the data, is what was read");
});

test("readPackIndex refuses hostile packs with decodePack's codes: truncated, offsets past the end, overlaps and gaps, huge tables, bad paths", async () => {
  const a = Buffer.from("alpha bytes");
  const b = Buffer.from("bravo");
  const data = Buffer.concat([a, b]);
  const good = seal(recordTable([{ path: "a.txt", data: a }, { path: "b.txt", data: b }]), data);
  const goodFile = path.join(work, "hostile-good.pgpack");
  fs.writeFileSync(goodFile, good);
  await sameAsDecode(goodFile);

  await bothRefuse(good.subarray(0, good.length - 5), "ARTIFACT_LENGTH", "truncated");
  await bothRefuse(good.subarray(0, 30), "ARTIFACT_TRUNCATED", "shorter than a header");
  await bothRefuse(Buffer.concat([Buffer.from("XXXX"), good.subarray(4)]), "ARTIFACT_MAGIC", "magic");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }, { path: "b.txt", data: b }]), data, { version: 2 }), "ARTIFACT_VERSION", "version");
  // lengths the header declares that the file does not have
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }]), a, { j: 0xffffffff }), "ARTIFACT_LENGTH", "a table length of 4 GiB");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }]), a, { d: 0xffffffffffffffffn }), "ARTIFACT_LENGTH", "a data length of 2^64");
  // a table over 1 MiB, its lengths consistent: refused before it is parsed
  const padded = recordTable([{ path: "a.txt", data: a }]).replace(/^\{/, `{"pad": "${" ".repeat(2 * 1024 * 1024)}", `);
  await bothRefuse(seal(padded, a), "ARTIFACT_TOO_LARGE", "a 2 MiB table");
  // a file that reaches past the data, in the middle or at the end
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a, bytes: a.length + b.length + 1, sha256: sha256(a) }, { path: "b.txt", data: b }]), data), "ARTIFACT_TABLE_RANGE", "a file past the end");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }, { path: "b.txt", data: b, bytes: b.length + 1 }]), data), "ARTIFACT_TABLE_RANGE", "the last file past the end");
  // two files over the same bytes: the data's length is claimed twice over (past the end), or a gap is left
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }, { path: "again.txt", data: a }]), a), "ARTIFACT_TABLE_RANGE", "two files over one range");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }]), data), "ARTIFACT_TABLE", "data no file claims");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a }, { path: "a.txt", data: b }]), data), "ARTIFACT_TABLE", "a path twice");
  for (const bytes of [-1, 1.5, "11", null]) await bothRefuse(seal(recordTable([{ path: "a.txt", data: a, bytes }]), a), "ARTIFACT_TABLE_RANGE", `bytes ${String(bytes)}`);
  // paths that leave the folder, or are not paths
  for (const p of ["../evil", "/etc/passwd", "a/../../b", "a\\b", "./a.txt", "a//b", "", 7, null, "x".repeat(1025), `${"d/".repeat(17)}f`]) {
    await bothRefuse(seal(recordTable([{ path: p, data: a }]), a), "ARTIFACT_TABLE", `path ${JSON.stringify(p)}`);
  }
  // tables that are not tables
  await bothRefuse(seal("{not json", a), "ARTIFACT_TABLE", "not JSON");
  await bothRefuse(seal("null", a), "ARTIFACT_TABLE", "null");
  await bothRefuse(seal('{"files": {"a.txt": 11}}', a), "ARTIFACT_TABLE", "files not a list");
  await bothRefuse(seal(recordTable(Array.from({ length: 1025 }, (_, i) => ({ path: `f${i}` }))), Buffer.alloc(0)), "ARTIFACT_TOO_LARGE", "1025 files");
  // roles by kind
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a, role: "code" }]), a), "ARTIFACT_TABLE", "a record pack with code");
  await bothRefuse(seal(recordTable([{ path: "a.txt", data: a, role: "code" }], "entry"), a), "ARTIFACT_TABLE", "an entry pack with no artifact");
  // a sha256 that is no sha256 can never match
  for (const h of [null, 5, "ABC", sha256(a).toUpperCase()]) await bothRefuse(seal(recordTable([{ path: "a.txt", data: a, sha256: h }]), a), "ARTIFACT_CHECKSUM", `sha256 ${String(h)}`);

  // what only the data shows is decodePack's alone: the index leaves it to whoever reads the bytes
  const wrongSha = seal(recordTable([{ path: "a.txt", data: a, sha256: sha256(b) }]), a);
  throwsCode(() => decodePack(wrongSha), "ARTIFACT_CHECKSUM");
  const wrongShaFile = path.join(work, "hostile-wrong-sha.pgpack");
  fs.writeFileSync(wrongShaFile, wrongSha);
  assert.equal((await indexOf(wrongShaFile)).files.get("a.txt")?.sha256, sha256(b));
  const flipped = Buffer.from(good);
  flipped[good.length - 40] ^= 1;
  throwsCode(() => decodePack(flipped), "ARTIFACT_CHECKSUM");

  // a pack over the size limit is refused from its size (a sparse file: nothing of it is read)
  const huge = path.join(work, "hostile-huge.pgpack");
  fs.writeFileSync(huge, good);
  fs.truncateSync(huge, MAX_PACK_BYTES + 1);
  throwsCode(() => readPack(huge), "ARTIFACT_TOO_LARGE");
  await rejectsWith(indexOf(huge), "ARTIFACT_TOO_LARGE");
});
