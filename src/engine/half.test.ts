import assert from "node:assert/strict";
import { test } from "node:test";
import { fromBFloat16, fromFloat16, toBFloat16, toFloat16 } from "./half.js";

test("fp16: exact values, rounding to nearest even, subnormals, overflow, specials", () => {
  const x = Float32Array.from([0, -0, 1, -2, 0.5, 65504, 65520, 1e-8, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, NaN, 0.1]);
  const h = toFloat16(x);
  assert.deepEqual([...h.slice(0, 7)], [0x0000, 0x8000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00]);
  assert.equal(h[7], 0x0000, "1e-8 underflows to zero");
  assert.equal(h[8], 0x0001, "smallest subnormal");
  assert.equal(h[9], 0x0000, "2^-25 is a tie: rounds to even (zero)");
  assert.equal(h[10], 0x0002, "3 x 2^-25 is a tie: rounds to even (2 x 2^-24)");
  assert.equal(h[11], 0x3c00, "1 + 2^-11 ties to even 1");
  assert.equal(h[12], 0x3c02, "1 + 3 x 2^-11 ties to even");
  assert.equal(h[13], 0x7c00);
  assert.ok(Number.isNaN(fromFloat16(h)[14]));
  assert.equal(fromFloat16(h)[15], 0.0999755859375);
  // Every fp16 value round-trips exactly.
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = toFloat16(fromFloat16(all));
  for (let i = 0; i < 65536; i++) if ((i & 0x7c00) !== 0x7c00 || (i & 0x3ff) === 0) assert.equal(back[i], i, `fp16 0x${i.toString(16)}`);
});

test("bf16: truncation with round to nearest even, and round trip", () => {
  const x = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.140625, 1e38, NaN]);
  const b = toBFloat16(x);
  assert.equal(b[0], 0x3f80);
  assert.equal(b[1], 0x3f80, "tie rounds to even");
  assert.equal(b[2], 0x3f82, "tie rounds to even (up)");
  assert.equal(fromBFloat16(b)[3], -3.140625);
  assert.ok(Number.isNaN(fromBFloat16(b)[5]));
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = toBFloat16(fromBFloat16(all));
  for (let i = 0; i < 65536; i++) if ((i & 0x7f80) !== 0x7f80) assert.equal(back[i], i);
});
