// Minimal ONNX writer: a model whose output "y" is an initializer holding arbitrary bytes (UINT8 raw_data).
function varint(n: number | bigint): number[] {
  let v = BigInt(n); const out: number[] = [];
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v > 0n) b |= 0x80; out.push(b); } while (v > 0n);
  return out;
}
const enc = new TextEncoder();
const fVarint = (f: number, v: number | bigint) => [...varint((f << 3) | 0), ...varint(v)];
function fBytes(f: number, b: ArrayLike<number>): number[] { const o = [...varint((f << 3) | 2), ...varint(b.length)]; for (let i = 0; i < b.length; i++) o.push(b[i]); return o; }
const fStr = (f: number, s: string) => fBytes(f, [...enc.encode(s)]);

export function blobModel(blob: Uint8Array): Uint8Array {
  const len = blob.length;
  const head = [...fVarint(1, len), ...fVarint(2, 2), ...fStr(8, "w")];
  const raw = [...varint((9 << 3) | 2), ...varint(len)];
  const tensor = new Uint8Array(head.length + raw.length + len);
  tensor.set(head, 0); tensor.set(raw, head.length); tensor.set(blob, head.length + raw.length);
  const node = [...fStr(1, "w"), ...fStr(2, "y"), ...fStr(3, "n"), ...fStr(4, "Identity")];
  const vtype = fBytes(2, fBytes(1, [...fVarint(1, 2), ...fBytes(2, fBytes(1, fVarint(1, len)))]));
  const outInfo = [...fStr(1, "y"), ...vtype];
  const tHead = [...varint((5 << 3) | 2), ...varint(tensor.length)];
  const graphParts = [...fBytes(1, node), ...fStr(2, "g")];
  const graphTail = fBytes(12, outInfo);
  const graphLen = graphParts.length + tHead.length + tensor.length + graphTail.length;
  const pre = [...fVarint(1, 8), ...fStr(2, "x"), ...varint((7 << 3) | 2), ...varint(graphLen)];
  const post = fBytes(8, [...fStr(1, ""), ...fVarint(2, 17)]);
  const out = new Uint8Array(pre.length + graphLen + post.length);
  let o = 0;
  for (const part of [pre, graphParts, tHead]) { out.set(part, o); o += part.length; }
  out.set(tensor, o); o += tensor.length;
  out.set(graphTail, o); o += graphTail.length;
  out.set(post, o);
  return out;
}
