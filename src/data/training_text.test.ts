import assert from "node:assert/strict";
import { test } from "node:test";
import { trainingPieces } from "./training_text.js";

test("short documents pass through whole; long ones are cut at sentence ends within the limit", () => {
  assert.deepEqual(trainingPieces("  One sentence.  "), ["One sentence."]);
  const sentence = "The state of the union is strong. ";
  const doc = sentence.repeat(400); // ~13.6 KB
  const pieces = trainingPieces(doc, 4192);
  assert.ok(pieces.length >= 4);
  for (const p of pieces) {
    assert.ok(Buffer.byteLength(p) <= 4192);
    assert.ok(p.endsWith("strong."), "cut after a sentence end");
  }
  assert.equal(pieces.join(" "), doc.trim(), "no text is lost");
});

test("overlong sentences and spaceless runs are still cut within the limit, by character", () => {
  const blob = "é".repeat(5000) + " tail";
  const pieces = trainingPieces(blob, 1000);
  for (const p of pieces) assert.ok(Buffer.byteLength(p) <= 1000);
  assert.equal(pieces.join("").replace(/ /g, ""), blob.replace(/ /g, ""));
});
