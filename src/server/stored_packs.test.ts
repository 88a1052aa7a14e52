// Stored packs read by parts, over real HTTP (Hono on @hono/node-server, as `pgolf serve` answers):
// the list, one file and the whole pack are what decodePack finds; the table is cached per blob and
// the cache is bounded; a file whose stored bytes are damaged is refused before anything is sent
// (small) or cut off before its last chunk (streamed), never answered complete; a client that stops
// reading is cut off after the stall time and its file is closed.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { rejectsWith } from "../../test/support/errors.js";
import { decodePack, packRecordFiles } from "../artifact/pack.js";
import { sha256 } from "../core/hash.js";
import { BlobStore, STREAM_CHUNK_BYTES } from "./blob_store.js";
import { errorResponse, sendSized } from "./http_util.js";
import { SMALL_FILE_BYTES, StoredPacks } from "./stored_packs.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-stored-packs-"));
const blobs = new BlobStore(path.join(tmp, "blobs"));
const packs = new StoredPacks(blobs);
/** Stall time of the test server's streamed answers, ms (short, so the test can wait it out). */
const STALL_MS = 500;
let server: http.Server;
let base = "";

before(async () => {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.onError((e, c) => errorResponse(c, e));
  app.get("/files/:key/:path", async (c) => {
    const part = await packs.file(c.req.param("key"), "test pack", c.req.param("path"));
    if (!part) return c.body(null, 404);
    return sendSized(c, part, { "content-type": "text/plain" }, STALL_MS);
  });
  app.get("/pack/:key", async (c) => sendSized(c, await packs.whole(c.req.param("key")), { "content-type": "application/octet-stream" }, STALL_MS));
  server = http.createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A record pack with an empty file, a small one, and one several stream chunks long (`bigBytes`); stored. */
async function stored(seed: string, bigBytes = 3.5 * STREAM_CHUNK_BYTES): Promise<{ key: string; pack: Buffer; files: Record<string, Buffer> }> {
  const files: Record<string, Buffer> = {
    "README.md": Buffer.from(`# ${seed}\n`),
    "empty.txt": Buffer.alloc(0),
    "big.txt": Buffer.from(`${seed} `.repeat(Math.ceil(bigBytes / (seed.length + 1)))),
  };
  const pack = packRecordFiles(Object.entries(files).map(([p, data]) => ({ path: p, data })));
  return { key: await blobs.put(pack), pack, files };
}

/** Flips one byte of the stored blob, at `offset` of the file at `p` in its pack. */
async function damage(key: string, p: string, offset: number): Promise<void> {
  const f = (await packs.list(key, "test pack")).find((x) => x.path === p)!;
  const file = blobs.pathOf(key);
  const b = fs.readFileSync(file);
  b[f.offset + offset] ^= 1;
  fs.writeFileSync(file, b);
}

/** A GET read to its end or its failure: the status, the body's bytes, whether it ended whole. */
function get(url: string): Promise<{ status: number; length: number | null; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, length: res.headers["content-length"] ? Number(res.headers["content-length"]) : null, body: Buffer.concat(chunks), complete });
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => done(res.complete));
        res.on("error", () => done(false));
        res.on("aborted", () => done(false));
      })
      .on("error", reject);
  });
}

/** Open file descriptors of this process. */
const openFiles = () => fs.readdirSync("/proc/self/fd").length;

test("the list, each file and the whole pack are what decodePack finds, with their lengths", async () => {
  const { key, pack, files } = await stored("alpha");
  const decoded = decodePack(pack);
  assert.deepEqual(
    (await packs.list(key, "test pack")).map((f) => ({ path: f.path, role: f.role, bytes: f.bytes, sha256: f.sha256 })),
    decoded.table.files,
  );
  assert.ok(files["big.txt"].length > SMALL_FILE_BYTES, "the big file is streamed");
  for (const [p, data] of Object.entries(files)) {
    const r = await get(`${base}/files/${key}/${p}`);
    assert.equal(r.status, 200, p);
    assert.equal(r.length, data.length, p);
    assert.ok(r.complete, p);
    assert.deepEqual(r.body, data, p);
  }
  assert.equal(await packs.file(key, "test pack", "missing.txt"), null);
  const whole = await get(`${base}/pack/${key}`);
  assert.equal(whole.length, pack.length);
  assert.equal(sha256(whole.body), key);
});

test("a pack's table is read once per blob, in a cache bounded by table bytes", async () => {
  const a = await stored("bravo");
  const b = await stored("charlie");
  const tableBytes = (k: string) => fs.readFileSync(blobs.pathOf(k)).readUInt32LE(8);
  // room for one table: reading b's evicts a's
  const one = new StoredPacks(blobs, { cacheBytes: Math.max(tableBytes(a.key), tableBytes(b.key)) + 1024 });
  await one.list(a.key, "a");
  await one.list(b.key, "b");
  const keep = (k: string) => fs.readFileSync(blobs.pathOf(k));
  const [aBytes, bBytes] = [keep(a.key), keep(b.key)];
  fs.rmSync(blobs.pathOf(a.key));
  fs.rmSync(blobs.pathOf(b.key));
  try {
    assert.equal((await one.list(b.key, "b")).length, 3, "b's table comes from the cache");
    await rejectsWith(one.list(a.key, "a"), "FILE_NOT_FOUND");
    await rejectsWith(new StoredPacks(blobs, { cacheBytes: 0 }).list(b.key, "b"), "FILE_NOT_FOUND");
  } finally {
    fs.writeFileSync(blobs.pathOf(a.key), aBytes);
    fs.writeFileSync(blobs.pathOf(b.key), bBytes);
  }
});

test("a damaged file is never answered complete: a small one is refused before a byte is sent, a streamed one is cut before its last chunk", async () => {
  const { key, pack, files } = await stored("delta");
  await damage(key, "README.md", 2);
  await rejectsWith(packs.file(key, "test pack", "README.md"), "CHECKSUM_MISMATCH");
  const small = await get(`${base}/files/${key}/README.md`);
  assert.equal(small.status, 500);
  assert.equal(JSON.parse(small.body.toString("utf8")).error.code, "PGOLF_CHECKSUM_MISMATCH");
  // damaged in its first chunk: the first chunks go out, the last never does
  await damage(key, "big.txt", 10);
  const big = await get(`${base}/files/${key}/big.txt`);
  assert.equal(big.status, 200);
  assert.equal(big.length, files["big.txt"].length);
  assert.equal(big.complete, false, "the answer was cut off");
  assert.ok(big.body.length < files["big.txt"].length, `${big.body.length} of ${files["big.txt"].length} bytes were sent`);
  // the whole pack is checked against its key as it goes
  const whole = await get(`${base}/pack/${key}`);
  assert.equal(whole.complete, false);
  assert.ok(whole.body.length < pack.length);
  // the files that were not damaged still read, and the server still answers
  const empty = await get(`${base}/files/${key}/empty.txt`);
  assert.equal(empty.status, 200);
  assert.equal(empty.body.length, 0);
});

test("a client that stops reading is cut off after the stall time, and its file is closed", async () => {
  // far more than the kernel's socket buffers take on loopback, so the server has to wait for the reader
  const { key, files } = await stored("echo", 32 * 1024 * 1024);
  const big = files["big.txt"].length;
  const filesBefore = openFiles();
  const socket = net.connect(Number(new URL(base).port), "127.0.0.1");
  let received = 0;
  socket.on("error", () => {});
  socket.once("data", (d: Buffer) => {
    received += d.length;
    socket.pause();
  });
  socket.write(`GET /files/${key}/big.txt HTTP/1.1\r\nHost: x\r\n\r\n`);
  await sleep(STALL_MS / 2);
  // this client's socket, the server's socket, and the blob the answer reads
  assert.equal(openFiles(), filesBefore + 3, "the answer holds its file while it is being sent");
  await sleep(STALL_MS * 3);
  assert.equal(openFiles(), filesBefore + 1, "the server cut the stalled answer and closed its blob (only this client's socket is left)");
  // what the client gets when it reads again: what was in the sockets' buffers, then the end
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  socket.on("data", (d: Buffer) => (received += d.length));
  socket.resume();
  await closed;
  assert.ok(received < big, `the reader got ${received} of ${big} bytes`);
  assert.equal(openFiles(), filesBefore);
});
