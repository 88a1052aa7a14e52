import assert from "node:assert/strict";
import { test } from "node:test";
import { CharsMap } from "./charsmap.js";
import { buildCharsMap } from "./charsmap_builder.js";
import { nmtNfkcRules } from "./normalization_rule.js";
import { PINNED_UNICODE, pinnedNmtNfkcCharsMap } from "./pinned_charsmap.js";

test("the pinned nmt_nfkc table loads, verifies and decodes to rules", () => {
  const blob = pinnedNmtNfkcCharsMap();
  const rules = CharsMap.decode(blob).rules();
  assert.ok(rules.length > 225_000);
  // U+FB01 (the fi ligature) normalizes to "fi"; TAB to a space.
  const fi = rules.find((r) => Buffer.from(r.key).toString("utf8") === "\ufb01");
  assert.equal(Buffer.from(fi!.value).toString("utf8"), "fi");
});

test("the pinned table is what this Node's ICU generates, when the Unicode versions match", { skip: process.versions.unicode === PINNED_UNICODE ? undefined : `this Node has Unicode ${process.versions.unicode}; the table is pinned at ${PINNED_UNICODE}` }, () => {
  assert.deepEqual(Buffer.from(buildCharsMap(nmtNfkcRules()).encode()), Buffer.from(pinnedNmtNfkcCharsMap()));
});
