import assert from "node:assert/strict";
import { test } from "node:test";
import { sparkline } from "./sparkline.js";

test("a sparkline draws each value by its place between the minimum and the maximum", () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█");
  assert.equal(sparkline([7, 0]), "█▁");
  assert.equal(sparkline([]), "");
  assert.equal(sparkline([NaN, Infinity]), "", "non-finite values are left out");
  assert.equal(sparkline([2, 2, 2]), "▄▄▄", "a flat series sits in the middle");
});

test("a long series is resampled by bucket means to the width, keeping its shape", () => {
  const loss = Array.from({ length: 1000 }, (_, i) => 6 * Math.exp(-i / 200) + 2);
  const s = sparkline(loss, 20);
  assert.equal([...s].length, 20);
  assert.equal(s[0], "█");
  assert.equal(s.at(-1), "▁");
  const levels = [...s].map((c) => "▁▂▃▄▅▆▇█".indexOf(c));
  assert.ok(levels.every((v, i) => i === 0 || v <= levels[i - 1]), `a falling curve never rises: ${s}`);
});
