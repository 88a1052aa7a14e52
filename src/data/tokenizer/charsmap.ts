// SentencePiece's precompiled character map (NormalizerSpec.precompiled_charsmap): the normalization
// rules (e.g. nmt_nfkc) compiled into a Darts-clone double-array trie over UTF-8 byte strings, each
// leaf pointing at a NUL-terminated replacement string.
//
// Blob layout (normalizer.cc DecodePrecompiledCharsMap):
//   [0..4)            uint32 LE trie size in bytes (a multiple of 4)
//   [4..4+size)       the double array: uint32 LE units
//   [4+size..end)     replacement strings, each NUL-terminated; a leaf's value is its byte offset here
//
// A unit (darts-clone DoubleArrayUnit) packs:
//   has_leaf = bit 8;  value = low 31 bits (on a leaf unit);  label = unit & (0x80000000 | 0xFF);
//   offset = (unit >>> 10) << ((unit & 0x200) >>> 6)
import { PgolfError } from "../../core/error.js";

export class CharsMap {
  /** Double-array units. */
  readonly units: Uint32Array;
  /** Replacement strings, NUL-terminated, as UTF-8 bytes. */
  readonly normalized: Uint8Array;

  constructor(units: Uint32Array, normalized: Uint8Array) {
    this.units = units;
    this.normalized = normalized;
  }

  static decode(blob: Uint8Array, file = "<model>"): CharsMap {
    const bad = (why: string) =>
      new PgolfError("TOKENIZER_PARSE", `precompiled_charsmap is corrupt: ${why}`, {
        file,
        fix: "re-export the tokenizer model; its normalizer rules cannot be read",
      });
    if (blob.byteLength < 4) throw bad("shorter than its 4-byte header");
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = dv.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.byteLength) throw bad(`trie size ${trieSize} does not fit the ${blob.byteLength}-byte blob`);
    const units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < units.length; i++) units[i] = dv.getUint32(4 + 4 * i, true);
    return new CharsMap(units, blob.slice(4 + trieSize));
  }

  /** Encodes back to the blob layout above. */
  encode(): Uint8Array {
    const out = new Uint8Array(4 + this.units.length * 4 + this.normalized.byteLength);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.units.length * 4, true);
    for (let i = 0; i < this.units.length; i++) dv.setUint32(4 + 4 * i, this.units[i], true);
    out.set(this.normalized, 4 + this.units.length * 4);
    return out;
  }

  /**
   * Longest rule matching a prefix of `input[pos..end)`: returns the matched length in bytes (0 when
   * no rule matches) and writes the replacement's offset into `this.lastValue`.
   * (darts-clone commonPrefixSearch, keeping only the longest result, as NormalizePrefix does.)
   */
  lastValue = 0;
  longestMatch(input: Uint8Array, pos: number, end: number): number {
    const units = this.units;
    if (units.length === 0) return 0;
    let unit = units[0];
    let node = (unit >>> 10) << ((unit & 0x200) >>> 6);
    let best = 0;
    for (let i = pos; i < end; i++) {
      const c = input[i];
      node ^= c;
      unit = units[node];
      // label(): unit & (0x80000000 | 0xFF) must equal the byte (a leaf unit has the high bit set).
      if (unit === undefined || (unit & 0x800000ff) !== c) break;
      node ^= (unit >>> 10) << ((unit & 0x200) >>> 6);
      if ((unit >>> 8) & 1) {
        best = i + 1 - pos;
        this.lastValue = units[node] & 0x7fffffff;
      }
    }
    return best;
  }

  /**
   * A fast path for ASCII: `replacement[b]` is what byte b alone maps to (-1: deleted, else one
   * byte), valid whenever the next input byte is ASCII too, if `fast[b]` is 1: no rule starting with
   * b continues with an ASCII byte, and b's own replacement is at most one byte.
   */
  asciiTable(): { fast: Uint8Array; replacement: Int16Array } {
    const fast = new Uint8Array(128);
    const replacement = new Int16Array(128);
    const units = this.units;
    const root = units.length > 0 ? units[0] : 0;
    const rootNode = (root >>> 10) << ((root & 0x200) >>> 6);
    const one = new Uint8Array(1);
    for (let b = 1; b < 128; b++) {
      one[0] = b;
      const m = this.longestMatch(one, 0, 1);
      let repl = b;
      if (m === 1) {
        const len = this.replacementLength(this.lastValue);
        if (len > 1) continue;
        repl = len === 0 ? -1 : this.normalized[this.lastValue];
      }
      let continues = false;
      if (units.length > 0) {
        const child = rootNode ^ b;
        const unit = units[child];
        if (unit !== undefined && (unit & 0x800000ff) === b) {
          const node = child ^ ((unit >>> 10) << ((unit & 0x200) >>> 6));
          for (let c = 1; c < 128 && !continues; c++) {
            const u = units[node ^ c];
            if (u !== undefined && (u & 0x800000ff) === c) continues = true;
          }
        }
      }
      if (continues) continue;
      fast[b] = 1;
      replacement[b] = repl;
    }
    return { fast, replacement };
  }

  /** Byte length of the NUL-terminated replacement at `offset`. */
  replacementLength(offset: number): number {
    let e = offset;
    while (e < this.normalized.length && this.normalized[e] !== 0) e++;
    return e - offset;
  }

  /** Every (key, replacement) rule in the trie, in byte order: for tests, inspection and rebuilding. */
  rules(): Array<{ key: Uint8Array; value: Uint8Array }> {
    const out: Array<{ key: Uint8Array; value: Uint8Array }> = [];
    const units = this.units;
    if (units.length === 0) return out;
    const walk = (node: number, prefix: number[]) => {
      for (let c = 1; c < 256; c++) {
        const child = node ^ c;
        const unit = units[child];
        if (unit === undefined || (unit & 0x800000ff) !== c) continue;
        const next = child ^ ((unit >>> 10) << ((unit & 0x200) >>> 6));
        const key = [...prefix, c];
        if ((unit >>> 8) & 1) {
          const off = units[next] & 0x7fffffff;
          out.push({ key: Uint8Array.from(key), value: this.normalized.subarray(off, off + this.replacementLength(off)) });
        }
        walk(next, key);
      }
    };
    const root = units[0];
    walk((root >>> 10) << ((root & 0x200) >>> 6), []);
    return out;
  }
}
