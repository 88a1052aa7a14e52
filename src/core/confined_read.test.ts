// The confined read on real files, links and pipes: what is inside the root and plain is read;
// a link anywhere on the way, a pipe, a folder, a path out of the root and a file over its limit
// are refused with RECORD_FILE_UNSAFE and the reason, promptly and without reading them whole.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { swapForFifo, swapForLink } from "../../test/support/hostile_record.js";
import { fileSizeConfined, isMissing, isUnsafeFile, lstatConfined, readConfined, readConfinedHead, readConfinedIfExists, sha256Confined, type UnsafeReason } from "./confined_read.js";
import { sha256 } from "./hash.js";

const work = tempDir("pgolf-confined-");
const root = path.join(work, "root");
const outside = path.join(work, "outside.txt");
fs.mkdirSync(path.join(root, "logs", "deep"), { recursive: true });
fs.writeFileSync(path.join(root, "a.json"), '{"a": 1}\n');
fs.writeFileSync(path.join(root, "logs", "deep", "b.log"), "step:1/2\n");
fs.writeFileSync(outside, "outside the root\n");

function refused(fn: () => unknown, reason: UnsafeReason): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(isUnsafeFile(caught, reason), `expected RECORD_FILE_UNSAFE (${reason}), got ${String(caught)}`);
  assert.ok(caught.fix && caught.fix.length > 10, "names a fix");
  return caught;
}

test("plain files inside the root are read whole, by head, by hash and by size", () => {
  assert.equal(readConfined(root, "a.json", 100).toString(), '{"a": 1}\n');
  assert.equal(readConfined(root, "logs/deep/b.log", 9).toString(), "step:1/2\n", "exactly at the limit");
  assert.equal(readConfinedHead(root, "logs/deep/b.log", 4).toString(), "step");
  assert.equal(sha256Confined(root, "a.json", 100), sha256(fs.readFileSync(path.join(root, "a.json"))));
  assert.equal(fileSizeConfined(root, "a.json"), 9);
  assert.equal(readConfinedIfExists(root, "nope.json", 100), null);
  assert.equal(fileSizeConfined(root, "nope/deeper.json"), null);
  assert.ok(lstatConfined(root, "logs")?.isDirectory());
  assert.throws(() => readConfined(root, "nope.json", 100), (e) => isMissing(e));
});

test("a link is refused wherever it is on the way: the file, a folder above it, a link to a file inside", () => {
  const r = path.join(work, "links");
  fs.cpSync(root, r, { recursive: true });
  swapForLink(path.join(r, "a.json"), outside);
  const e = refused(() => readConfined(r, "a.json", 100), "symlink");
  assert.match(e.message, /a\.json: it is a symbolic link/);
  assert.ok(!e.message.includes("outside the root"), "the target is never read");
  refused(() => sha256Confined(r, "a.json", 100), "symlink");
  refused(() => fileSizeConfined(r, "a.json"), "symlink");
  // a linked folder on the way (logs -> a folder outside)
  swapForLink(path.join(r, "logs"), path.dirname(outside));
  const d = refused(() => readConfined(r, "logs/outside.txt", 100), "symlink");
  assert.match(d.message, /logs is a symbolic link/);
  // a link to a file of the same folder: still a link
  fs.writeFileSync(path.join(r, "real.json"), "{}");
  fs.symlinkSync("real.json", path.join(r, "alias.json"));
  refused(() => readConfined(r, "alias.json", 100), "symlink");
  // a dangling link is a link, not a missing file
  fs.symlinkSync(path.join(work, "no-such-file"), path.join(r, "dangling.json"));
  refused(() => readConfinedIfExists(r, "dangling.json", 100), "symlink");
});

test("paths that leave the root are refused before anything is opened", () => {
  for (const rel of ["../outside.txt", "logs/../../outside.txt", outside, "/etc/passwd", "", ".", "a\0b"]) refused(() => readConfined(root, rel, 100), "escapes");
});

test("a named pipe, a folder and a device are refused at once, never opened", () => {
  const r = path.join(work, "odd");
  fs.mkdirSync(r);
  swapForFifo(path.join(r, "train.log"));
  const start = Date.now();
  const e = refused(() => readConfined(r, "train.log", 100), "not-a-file");
  assert.match(e.message, /named pipe/);
  refused(() => readConfinedHead(r, "train.log", 100), "not-a-file");
  refused(() => fileSizeConfined(r, "train.log"), "not-a-file");
  assert.ok(Date.now() - start < 2000, "refused without waiting for a writer");
  fs.mkdirSync(path.join(r, "dir.json"));
  refused(() => readConfined(r, "dir.json", 100), "not-a-file");
  // /dev holds devices: the root is what the caller named, so this reads /dev/zero as a file of it
  refused(() => readConfined("/dev", "zero", 100), "not-a-file");
  refused(() => sha256Confined("/dev", "urandom", 100), "not-a-file");
});

test("a file over its limit is refused without being read whole: a 3 GiB sparse file, one byte over", () => {
  const r = path.join(work, "big");
  fs.mkdirSync(r);
  const huge = path.join(r, "huge.log");
  fs.writeFileSync(huge, "step:1/2\n");
  fs.truncateSync(huge, 3 * 1024 ** 3);
  const start = Date.now();
  const e = refused(() => readConfined(r, "huge.log", 64 * 1024 * 1024), "too-large");
  assert.match(e.message, /3,221,225,472 bytes, over the 67,108,864-byte limit/);
  refused(() => sha256Confined(r, "huge.log", 64 * 1024 * 1024), "too-large");
  assert.ok(Date.now() - start < 2000, "refused by its size, not by reading it");
  fs.writeFileSync(path.join(r, "ten.txt"), "0123456789");
  refused(() => readConfined(r, "ten.txt", 9), "too-large");
  refused(() => sha256Confined(r, "ten.txt", 9), "too-large");
  assert.equal(readConfined(r, "ten.txt", 10).length, 10);
  // a head is a bounded read, never refused for size
  assert.equal(readConfinedHead(r, "huge.log", 9).toString(), "step:1/2\n");
});
