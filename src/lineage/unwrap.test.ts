// Unwrapping packed code: each wrapper the contest used (and the issue lists), nesting, and the
// limits that keep a hostile blob from costing more than a bounded amount of work and memory.
import { strict as assert } from "node:assert";
import * as zlib from "node:zlib";
import { describe, it } from "node:test";
import { lzma, lzma2, xz } from "@napi-rs/lzma";
import { b85encode } from "../../test/support/planted_python.js";
import { a85decode, b85decode } from "./base85.js";
import { MAX_UNWRAPPED_BYTES, unwrapSource } from "./unwrap.js";

const code = "import torch\n\ndef train(model, steps):\n    for i in range(steps):\n        model.step(i)\n    return model\n";

/** Python's base64.a85encode (no framing, 'z' for zero groups). */
function a85encode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const n = Math.min(4, bytes.length - i);
    let acc = 0;
    for (let j = 0; j < 4; j++) acc = acc * 256 + (j < n ? bytes[i + j] : 0);
    if (acc === 0 && n === 4) {
      out += "z";
      continue;
    }
    const digits: string[] = [];
    for (let j = 0; j < 5; j++) {
      digits.unshift(String.fromCharCode(33 + (acc % 85)));
      acc = Math.floor(acc / 85);
    }
    out += digits.slice(0, n + 1).join("");
  }
  return out;
}

describe("unwrapSource", () => {
  const cases: [string, string, string][] = [
    ["b85+lzma2-raw", `exec(L.decompress(B.b85decode("${b85encode(lzma2.compressSync(Buffer.from(code)))}"),format=L.FORMAT_RAW,filters=[{"id":L.FILTER_LZMA2}]))`, "b85+lzma2-raw"],
    ["b85+xz", `exec(lzma.decompress(base64.b85decode("${b85encode(xz.compressSync(Buffer.from(code)))}")))`, "b85+xz"],
    ["b64+lzma alone", `exec(lzma.decompress(base64.b64decode("${lzma.compressSync(Buffer.from(code)).toString("base64")}")))`, "b64+lzma-alone"],
    ["b64+zlib", `exec(zlib.decompress(base64.b64decode("${zlib.deflateSync(code).toString("base64")}")))`, "b64+zlib"],
    ["b64+gzip", `exec(gzip.decompress(base64.b64decode('${zlib.gzipSync(code).toString("base64")}')))`, "b64+gzip"],
    ["a85+zlib", `exec(zlib.decompress(base64.a85decode(${JSON.stringify(a85encode(zlib.deflateSync(code)))})))`, "a85+zlib"],
    ["b64 only", `exec(base64.b64decode("${Buffer.from(code + code).toString("base64")}"))`, "b64+plain"],
    ["hex+zlib", `exec(zlib.decompress(bytes.fromhex("${zlib.deflateSync(code).toString("hex")}")))`, "hex+zlib"],
  ];
  for (const [name, src, via] of cases) {
    it(`unwraps ${name}`, () => {
      const r = unwrapSource("train_gpt.py", `import lzma, zlib, gzip, base64\n${src}\n`);
      assert.equal(r.files.length, 2, JSON.stringify(r));
      assert.equal(r.files[1].via, via);
      assert.ok(r.files[1].text.startsWith("import torch"));
      assert.equal(r.files[1].fromLine, 2);
      // the blob is blanked in the file the rest of the analysis sees, and the lines still match
      assert.ok(!r.files[0].text.includes(src.slice(40, 80)));
      assert.equal(r.files[0].text.split("\n").length, 3);
    });
  }

  it("unwraps nested packers, a blob split over adjacent literals, and a bz2 blob", () => {
    const inner = `import zlib, base64\nexec(zlib.decompress(base64.b64decode("${zlib.deflateSync(code).toString("base64")}")))\n`;
    const blob = b85encode(xz.compressSync(Buffer.from(inner)));
    const split = `exec(lzma.decompress(base64.b85decode("${blob.slice(0, 50)}"\n    "${blob.slice(50)}")))`;
    const r = unwrapSource("t.py", split);
    assert.deepEqual(r.files.map((f) => f.via), [undefined, "b85+xz", "b64+zlib"]);
    assert.ok(r.files[2].text.includes("def train"));
    const bz = unwrapSource("t.py", `exec(bz2.decompress(base64.b64decode("QlpoOTFBWSZTWV2Gdr8AAB5ZgEQQQGUAEC/n3gAgAEhlRhNNohkyeUxCaamTam0TABx7542jaBA3P18Cjeq/EWCComUYqoFTCd6LbKFp4keaIwHbG63Q2BQ/inwnhzyS5FoInRdyRThQkF2Gdr8=")))`);
    assert.equal(bz.files[1]?.via, "b64+bz2");
    assert.ok(bz.files[1].text.includes("def train"));
  });

  it("stops a decompression bomb at the limit and reports it", () => {
    const bomb = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x61)).toString("base64");
    const t0 = performance.now();
    const r = unwrapSource("t.py", `exec(zlib.decompress(base64.b64decode("${bomb}")))\n`);
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(r.files.length, 1);
    assert.match(r.skipped[0].reason, /over the unwrap limit/);
    // raw LZMA2 declares its size in chunk headers: refused before decoding
    const big = lzma2.compressSync(Buffer.alloc(MAX_UNWRAPPED_BYTES + 1024 * 1024, 0x62));
    const r2 = unwrapSource("t.py", `x = "${b85encode(big)}"\n`);
    assert.match(r2.skipped[0]?.reason ?? "", /declares \d+ bytes, over/);
  });

  it("codecs match Python's on the edge cases", () => {
    assert.equal(b85decode("not b85 because of a quote: '"), null);
    assert.deepEqual([...b85decode("Xk~0{Zy^")!], [...Buffer.from("hello!")]);
    assert.deepEqual([...a85decode("z")!], [0, 0, 0, 0]);
    assert.deepEqual([...a85decode("<~87cURDZ~>")!], [...Buffer.from("Hello")]);
    assert.equal(a85decode("a"), null);
  });
});
