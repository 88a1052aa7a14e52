// Named tensors + JSON metadata in one buffer, for training checkpoints (not artifacts: no
// compression or quantization, exact float32 bits).
// Layout: "PGST", uint32 LE version 1, uint32 LE header length, header JSON
// {tensors: [{name, dtype, shape, offset, length}], meta}, then the payload (offsets relative to it).
import { PgolfError } from "../core/error.js";
import { allocate, dtypeOf, type DType, type HostArray } from "../engine/dtype.js";

export interface StateEntry {
  name: string;
  dtype: DType;
  shape: number[];
  data: HostArray;
}

export function packState(entries: StateEntry[], meta: Record<string, unknown>): Uint8Array {
  let offset = 0;
  const table = entries.map((e) => {
    const t = { name: e.name, dtype: dtypeOf(e.data), shape: e.shape, offset, length: e.data.byteLength };
    offset += e.data.byteLength;
    return t;
  });
  const header = Buffer.from(JSON.stringify({ tensors: table, meta }), "utf8");
  const out = Buffer.alloc(12 + header.length + offset);
  out.write("PGST", 0, "latin1");
  out.writeUInt32LE(1, 4);
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  entries.forEach((e, i) => Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).copy(out, 12 + header.length + table[i].offset));
  return out;
}

export function unpackState(bytes: Uint8Array): { entries: Map<string, StateEntry>; meta: Record<string, unknown> } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new PgolfError("FILE_READ", `training state is damaged: ${why}`, { fix: "delete the checkpoint to start the seed over" });
  if (b.length < 12 || b.toString("latin1", 0, 4) !== "PGST" || b.readUInt32LE(4) !== 1) throw bad("wrong magic or version");
  const hl = b.readUInt32LE(8);
  if (12 + hl > b.length) throw bad("header runs past the end");
  const header = JSON.parse(b.toString("utf8", 12, 12 + hl)) as { tensors: Array<{ name: string; dtype: DType; shape: number[]; offset: number; length: number }>; meta: Record<string, unknown> };
  const base = 12 + hl;
  const entries = new Map<string, StateEntry>();
  for (const t of header.tensors) {
    if (base + t.offset + t.length > b.length) throw bad(`tensor ${t.name} runs past the end`);
    const data = allocate(t.dtype, t.length / ({ float32: 4, float64: 8, int32: 4, bool: 1 } as const)[t.dtype]);
    new Uint8Array(data.buffer).set(b.subarray(base + t.offset, base + t.offset + t.length));
    entries.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, data });
  }
  return { entries, meta: header.meta };
}
