// Python's two base-85 codecs, decoded as `base64.b85decode` and `base64.a85decode` do: packed
// submissions wrap their code in them (`exec(lzma.decompress(base64.b85decode("...")))`).
// Written here because the npm base85 packages implement Z85 and Adobe Ascii85 framing, not
// Python's b85 alphabet (RFC 1924's characters) nor a85's defaults (no <~ ~> framing, 'z' for
// four zero bytes, whitespace ignored).
//
// Both read 5 characters per 4 bytes, big-endian; a short last group is padded (b85 with '~', the
// largest digit; a85 with 'u') and the padding's bytes are dropped. Both return null for text
// that is not valid in the codec, so a caller can try the next codec.

const B85_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
const B85_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B85_ALPHABET.length; i++) B85_VALUE[B85_ALPHABET.charCodeAt(i)] = i;

/** Python's `base64.b85decode`; null when `text` holds a character outside the alphabet or a group overflows 32 bits. */
export function b85decode(text: string): Uint8Array | null {
  const n = text.length;
  const pad = (5 - (n % 5)) % 5;
  const out = new Uint8Array(((n + pad) / 5) * 4);
  let o = 0;
  for (let i = 0; i < n + pad; i += 5) {
    let acc = 0;
    for (let j = i; j < i + 5; j++) {
      const c = j < n ? text.charCodeAt(j) : 0x7e; // '~' = 84
      const v = c < 128 ? B85_VALUE[c] : -1;
      if (v < 0) return null;
      acc = acc * 85 + v;
    }
    if (acc > 0xffffffff) return null;
    out[o++] = acc >>> 24;
    out[o++] = (acc >>> 16) & 0xff;
    out[o++] = (acc >>> 8) & 0xff;
    out[o++] = acc & 0xff;
  }
  return out.subarray(0, out.length - pad);
}

/** Python's `base64.a85decode` with its defaults (plus an optional <~ ~> frame); null when `text` is not Ascii85. */
export function a85decode(text: string): Uint8Array | null {
  let s = text.replace(/\s+/g, "");
  if (s.startsWith("<~") && s.endsWith("~>")) s = s.slice(2, -2);
  const out = new Uint8Array(Math.ceil(s.length / 5) * 4 + s.length * 4); // 'z' expands 1 -> 4
  let o = 0;
  let acc = 0;
  let k = 0;
  const flush = (count: number): boolean => {
    if (acc > 0xffffffff) return false;
    const b = [acc >>> 24, (acc >>> 16) & 0xff, (acc >>> 8) & 0xff, acc & 0xff];
    for (let i = 0; i < count; i++) out[o++] = b[i];
    return true;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7a && k === 0) {
      o += 4; // 'z': four zero bytes (the buffer starts zeroed)
      continue;
    }
    if (c < 33 || c > 117) return null;
    acc = acc * 85 + (c - 33);
    if (++k === 5) {
      if (!flush(4)) return null;
      acc = 0;
      k = 0;
    }
  }
  if (k === 1) return null; // one character cannot encode a byte
  if (k > 1) {
    const used = k;
    while (k < 5) {
      acc = acc * 85 + 84;
      k++;
    }
    if (!flush(used - 1)) return null;
  }
  return out.slice(0, o);
}
