// The pure byte tokenizer against the reference's definition (openai/parameter-golf
// data/pure_byte_tokenizer.py): ids, decoding, the JSON artifact, and, where a python3 is at hand,
// Python's own UTF-8 encode/decode with errors="replace" on awkward inputs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { isPgolfError } from "../../core/error.js";
import { Byte260Tokenizer, encodeUtf8Replace } from "./byte260.js";

function python(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(py, ["-c", "pass"], { stdio: "ignore" }).status === 0) return py;
  }
  return undefined;
}

test("ids: 4 specials, then byte b at 4 + b; encode adds no BOS/EOS", () => {
  const tok = new Byte260Tokenizer();
  assert.equal(tok.kind, "byte260");
  assert.deepEqual([tok.vocabSize, tok.padId, tok.bosId, tok.eosId, tok.unkId], [260, 0, 1, 2, 3]);
  assert.deepEqual(tok.encode("Hi!"), [0x48 + 4, 0x69 + 4, 0x21 + 4]);
  assert.deepEqual(tok.encode(""), []);
  assert.deepEqual(tok.encode("é€😀"), [...Buffer.from("é€😀", "utf8")].map((b) => b + 4));
  assert.deepEqual(tok.encode("\0\xff"), [4, 0xc3 + 4, 0xbf + 4]);
  // A lone surrogate encodes as "?" (Python's errors="replace"), a pair as its 4 UTF-8 bytes.
  assert.deepEqual(tok.encode("a\ud800b"), [0x61 + 4, 0x3f + 4, 0x62 + 4]);
  assert.deepEqual([...encodeUtf8Replace("\udc00\ud83d\ude00\ud83d")], [0x3f, 0xf0, 0x9f, 0x98, 0x80, 0x3f]);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 4 + 0x41, 259].map((i) => tok.idToPiece(i)),
    ["<pad>", "<bos>", "<eos>", "<unk>", "<0x00>", "<0x41>", "<0xFF>"],
  );
});

test("decode: specials vanish, bytes are UTF-8 with U+FFFD for malformed sequences", () => {
  const tok = new Byte260Tokenizer();
  const text = "Parameter golf: 16 MB, ½ × π ≈ 1.57 — 😀\n";
  assert.equal(tok.decode([1, ...tok.encode(text), 2, 0, 3]), text);
  assert.equal(tok.decode([0x61 + 4, 1, 0x62 + 4]), "ab");
  const bytes = (...b: number[]) => b.map((x) => x + 4);
  assert.equal(tok.decode(bytes(0xe2, 0x82)), "\ufffd"); // truncated 3-byte sequence: one U+FFFD
  assert.equal(tok.decode(bytes(0xf0, 0x80, 0x80)), "\ufffd\ufffd\ufffd"); // F0 80 is never valid
  assert.equal(tok.decode(bytes(0xed, 0xa0, 0x80, 0x41)), "\ufffd\ufffd\ufffdA"); // an encoded surrogate
  assert.equal(tok.decode(bytes(0xef, 0xbb, 0xbf, 0x41)), "\ufeffA"); // a BOM is kept
  assert.equal(tok.decode(new Uint16Array(bytes(0xc3, 0xa9))), "é");
  for (const bad of [-1, 260, 1.5, NaN]) {
    assert.throws(() => tok.decode([4, bad]), (e) => isPgolfError(e, "USAGE") && e.message.includes("position 1"));
  }
  assert.throws(() => tok.idToPiece(260), (e) => isPgolfError(e, "USAGE"));
});

test("byte table: a byte token is 1 byte, specials 0 and boundaries, no leading spaces", () => {
  const t = new Byte260Tokenizer().byteTable();
  assert.equal(t.baseBytes.length, 260);
  assert.deepEqual([...t.baseBytes.slice(0, 6)], [0, 0, 0, 0, 1, 1]);
  assert.deepEqual([...t.isBoundary.slice(0, 6)], [1, 1, 1, 1, 0, 0]);
  assert.equal(t.baseBytes.reduce((a, b) => a + b, 0), 256);
  assert.ok(t.hasLeadingSpace.every((x) => x === 0));
  // Bytes counted = UTF-8 length of the text.
  const tok = new Byte260Tokenizer();
  const ids = tok.encode("naïve café ☕");
  assert.equal(ids.reduce((a, id) => a + t.baseBytes[id], 0), Buffer.byteLength("naïve café ☕"));
});

test("the JSON artifact reads and writes the reference's format", () => {
  const tok = new Byte260Tokenizer();
  // json.dumps(payload, indent=2, sort_keys=True) + "\n" of the reference's save_json.
  const expected =
    '{\n  "config": {\n    "bos_id": 1,\n    "byte_count": 256,\n    "byte_offset": 4,\n    "eos_id": 2,\n    "pad_id": 0,\n    "unk_id": 3\n  },\n' +
    '  "tokenizer_type": "pure_byte",\n  "vocab_size": 260\n}\n';
  assert.equal(tok.toJsonText(), expected);
  const back = Byte260Tokenizer.fromJson(expected, "fineweb_pure_byte_260.json");
  assert.deepEqual(back.config, tok.config);
  assert.deepEqual(back.encode("x"), tok.encode("x"));
  // Missing config fields take the defaults, as from_json does.
  assert.deepEqual(Byte260Tokenizer.fromJson('{"tokenizer_type": "pure_byte"}').config, tok.config);
  const parseFails = (text: string, what: string) =>
    assert.throws(() => Byte260Tokenizer.fromJson(text, "t.json"), (e) => isPgolfError(e, "TOKENIZER_PARSE") && e.file === "t.json" && e.message.includes(what) && !!e.fix);
  parseFails("{", "does not parse");
  parseFails('{"tokenizer_type": "sentencepiece"}', "not a pure byte tokenizer");
  parseFails('{"tokenizer_type": "pure_byte", "config": {"byte_count": 255}}', "byte_count");
  parseFails('{"tokenizer_type": "pure_byte", "config": {"unk_id": 2}}', "distinct");
  parseFails('{"tokenizer_type": "pure_byte", "config": {"unk_id": 10}}', "inside the byte ids");
});

test("encode and decode agree with Python's UTF-8 codec with errors='replace'", { skip: python() ? undefined : "no python3 found" }, () => {
  const tok = new Byte260Tokenizer();
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const byteCases: number[][] = [];
  for (let n = 0; n < 300; n++) {
    const len = Math.floor(rand() * 12);
    // Bias toward UTF-8 lead and continuation bytes so that malformed sequences are common.
    byteCases.push(Array.from({ length: len }, () => (rand() < 0.5 ? 0x80 + Math.floor(rand() * 0x80) : Math.floor(rand() * 256))));
  }
  const textCases = ["plain", "é😀", "a\ud800b", "\udfff", "\ud83d\ude00\ud83d", "\0x"];
  const script = `import sys, json
job = json.load(sys.stdin)
print(json.dumps({"decoded": [bytes(b).decode("utf-8", errors="replace") for b in job["bytes"]],
                  "encoded": [list(t.encode("utf-8", errors="replace")) for t in job["texts"]]}))`;
  const r = spawnSync(python()!, ["-c", script], { input: JSON.stringify({ bytes: byteCases, texts: textCases }), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { decoded: string[]; encoded: number[][] };
  byteCases.forEach((b, i) => assert.equal(tok.decode(b.map((x) => x + 4)), out.decoded[i], `bytes ${JSON.stringify(b)}`));
  textCases.forEach((t, i) => assert.deepEqual(tok.encode(t), out.encoded[i].map((x) => x + 4), `text ${JSON.stringify(t)}`));
});
