import assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { writeShard } from "./shard.js";
import { TokenStream } from "./token_stream.js";

test("batches take batchTokens + 1 tokens across shards, wrap around, and resume from a position", () => {
  const dir = tempDir();
  const a = path.join(dir, "a.bin");
  const b = path.join(dir, "b.bin");
  writeShard(a, [0, 1, 2, 3, 4, 5, 6]);
  writeShard(b, [7, 8, 9]);
  const s = new TokenStream([a, b], 16);
  const first = s.nextBatch(4, 2);
  assert.deepEqual([...first.x], [0, 1, 2, 3]);
  assert.deepEqual([...first.y], [1, 2, 3, 4]);
  assert.equal(first.rows, 2);
  const pos = s.position;
  const second = s.nextBatch(4, 2); // tokens 5..9, crossing into b
  assert.deepEqual([...second.x], [5, 6, 7, 8]);
  const third = s.nextBatch(4, 2); // wraps around to a
  assert.deepEqual([...third.x], [0, 1, 2, 3]);
  s.seek(pos);
  assert.deepEqual([...s.nextBatch(4, 2).x], [5, 6, 7, 8]);
  s.close();
});

test("a stream over tokens in memory gives the batches, wrap-around and positions of the same tokens in one shard", () => {
  const dir = tempDir();
  const tokens = [1, 5, 6, 7, 1, 8, 9, 2, 3, 4, 1, 11];
  const file = path.join(dir, "one.bin");
  writeShard(file, tokens);
  const onDisk = new TokenStream([file], 16);
  const inMemory = TokenStream.fromTokens(Int32Array.from(tokens), 16);
  for (let i = 0; i < 7; i++) {
    if (i === 3) {
      const p = inMemory.position;
      inMemory.nextBatch(6, 3);
      inMemory.seek(p);
    }
    const [a, b] = [onDisk.nextBatch(6, 3), inMemory.nextBatch(6, 3)];
    assert.deepEqual([...b.x], [...a.x], `batch ${i}`);
    assert.deepEqual([...b.y], [...a.y], `batch ${i}`);
  }
  assert.throws(() => TokenStream.fromTokens(Int32Array.from([1, 16]), 16), /outside the vocabulary of 16/);
  assert.throws(() => TokenStream.fromTokens(new Int32Array(1), 16), /at least 2 tokens/);
});
