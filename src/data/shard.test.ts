import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { isPgolfError } from "../core/error.js";
import { needsFixtures, referenceValues, tempDir, VAL_PREFIX_SHARD } from "../../test/support/fixtures.js";
import { encodeShardHeader, readShard, SHARD_HEADER_BYTES, ShardReader, ShardWriter, shardInfo, writeShard } from "./shard.js";

const dir = tempDir();

test("writes the exact challenge layout: 256 int32 header then uint16 LE tokens", () => {
  const file = path.join(dir, "a.bin");
  writeShard(file, [1, 2, 300, 65535]);
  const b = fs.readFileSync(file);
  assert.equal(b.length, 1024 + 2 * 4);
  assert.equal(b.readInt32LE(0), 20240520);
  assert.equal(b.readInt32LE(4), 1);
  assert.equal(b.readInt32LE(8), 4);
  for (let i = 12; i < 1024; i++) assert.equal(b[i], 0, `header byte ${i} is zero`);
  assert.deepEqual([...readShard(file)], [1, 2, 300, 65535]);
  assert.equal(b.readUInt16LE(1024 + 4), 300);
});

test("reads the real official val shard prefix", needsFixtures(), () => {
  const info = shardInfo(VAL_PREFIX_SHARD);
  assert.deepEqual({ magic: info.magic, version: info.version, tokens: info.tokens }, { magic: 20240520, version: 1, tokens: 1040298 });
  const r = ShardReader.open(VAL_PREFIX_SHARD, { vocabSize: 1024 });
  assert.deepEqual([...r.read(0, 40)], referenceValues().computed_here_val_prefix.first_40_tokens);
  let bos = 0;
  let total = 0;
  for (const { tokens } of r.chunks(100_000)) {
    total += tokens.length;
    for (const t of tokens) if (t === 1) bos++;
  }
  r.close();
  assert.equal(total, 1040298);
  assert.equal(bos, 902);
});

test("streaming writer round-trips across its internal buffer and leaves no file before commit", () => {
  const file = path.join(dir, "big.bin");
  const w = ShardWriter.create(file, { vocabSize: 1024 });
  const expect: number[] = [];
  for (let i = 0; i < 200_003; i++) expect.push((i * 7919) % 1024);
  for (let i = 0; i < expect.length; i += 10_000) w.append(expect.slice(i, i + 10_000));
  assert.equal(fs.existsSync(file), false, "no file under the final name before commit");
  const info = w.commit();
  assert.equal(info.tokens, expect.length);
  assert.deepEqual([...readShard(file)], expect);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".tmp-")), []);
});

test("an out-of-vocabulary id aborts the write and leaves nothing behind", () => {
  const file = path.join(dir, "bad.bin");
  const w = ShardWriter.create(file, { vocabSize: 1024 });
  assert.throws(() => w.append([5, 1024]), (e) => isPgolfError(e, "SHARD_TOKEN_RANGE"));
  assert.equal(fs.existsSync(file), false);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".tmp-")), []);
});

test("clear errors for wrong magic, wrong version, size mismatch, truncation and token range", () => {
  const good = path.join(dir, "g.bin");
  writeShard(good, [1, 2, 3, 1000]);
  const bytes = fs.readFileSync(good);
  const variant = (name: string, mutate: (b: Buffer) => Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, mutate(Buffer.from(bytes)));
    return f;
  };
  const magic = variant("magic.bin", (b) => (b.writeInt32LE(7, 0), b));
  assert.throws(() => shardInfo(magic), (e) => isPgolfError(e, "SHARD_MAGIC") && e.file === magic && /20240520/.test(e.message) && !!e.fix);
  const version = variant("version.bin", (b) => (b.writeInt32LE(2, 4), b));
  assert.throws(() => shardInfo(version), (e) => isPgolfError(e, "SHARD_VERSION"));
  const longer = variant("longer.bin", (b) => Buffer.concat([b, Buffer.alloc(2)]));
  assert.throws(() => shardInfo(longer), (e) => isPgolfError(e, "SHARD_SIZE"));
  const cut = variant("cut.bin", (b) => b.subarray(0, b.length - 1));
  assert.throws(() => shardInfo(cut), (e) => isPgolfError(e, "SHARD_TRUNCATED"));
  const header = variant("header.bin", (b) => b.subarray(0, 100));
  assert.throws(() => shardInfo(header), (e) => isPgolfError(e, "SHARD_TRUNCATED"));
  assert.throws(() => readShard(good, { vocabSize: 1000 }), (e) => isPgolfError(e, "SHARD_TOKEN_RANGE") && (e.details as any).position === 3);
  assert.throws(() => shardInfo(path.join(dir, "missing.bin")), (e) => isPgolfError(e, "FILE_NOT_FOUND"));
});

test("header encoder matches the documented layout", () => {
  const h = encodeShardHeader(12345);
  assert.equal(h.length, SHARD_HEADER_BYTES);
  const dv = new DataView(h.buffer);
  assert.deepEqual([dv.getInt32(0, true), dv.getInt32(4, true), dv.getInt32(8, true)], [20240520, 1, 12345]);
});
