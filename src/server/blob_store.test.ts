import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { sha256, sha256File } from "../core/hash.js";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { BlobStore, blobStoreDir, isBlobKey } from "./blob_store.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-blobs-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under dir, relative, temp files included. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

test("put and get round trip, at blobs/ab/cd/<sha256>", async () => {
  const store = new BlobStore(blobStoreDir(path.join(tmp, "a")));
  const bytes = new TextEncoder().encode("a record folder, packed");
  const key = await store.put(bytes);
  assert.equal(key, sha256(bytes));
  assert.equal(store.pathOf(key), path.join(tmp, "a", "blobs", key.slice(0, 2), key.slice(2, 4), key));
  assert.deepEqual(await store.get(key), bytes);
  assert.equal(await store.has(key), true);
  assert.equal(await store.size(key), bytes.byteLength);
  assert.equal(await store.put(bytes), key, "putting the same bytes again is harmless");
  assert.deepEqual(listFiles(store.dir), [path.join(key.slice(0, 2), key.slice(2, 4), key)], "no temp files left");
  const empty = await store.put(new Uint8Array(0));
  assert.equal(empty, sha256(""));
  assert.equal((await store.get(empty)).byteLength, 0);
});

test("a corrupted blob is detected on read, and a put of the right bytes repairs it", async () => {
  const store = new BlobStore(path.join(tmp, "b"));
  const bytes = randomBytes(1000);
  const key = await store.put(bytes);
  const flipped = Buffer.from(bytes);
  flipped[500] ^= 1;
  fs.writeFileSync(store.pathOf(key), flipped);
  await rejectsWith(store.get(key), "CHECKSUM_MISMATCH", (e) => {
    assert.equal(e.details?.expected, key);
    assert.equal(e.details?.actual, sha256(flipped));
    assert.equal(e.file, store.pathOf(key));
  });
  await rejectsWith(store.verify(key), "CHECKSUM_MISMATCH");
  await store.put(bytes);
  assert.deepEqual(Buffer.from(await store.get(key)), bytes);
  await store.verify(key);
});

test("keys that are not 64 lowercase hex characters are refused", async () => {
  const store = new BlobStore(path.join(tmp, "c"));
  const bad = ["", "abc", "A".repeat(64), "g".repeat(64), "a".repeat(63), "a".repeat(65), `../${"a".repeat(61)}`, `${"a".repeat(63)}\n`];
  for (const key of bad) {
    assert.equal(isBlobKey(key), false, JSON.stringify(key));
    throwsCode(() => store.pathOf(key), "BLOB_KEY");
    await rejectsWith(store.get(key), "BLOB_KEY");
    await rejectsWith(store.has(key), "BLOB_KEY");
    await rejectsWith(store.size(key), "BLOB_KEY");
  }
  assert.equal(fs.existsSync(store.dir), false, "nothing was created");
});

test("missing blobs: has is false, get and size are FILE_NOT_FOUND", async () => {
  const store = new BlobStore(path.join(tmp, "d"));
  const key = sha256("never stored");
  assert.equal(await store.has(key), false);
  await rejectsWith(store.get(key), "FILE_NOT_FOUND");
  await rejectsWith(store.size(key), "FILE_NOT_FOUND");
  await rejectsWith(store.verify(key), "FILE_NOT_FOUND");
});

test("putFile streams a large file in, with the same key as put", async () => {
  const store = new BlobStore(path.join(tmp, "e"));
  const source = path.join(tmp, "big.bin");
  const bytes = randomBytes(5 << 20);
  fs.writeFileSync(source, bytes);
  const { key, size } = await store.putFile(source);
  assert.equal(key, await sha256File(source));
  assert.equal(size, bytes.byteLength);
  assert.equal(await store.size(key), bytes.byteLength);
  assert.deepEqual(await store.putFile(source), { key, size }, "again: harmless");
  assert.equal(await store.put(bytes), key);
  await store.verify(key);
  assert.deepEqual(listFiles(store.dir), [path.join(key.slice(0, 2), key.slice(2, 4), key)], "no temp files left");
  await rejectsWith(store.putFile(path.join(tmp, "no-such-file")), "FILE_NOT_FOUND");
  assert.deepEqual(listFiles(store.dir).length, 1, "a failed putFile leaves nothing behind");
});

test("a blob opened for ranged reads: a range read whole or streamed, checked against the sha256 the caller gives", async () => {
  const store = new BlobStore(path.join(tmp, "ranged"));
  await rejectsWith(store.open("a".repeat(64)), "FILE_NOT_FOUND");
  const bytes = randomBytes(10_000);
  const key = await store.put(bytes);
  const part = bytes.subarray(1000, 8000);
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const got: Buffer[] = [];
    const reader = s.getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return { bytes: Buffer.concat(got), error: null };
        got.push(Buffer.from(r.value));
      }
    } catch (e) {
      return { bytes: Buffer.concat(got), error: e };
    }
  };
  let blob = await store.open(key);
  assert.equal(blob.size, bytes.length);
  assert.deepEqual(await blob.readChecked(1000, 7000, sha256(part)), part);
  await rejectsWith(blob.readChecked(1000, 7000, sha256(bytes)), "CHECKSUM_MISMATCH");
  await rejectsWith(blob.readChecked(9000, 2000, sha256(part)), "FILE_READ");
  const good = await drain(blob.stream(1000, 7000, sha256(part), { chunkBytes: 1024 }));
  assert.equal(good.error, null);
  assert.deepEqual(good.bytes, part);
  // a wrong sha256: every chunk but the last is given, then the stream errors
  blob = await store.open(key);
  const bad = await drain(blob.stream(1000, 7000, sha256(bytes), { chunkBytes: 1024 }));
  assert.equal((bad.error as { code?: string }).code, "CHECKSUM_MISMATCH");
  assert.deepEqual(bad.bytes, part.subarray(0, 6 * 1024), "the last chunk was withheld");
  // the whole blob, against its key; an empty range
  blob = await store.open(key);
  assert.deepEqual((await drain(blob.stream(0, bytes.length, key))).bytes, bytes);
  blob = await store.open(key);
  assert.equal((await drain(blob.stream(5, 0, sha256("")))).bytes.length, 0);
});

/** Sets a blob's mtime this many ms into the past (a blob written that long ago). */
function age(store: BlobStore, key: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(store.pathOf(key), t, t);
}

test("collect removes the blobs nothing names once past their grace, keeps named, young and held ones, and walks the store once", async () => {
  const store = new BlobStore(path.join(tmp, "f"));
  const [named, orphan, young, held] = await Promise.all(["named", "orphan", "young", "held"].map((x) => store.put(new TextEncoder().encode(`${x} pack`))));
  for (const k of [named, orphan, held]) age(store, k, 2 * 3_600_000);
  const release = store.hold(held);
  const asked: string[][] = [];
  const live = async (keys: string[]) => {
    asked.push([...keys].sort());
    return new Set(keys.filter((k) => k === named));
  };
  const gone = await store.collect(live, 3_600_000);
  assert.deepEqual(gone.keys, [orphan]);
  assert.equal(gone.bytes, "orphan pack".length);
  assert.deepEqual(await Promise.all([named, orphan, young, held].map((k) => store.has(k))), [true, false, true, true]);
  // the database is asked only about keys that could go (never about a held one), once per leaf folder
  assert.ok(asked.every((ks) => !ks.includes(held)), JSON.stringify(asked));
  assert.deepEqual(asked.flat().sort(), [named, orphan, young].sort());
  // released, the held blob goes too; a grace of 0 takes the young one
  release();
  assert.deepEqual((await store.collect(live, 0)).keys.sort(), [held, young].sort());
  assert.deepEqual(listFiles(store.dir), [path.join(named.slice(0, 2), named.slice(2, 4), named)]);
  assert.deepEqual(await store.collect(live, 0), { keys: [], bytes: 0 }, "nothing more to take");
  // a store never written to is an empty collection, not an error
  assert.deepEqual(await new BlobStore(path.join(tmp, "never")).collect(live, 0), { keys: [], bytes: 0 });
});

test("discard takes only the keys it is given; a put of the same bytes during a removal waits for it and is stored whole", async () => {
  const store = new BlobStore(path.join(tmp, "g"));
  const bytes = randomBytes(4096);
  const key = await store.put(bytes);
  const other = await store.put(randomBytes(10));
  let put: Promise<string> | null = null;
  // the intake stores the same bytes while the collector is asking the database about them
  const gone = await store.discard([key, "not-a-key"], async (keys) => {
    put = store.put(bytes);
    await new Promise((r) => setTimeout(r, 20));
    return new Set(keys.filter((k) => k !== key));
  }, 0);
  assert.deepEqual(gone, { keys: [key], bytes: 4096 });
  assert.equal(await put!, key);
  assert.deepEqual(Buffer.from(await store.get(key)), bytes, "the put after the removal wrote the bytes again");
  assert.equal(await store.has(other), true, "a key not given is never touched");
  // held keys are skipped without asking
  const release = store.hold(key);
  let asked = false;
  assert.deepEqual(await store.discard([key], async () => ((asked = true), new Set<string>()), 0), { keys: [], bytes: 0 });
  assert.equal(asked, false);
  release();
  release(); // releasing twice is harmless
  assert.deepEqual((await store.discard([key], async () => new Set<string>(), 0)).keys, [key]);
});
