// The size rule and packs: code bytes count every file but README.md, submission.json, logs and the
// dependency list; the cap is decimal and inclusive; a pack round-trips exactly and refuses damage and
// paths that would leave its folder.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { throwsCode } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { sha256 } from "../core/hash.js";
import { track } from "../core/track.js";
import { packRecordFolder, readPack, unpack, unpackRecordFolder, writePack } from "./pack.js";
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
