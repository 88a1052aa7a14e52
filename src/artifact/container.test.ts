import { throwsCode } from "../../test/support/errors.js";
import { reseal } from "../../test/support/reseal.js";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { decodeArtifact, encodeArtifact, type ArtifactTensor } from "./container.js";

const LIMIT = { maxBytes: 1 << 20 };



/** One tensor named "w" of shape [3] f32: its table entry starts at byte 24. */
function oneTensor(): Uint8Array {
  return encodeArtifact([{ name: "w", dtype: "f32", shape: [3], data: Float32Array.from([1, 2, 3]) }], { k: 1 });
}
// Entry layout for "w" with rank 1: len@24 name@26 dtype@27 rank@28 dim@29 offset@33 length@41.
const DTYPE_AT = 27;
const DIM_AT = 29;
const OFFSET_AT = 33;

test("round trip: every dtype, scalars, empty tensors, unicode names and metadata", () => {
  const tensors: ArtifactTensor[] = [
    { name: "blocks.0.attn.c_q.weight", dtype: "i8", shape: [2, 3], data: Int8Array.from([-127, -1, 0, 1, 2, 127]) },
    { name: "blocks.0.attn.c_q.weight#scale", dtype: "f16", shape: [2], data: Uint16Array.from([0x3c00, 0x1e00]) },
    { name: "bf", dtype: "bf16", shape: [1], data: Uint16Array.from([0x3f80]) },
    { name: "f32", dtype: "f32", shape: [2, 1, 2], data: Float32Array.from([0.1, -2.5, NaN, Infinity]) },
    { name: "scalar", dtype: "f32", shape: [], data: Float32Array.from([3.25]) },
    { name: "empty", dtype: "i32", shape: [0, 4], data: new Int32Array(0) },
    { name: "ids", dtype: "i32", shape: [3], data: Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]) },
    { name: "mask", dtype: "u8", shape: [4], data: Uint8Array.from([0, 1, 1, 255]) },
    { name: "f64", dtype: "f64", shape: [2], data: Float64Array.from([Math.PI, -0]) },
    { name: "名前.ü", dtype: "u8", shape: [1], data: Uint8Array.from([7]) },
  ];
  const meta = { quant: { format: "x", list: [1, 2] }, note: "é" };
  const bytes = encodeArtifact(tensors, meta);
  const back = decodeArtifact(bytes, LIMIT);
  assert.deepEqual(back.meta, meta);
  assert.equal(back.tensors.length, tensors.length);
  back.tensors.forEach((t, i) => {
    assert.equal(t.name, tensors[i].name);
    assert.equal(t.dtype, tensors[i].dtype);
    assert.deepEqual(t.shape, tensors[i].shape);
    assert.equal(t.data.constructor, tensors[i].data.constructor);
    assert.deepEqual([...t.data], [...tensors[i].data]);
  });
  assert.ok(Object.is(back.tensors[8].data[1], -0), "f64 keeps the sign of zero");
});

test("layout: magic, version, total length, little-endian payload, sha256 of everything before it", () => {
  const bytes = oneTensor();
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString("latin1"), "PGAF");
  assert.equal(dv.getUint32(4, true), 1);
  assert.equal(dv.getBigUint64(8, true), BigInt(bytes.length));
  assert.equal(dv.getUint32(16, true), 1, "tensor count");
  assert.equal(dv.getUint32(20, true), '{"k":1}'.length, "metadata length");
  assert.equal(bytes[DTYPE_AT], 1, "f32 code");
  assert.equal(dv.getUint32(DIM_AT, true), 3);
  assert.equal(dv.getBigUint64(OFFSET_AT, true), 0n);
  // 24 header + 25 entry + 7 metadata + 12 payload + 32 checksum
  assert.equal(bytes.length, 24 + 25 + 7 + 12 + 32);
  assert.equal(dv.getFloat32(24 + 25 + 7 + 4, true), 2, "second element, little-endian");
  const digest = createHash("sha256").update(bytes.subarray(0, bytes.length - 32)).digest();
  assert.deepEqual(Buffer.from(bytes.subarray(bytes.length - 32)), digest);
});

test("errors: wrong magic, unsupported version, truncated, length mismatch, checksum mismatch", () => {
  const good = oneTensor();
  const magic = good.slice();
  magic[0] = 0x50 + 1;
  throwsCode(() => decodeArtifact(magic, LIMIT), "ARTIFACT_MAGIC");
  throwsCode(() => decodeArtifact(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]), LIMIT), "ARTIFACT_MAGIC");

  const version = good.slice();
  new DataView(version.buffer).setUint32(4, 2, true);
  throwsCode(() => decodeArtifact(version, LIMIT), "ARTIFACT_VERSION");

  throwsCode(() => decodeArtifact(good.subarray(0, 10), LIMIT), "ARTIFACT_TRUNCATED");
  throwsCode(() => decodeArtifact(good.subarray(0, 2), LIMIT), "ARTIFACT_TRUNCATED");
  throwsCode(() => decodeArtifact(good.subarray(0, good.length - 1), LIMIT), "ARTIFACT_TRUNCATED");

  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  throwsCode(() => decodeArtifact(longer, LIMIT), "ARTIFACT_LENGTH");

  for (const at of [30, good.length - 40, good.length - 1]) {
    const flipped = good.slice();
    flipped[at] ^= 0x01;
    throwsCode(() => decodeArtifact(flipped, LIMIT), "ARTIFACT_CHECKSUM");
  }
  assert.deepEqual([...decodeArtifact(good, LIMIT).tensors[0].data], [1, 2, 3]);
});

test("a declared size over the limit fails before anything else is read or allocated", () => {
  const good = oneTensor();
  throwsCode(() => decodeArtifact(good, { maxBytes: good.length - 1 }), "ARTIFACT_TOO_LARGE");
  decodeArtifact(good, { maxBytes: good.length });
  // A 60-byte buffer claiming to be 2^60 bytes: too large, not merely truncated.
  const liar = good.slice(0, 60);
  new DataView(liar.buffer).setBigUint64(8, 1n << 60n, true);
  throwsCode(() => decodeArtifact(liar, LIMIT), "ARTIFACT_TOO_LARGE");
});

test("table entries pointing outside the payload or sized wrongly are rejected (even with a valid checksum)", () => {
  const good = oneTensor();
  const at = (pos: number, write: (dv: DataView) => void) => {
    const b = good.slice();
    write(new DataView(b.buffer));
    return reseal(b);
  };
  throwsCode(() => decodeArtifact(at(OFFSET_AT, (dv) => dv.setBigUint64(OFFSET_AT, 4n, true)), LIMIT), "ARTIFACT_TABLE_RANGE");
  throwsCode(() => decodeArtifact(at(OFFSET_AT, (dv) => dv.setBigUint64(OFFSET_AT, 1n << 63n, true)), LIMIT), "ARTIFACT_TABLE_RANGE");
  // Shape 2^32-1 elements: bounded by the payload before it is multiplied out or allocated.
  throwsCode(() => decodeArtifact(at(DIM_AT, (dv) => dv.setUint32(DIM_AT, 0xffffffff, true)), LIMIT), "ARTIFACT_TABLE_RANGE");
  // Declared byte length disagrees with the shape.
  throwsCode(() => decodeArtifact(at(41, (dv) => dv.setBigUint64(41, 8n, true)), LIMIT), "ARTIFACT_TABLE");
  throwsCode(() => decodeArtifact(at(DTYPE_AT, (dv) => dv.setUint8(DTYPE_AT, 99)), LIMIT), "ARTIFACT_TABLE");
  throwsCode(() => decodeArtifact(at(28, (dv) => dv.setUint8(28, 200)), LIMIT), "ARTIFACT_TABLE");
  // A tensor count no buffer of this size could hold.
  throwsCode(() => decodeArtifact(at(16, (dv) => dv.setUint32(16, 0xffffffff, true)), LIMIT), "ARTIFACT_TABLE");
  // A name length running past the end.
  throwsCode(() => decodeArtifact(at(24, (dv) => dv.setUint16(24, 0xffff, true)), LIMIT), "ARTIFACT_TABLE");
  // Metadata that is not JSON.
  const metaAt = 24 + 25;
  throwsCode(() => decodeArtifact(at(metaAt, (dv) => dv.setUint8(metaAt, 0x7b + 1)), LIMIT), "ARTIFACT_META");
});

test("duplicate names in a crafted table are rejected", () => {
  const two = encodeArtifact(
    [
      { name: "a", dtype: "u8", shape: [1], data: Uint8Array.from([1]) },
      { name: "b", dtype: "u8", shape: [1], data: Uint8Array.from([2]) },
    ],
    {},
  );
  const b = two.slice();
  b[24 + 2 + 1 + 1 + 1 + 4 + 16 + 2] = "a".charCodeAt(0); // second entry's name
  throwsCode(() => decodeArtifact(reseal(b), LIMIT), "ARTIFACT_TABLE");
});

test("encode rejects what it could not decode", () => {
  const f = new Float32Array(2);
  throwsCode(() => encodeArtifact([{ name: "x", dtype: "f16", shape: [2], data: f }], {}), "ARTIFACT_TABLE");
  throwsCode(() => encodeArtifact([{ name: "x", dtype: "f32", shape: [3], data: f }], {}), "ARTIFACT_TABLE");
  throwsCode(() => encodeArtifact([{ name: "", dtype: "f32", shape: [2], data: f }], {}), "ARTIFACT_TABLE");
  throwsCode(
    () =>
      encodeArtifact(
        [
          { name: "x", dtype: "f32", shape: [2], data: f },
          { name: "x", dtype: "f32", shape: [2], data: f },
        ],
        {},
      ),
    "ARTIFACT_TABLE",
  );
  throwsCode(() => encodeArtifact([], [] as unknown as Record<string, unknown>), "ARTIFACT_META");
});
