// Ordering JS strings (UTF-16) by Unicode code point, which is also the byte order of their UTF-8
// encodings: the order SentencePiece (C++, std::string) sorts in. Plain `<` on JS strings compares
// UTF-16 code units and puts U+E000..U+FFFF after the surrogate-encoded supplementary planes.

/** UTF-16 code unit -> a rank that orders strings by code point. */
export function codePointRank(c: number): number {
  return c >= 0xd800 ? (c >= 0xe000 ? c - 0x800 : c + 0x2000) : c;
}

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}
