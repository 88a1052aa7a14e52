// The shared read rate (byte_budget.ts): readers wait their turn once the burst is spent, and
// together never read faster than the rate (a lower bound on elapsed time, which a busy machine
// can only lengthen).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteBudget } from "./byte_budget.js";

test("the burst is taken at once; past it, readers together get the rate, in the order they asked", async () => {
  const b = new ByteBudget(1_000_000, 200_000); // 1 MB/s, 200 kB saved up
  await b.spend(200_000); // the burst: no wait
  const order: number[] = [];
  const t1 = performance.now();
  // three readers of 100 kB each: 300 kB at 1 MB/s is at least 300 ms
  await Promise.all([1, 2, 3].map((i) => b.spend(100_000).then(() => order.push(i))));
  const waited = performance.now() - t1;
  assert.ok(waited >= 290, `300 kB past the burst took ${waited.toFixed(0)} ms at 1 MB/s`);
  assert.deepEqual(order, [1, 2, 3], "first come, first served");
});

test("an idle budget saves up to its burst, no more", async () => {
  const b = new ByteBudget(10_000_000, 100_000);
  await b.spend(100_000);
  await new Promise((r) => setTimeout(r, 100)); // 1 MB of rate, but the burst caps the savings at 100 kB
  await b.spend(100_000); // the saved burst
  const t2 = performance.now();
  await b.spend(200_000); // nothing saved: 200 kB at 10 MB/s is at least 20 ms
  assert.ok(performance.now() - t2 >= 18, "no more than the burst was saved");
});
