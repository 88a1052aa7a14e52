// The trainer interface's choice of normalization table. A library call to trainBpe with default
// options must carry the pinned nmt_nfkc table (pinned_charsmap.ts), byte for byte, whatever Unicode
// tables the Node that trains has; this Node's tables are used only when asked for by name
// (buildCharsmapFromLocalIcu).
//
// On a Node of the pinned Unicode version the local tables give the pinned bytes too, so to tell
// the two apart the calls run as on a Node whose tables differ: String.prototype.normalize is the
// identity meanwhile (only the rule generation in normalization_rule.ts calls it). This file runs
// in a process of its own, so no local table was built and cached before.
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainBpe } from "./bpe_model_trainer.js";
import { decodeModelProto } from "./model_proto.js";
import { pinnedNmtNfkcCharsMap } from "./pinned_charsmap.js";

const DOCS = [
  "The Congress shall assemble at least once in every year.",
  "Full-width ＡＢＣ and the ﬁ ligature normalize under NFKC; tabs\tand non-breaking\u00a0spaces too.",
  "Numbers 12345 stay digits, and the union of the states stays the union of the states.",
];

/** Runs `f` as on a Node whose Unicode tables normalize nothing. */
function withOtherUnicodeTables<T>(f: () => T): T {
  const original = String.prototype.normalize;
  String.prototype.normalize = function (this: string) {
    return String(this);
  };
  try {
    return f();
  } finally {
    String.prototype.normalize = original;
  }
}

const charsmapOf = (model: Uint8Array) => Buffer.from(decodeModelProto(model).normalizer_spec.precompiled_charsmap);

test("trainBpe's default charsmap is the pinned table, byte for byte, not this Node's tables", () => {
  const pinned = Buffer.from(pinnedNmtNfkcCharsMap());
  const byDefault = withOtherUnicodeTables(() => trainBpe(DOCS, { vocabSize: 400 }));
  assert.ok(charsmapOf(byDefault.model).equals(pinned), "the default charsmap is not the pinned table");
  // Asked for by name, the local tables are used: here they differ, so the model differs.
  const local = withOtherUnicodeTables(() => trainBpe(DOCS, { vocabSize: 400, buildCharsmapFromLocalIcu: true }));
  assert.ok(!charsmapOf(local.model).equals(pinned), "the simulated Unicode tables did not change the local table");
  // identity has no rules; a given blob wins over both.
  assert.equal(charsmapOf(trainBpe(DOCS, { vocabSize: 400, normalization: "identity" }).model).length, 0);
  const given = charsmapOf(local.model);
  assert.ok(charsmapOf(trainBpe(DOCS, { vocabSize: 400, precompiledCharsmap: given }).model).equals(given));
});
