// The charsmap builder (builder.cc CompileCharsMap, over darts.ts's double array) against
// SentencePiece's own artifacts: the official sp1024 model's precompiled nmt_nfkc charsmap
// (../shared/fixtures/real) is rebuilt byte for byte from its rules; Debian's python3-sentencepiece,
// where installed, loads a model carrying a hand-made charsmap.
import { mulberry32 } from "../../core/random.js";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { isPgolfError } from "../../core/error.js";
import { needsFixtures, pythonWithSentencePiece, SP1024_MODEL, tempDir } from "../../../test/support/fixtures.js";
import { officialCharsMap, probe, ruleKey, ruleValue } from "../../../test/support/charsmap.js";
import { CharsMap } from "./charsmap.js";
import { buildCharsMap, type CharsMapRule } from "./charsmap_builder.js";
import { decodeModelProto, encodeModelProto } from "./model_proto.js";
import { SentencePieceTokenizer } from "./sentencepiece.js";

const fx = needsFixtures();
const py = pythonWithSentencePiece();
const noPython = "python3-sentencepiece is not installed (apt-get install python3-sentencepiece)";
const rng = mulberry32;

test("rebuilding the official sp1024 charsmap from its own rules gives the identical blob", fx, () => {
  const official = officialCharsMap();
  const rules = official.rules();
  assert.equal(rules.length, 225_262);
  const blob = official.encode();
  // Rule order must not matter: feed them reversed.
  const rebuilt = buildCharsMap([...rules].reverse());
  assert.equal(rebuilt.encode().length, blob.length);
  assert.ok(Buffer.from(rebuilt.encode()).equals(Buffer.from(blob)), "rebuilt blob differs from the official one");

  // The rebuilt blob decodes to the same rule set.
  const back = CharsMap.decode(rebuilt.encode()).rules();
  assert.equal(back.length, rules.length);
  for (let i = 0; i < rules.length; i++) {
    assert.equal(ruleKey(back[i]), ruleKey(rules[i]));
    assert.equal(ruleValue(back[i]), ruleValue(rules[i]));
  }

  // longestMatch agrees on every key, and on random byte strings made of key fragments and noise.
  for (const r of rules) assert.equal(probe(rebuilt, r.key, 0), probe(official, r.key, 0));
  const rand = rng(42);
  for (let n = 0; n < 20_000; n++) {
    const parts: number[] = [];
    while (parts.length < 12) {
      if (rand() < 0.6) parts.push(...rules[Math.floor(rand() * rules.length)].key.subarray(0, 1 + Math.floor(rand() * 4)));
      else parts.push(Math.floor(rand() * 256));
    }
    const bytes = Uint8Array.from(parts);
    for (let pos = 0; pos < bytes.length; pos++) assert.equal(probe(rebuilt, bytes, pos), probe(official, bytes, pos));
  }
});

test("buildCharsMap: shared prefixes, deletions, order independence and rule errors", () => {
  const b = (s: string) => Buffer.from(s, "utf8");
  const rules: CharsMapRule[] = [
    { key: b("a"), value: b("x") },
    { key: b("ab"), value: b("y") },
    { key: b("abc"), value: b("") },
    { key: b("é"), value: b("e\u0301") },
    { key: b("\u{1F600}"), value: b(":)") },
    { key: b("b"), value: b("x") },
  ];
  const cm = buildCharsMap(rules);
  assert.deepEqual(
    ["a", "ab", "abc", "abd", "é", "\u{1F600}", "b", "z"].map((s) => probe(cm, b(s), 0)),
    ["1:78", "2:79", "3:", "2:79", "2:65cc81", "4:3a29", "1:78", "-"],
  );
  // Equal replacements are stored once ("x" for "a" and "b").
  assert.equal(Buffer.from(cm.normalized).toString("latin1").split("\0").length - 1, 5);
  assert.ok(Buffer.from(buildCharsMap([...rules].reverse()).encode()).equals(Buffer.from(cm.encode())));
  // A duplicate with the same value is harmless.
  assert.ok(Buffer.from(buildCharsMap([...rules, { key: b("a"), value: b("x") }]).encode()).equals(Buffer.from(cm.encode())));

  const fails = (bad: CharsMapRule[], what: string) =>
    assert.throws(() => buildCharsMap(bad), (e) => isPgolfError(e, "TOKENIZER_CHARSMAP") && e.message.includes(what), what);
  fails([], "no rules");
  fails([{ key: b(""), value: b("x") }], "empty key");
  fails([{ key: b("a\0"), value: b("x") }], "NUL");
  fails([{ key: b("a"), value: b("x\0") }], "NUL");
  fails([{ key: Uint8Array.of(0xff), value: b("x") }], "UTF-8");
  fails([{ key: b("a"), value: b("x") }, { key: b("a"), value: b("y") }], "two different values");
  // The normalizer reads at most 32 prefix matches per position.
  const deep = Array.from({ length: 40 }, (_, i) => ({ key: b("q".repeat(i + 1)), value: b("z") }));
  fails(deep, "prefixes");
});

test("SentencePiece loads a model carrying a hand-made charsmap and applies it like pgolf", { skip: fx.skip ?? (py ? undefined : noPython) }, () => {
  const b = (s: string) => Buffer.from(s, "utf8");
  const rules: CharsMapRule[] = [
    { key: b("a"), value: b("b") },
    { key: b("xyz"), value: b("Q") },
    { key: b("xy"), value: b("R") },
    { key: b("é"), value: b("") },
    { key: b("\t"), value: b(" ") },
    { key: b("\u{1F600}"), value: b("smile") },
    { key: b("ﬁ"), value: b("fi") },
  ];
  const proto = decodeModelProto(fs.readFileSync(SP1024_MODEL));
  const bytes = encodeModelProto({
    pieces: proto.pieces,
    trainer_spec: proto.trainer_spec,
    normalizer_spec: { ...proto.normalizer_spec, name: "custom", precompiled_charsmap: buildCharsMap(rules).encode() },
  });
  const file = path.join(tempDir(), "custom.model");
  fs.writeFileSync(file, bytes);
  const texts = ["a cat", "xyz xy x y z", "café\tnoir", "\u{1F600} ok", "ﬁne aaa", "plain text 123"];
  const script = `import sys, json, sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
print(json.dumps([sp.encode(t) for t in json.load(sys.stdin)]))`;
  const r = spawnSync(py!, ["-c", script, file], { input: JSON.stringify(texts), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as number[][];
  const tok = SentencePieceTokenizer.fromFile(file);
  texts.forEach((t, i) => assert.deepEqual(tok.encode(t), expected[i], JSON.stringify(t)));
  assert.equal(tok.normalize("a xyz\txy é\u{1F600}"), "b▁Q▁R▁smile");
});
