// The nfkc / nmt_nfkc rules generated from Node's ICU (builder.cc BuildNFKCMap / BuildNmtNFKCMap)
// against the official sp1024 model's precompiled nmt_nfkc charsmap (../shared/fixtures/real):
// compared rule by rule, code point by code point, and on real text.
//
// Measured on Node 20.20 (ICU 78, Unicode 17): the generated nmt_nfkc reproduces all 225,262
// official rules and adds 13, all for U+A7F1 (new in Unicode 17, after the official table was
// compiled); 1 of 1,112,063 code points normalizes differently (U+A7F1). Building takes about 0.9 s.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { fixture, needsFixtures, readJsonl, SP1024_MODEL } from "../../../test/support/fixtures.js";
import { officialCharsMap, probe, ruleKey, ruleValue } from "../../../test/support/charsmap.js";
import { CharsMap } from "./charsmap.js";
import { decodeModelProto } from "./model_proto.js";
import { localIcuPrecompiledCharsMap, nfkcRules, nmtNfkcRules } from "./normalization_rule.js";
import { Normalizer } from "./normalizer.js";

const fx = needsFixtures();

test("localIcuPrecompiledCharsMap builds nmt_nfkc from Node's ICU; a caller's copy cannot change the cached table", () => {
  // (how long the build takes is measured in the benchmarks, not asserted here)
  const blob = localIcuPrecompiledCharsMap("nmt_nfkc");
  const first = blob[100];
  blob[100] ^= 0xff;
  const again = localIcuPrecompiledCharsMap("nmt_nfkc");
  assert.ok(blob.length > 200_000, `blob of ${blob.length} bytes`);
  assert.equal(again[100], first, "the cache hands out copies");
  assert.equal(localIcuPrecompiledCharsMap("identity").length, 0);
});

test("nmt_nfkc rules from Node's ICU agree with the official model's table", fx, (t) => {
  const official = officialCharsMap();
  const officialRules = new Map(official.rules().map((r) => [ruleKey(r), ruleValue(r)]));
  const mine = nmtNfkcRules();
  let same = 0;
  let differ = 0;
  let extra = 0;
  for (const r of mine) {
    const v = officialRules.get(ruleKey(r));
    if (v === undefined) extra++;
    else if (v === ruleValue(r)) same++;
    else differ++;
  }
  const missing = officialRules.size - same - differ;
  t.diagnostic(`rules: official ${officialRules.size}, generated ${mine.length}: ${same} identical, ${differ} different, ${missing} missing, ${extra} extra`);
  assert.ok(same >= 0.999 * officialRules.size, `only ${same} of ${officialRules.size} official rules reproduced`);

  // Every code point on its own (U+0000 and surrogates excluded).
  const generated = CharsMap.decode(localIcuPrecompiledCharsMap("nmt_nfkc"));
  let agree = 0;
  const disagree: string[] = [];
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const bytes = Buffer.from(String.fromCodePoint(cp), "utf8");
    if (probe(generated, bytes, 0) === probe(official, bytes, 0)) agree++;
    else disagree.push(`U+${cp.toString(16).toUpperCase().padStart(4, "0")}`);
  }
  t.diagnostic(`single code points: ${agree} agree, ${disagree.length} differ (${disagree.slice(0, 20).join(" ")})`);
  assert.ok(agree >= 0.999 * (agree + disagree.length), `${disagree.length} code points normalize differently`);
  // Unicode-version drift is expected to be a handful of code points, not a systematic error.
  assert.ok(disagree.length <= 200, `${disagree.length} code points differ`);
});

test("nfkc rules are the nmt_nfkc rules without the NMT changes", () => {
  const nmt = new Map(nmtNfkcRules().map((r) => [ruleKey(r), ruleValue(r)]));
  const plain = new Map(nfkcRules().map((r) => [ruleKey(r), ruleValue(r)]));
  const hexOf = (s: string) => Buffer.from(s, "utf8").toString("hex");
  assert.equal(plain.get(hexOf("\t")), undefined);
  assert.equal(nmt.get(hexOf("\t")), hexOf(" "));
  assert.equal(nmt.get(hexOf("\x07")), "");
  assert.equal(plain.get(hexOf("\uff5e")), hexOf("~"));
  assert.equal(nmt.get(hexOf("\uff5e")), undefined);
  assert.equal(plain.get(hexOf("\ufb01")), hexOf("fi"));
  const differing = [...new Set([...nmt.keys(), ...plain.keys()])].filter((k) => nmt.get(k) !== plain.get(k));
  // 14 whitespace-like code points map to a space and 30 control characters are deleted
  // (BuildNmtNFKCMap), FULLWIDTH TILDE loses its rule; no longer rule changes.
  assert.equal(differing.length, 14 + 30 + 1);
});

test("normalizing real text and the edge cases with the generated charsmap matches the official one", fx, () => {
  const spec = decodeModelProto(fs.readFileSync(SP1024_MODEL)).normalizer_spec;
  const official = new Normalizer(spec);
  const generated = new Normalizer({ ...spec, precompiled_charsmap: localIcuPrecompiledCharsMap("nmt_nfkc") });
  const docs = readJsonl(fixture("text", "verify_docs_200.jsonl")).map((d) => d.text as string);
  assert.equal(docs.length, 200);
  for (const [i, d] of docs.entries()) assert.equal(generated.normalize(d), official.normalize(d), `document ${i}`);
  const cases = readJsonl(fixture("reference", "sp1024_encode_edge_cases.jsonl"));
  for (const c of cases) assert.equal(generated.normalize(c.text), c.normalized, `edge case ${JSON.stringify(c.text)}`);
});
