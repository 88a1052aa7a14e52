// BigramHash: the bucket hash (pairs, row starts, range) and the module against a direct gather and
// product (model/gpt.test.ts: a GPT with it starts where the reference starts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { read } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import { Rng } from "../core/random.js";
import { bigramBuckets, BigramHash } from "./bigram_hash.js";

test("bigram buckets: one bucket per (previous, current) pair, a row's first token pairs with the start, all in range", () => {
  // rows [5 7 5] and [7 5 7]: pairs (s,5) (5,7) (7,5) | (s,7) (7,5) (5,7), s the row start
  const b = bigramBuckets([5, 7, 5, 7, 5, 7], 2, 3, 1000);
  assert.equal(b[1], b[5]);
  assert.equal(b[2], b[4]);
  assert.equal(b[0], bigramBuckets([5], 1, 1, 1000)[0]);
  assert.equal(b[3], bigramBuckets([7], 1, 1, 1000)[0]);
  assert.notEqual(b[1], b[2]); // order matters: (5,7) and (7,5) differ
  assert.notEqual(b[3], b[4]); // the row start is not token 5
  // spread: 1024 x 1024 pairs over 4096 buckets fill nearly all of them, none overfull
  const all = new Int32Array(1024 * 1024 * 2);
  for (let p = 0; p < 1024; p++) for (let c = 0; c < 1024; c++) all.set([p, c], 2 * (p * 1024 + c));
  const counts = new Int32Array(4096);
  const buckets = bigramBuckets(all, 1024 * 1024, 2, 4096);
  for (let i = 1; i < buckets.length; i += 2) {
    assert.ok(buckets[i] >= 0 && buckets[i] < 4096);
    counts[buckets[i]]++;
  }
  const mean = (1024 * 1024) / 4096;
  assert.ok(Math.max(...counts) < 2 * mean && Math.min(...counts) > mean / 2, `bucket loads ${Math.min(...counts)}..${Math.max(...counts)} around ${mean}`);
});

test("BigramHash forward = proj(embed[bucket]) by a direct loop", async () => {
  const [buckets, k, d] = [16, 3, 5];
  const m = new BigramHash(buckets, k, d, { rng: new Rng(3) });
  m.proj.weight.assign(Float32Array.from({ length: d * k }, (_, i) => Math.sin(i + 1)));
  const idsArr = [1, 4, 4, 2, 9, 1];
  const out = await read(m.forward(Tensor.from(idsArr, [2, 3], { dtype: "int32" })));
  const bk = bigramBuckets(idsArr, 2, 3, buckets);
  const e = m.embed.weight.data!;
  const w = m.proj.weight.data!;
  for (let n = 0; n < 6; n++) {
    for (let o = 0; o < d; o++) {
      let want = 0;
      for (let j = 0; j < k; j++) want += e[bk[n] * k + j] * w[o * k + j];
      assert.ok(Math.abs(out[n * d + o] - want) < 1e-5, `out[${n},${o}] ${out[n * d + o]} vs ${want}`);
    }
  }
});
