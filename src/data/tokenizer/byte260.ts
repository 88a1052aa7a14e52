// The Parameter Golf reference's pure byte tokenizer ("byte260"): no training, no normalization,
// every UTF-8 byte is one token.
//
// Source of the layout: openai/parameter-golf data/pure_byte_tokenizer.py (class
// PureByteTokenizer; the same class is repeated in data/download_hf_docs_and_tokenize.py, whose
// exports use the dataset suffix "byte260"):
//   0: <pad>   1: <bos>   2: <eos>   3: <unk>   4..259: the raw byte values 0..255
//   encode(text) = [4 + b for b in text.encode("utf-8", errors="replace")]   (no BOS/EOS)
//   decode(ids)  = the bytes of the byte ids (specials skipped), .decode("utf-8", errors="replace")
// The reference saves it as JSON ({"tokenizer_type": "pure_byte", "config": {...}, "vocab_size": 260},
// json.dumps(indent=2, sort_keys=True) plus a newline); `toJsonText` / `fromJson` read and write
// that file.
import { PgolfError } from "../../core/error.js";
import type { ByteTable, Tokenizer } from "./tokenizer.js";

/** The reference's PureByteTokenizer fields (dataclass defaults). */
export interface Byte260Config {
  pad_id: number;
  bos_id: number;
  eos_id: number;
  unk_id: number;
  /** Id of byte 0; byte b is id byte_offset + b. */
  byte_offset: number;
  /** Number of byte ids (always 256). */
  byte_count: number;
}

export const BYTE260_DEFAULT: Readonly<Byte260Config> = Object.freeze({
  pad_id: 0,
  bos_id: 1,
  eos_id: 2,
  unk_id: 3,
  byte_offset: 4,
  byte_count: 256,
});

/** Piece names for idToPiece (the reference's docstring names; bytes as SentencePiece names them). */
const SPECIAL_NAMES = { pad_id: "<pad>", bos_id: "<bos>", eos_id: "<eos>", unk_id: "<unk>" } as const;

/**
 * UTF-8 bytes of `text` as Python's `text.encode("utf-8", errors="replace")` gives them: a lone
 * surrogate (possible in a JS string as in a Python str) becomes "?" (0x3F), not U+FFFD.
 */
export function encodeUtf8Replace(text: string): Uint8Array {
  let lone = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else lone = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) lone = true;
    if (lone) break;
  }
  if (!lone) return Buffer.from(text, "utf8");
  let fixed = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        fixed += text[i] + text[i + 1];
        i++;
      } else fixed += "?";
    } else if (c >= 0xdc00 && c <= 0xdfff) fixed += "?";
    else fixed += text[i];
  }
  return Buffer.from(fixed, "utf8");
}

/**
 * UTF-8 decoding with U+FFFD for each maximal ill-formed subsequence: what Python's
 * `bytes.decode("utf-8", errors="replace")` and the WHATWG decoder both do.
 */
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export class Byte260Tokenizer implements Tokenizer {
  readonly kind = "byte260";
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly config: Readonly<Byte260Config>;
  readonly file: string;
  /** Per id: 0 = byte, 1 = special, 2 = unused (neither; the default layout has none). */
  private readonly kinds: Uint8Array;

  constructor(config: Partial<Byte260Config> = {}, file = "<byte260>") {
    const c: Byte260Config = { ...BYTE260_DEFAULT, ...config };
    this.file = file;
    const bad = (why: string) =>
      new PgolfError("TOKENIZER_PARSE", `pure byte tokenizer config is not valid: ${why}`, {
        file,
        fix: 'use the reference layout {"pad_id":0,"bos_id":1,"eos_id":2,"unk_id":3,"byte_offset":4,"byte_count":256}',
        details: { config: c },
      });
    for (const [k, v] of Object.entries(c)) if (!Number.isInteger(v) || v < 0) throw bad(`${k}=${String(v)} is not a non-negative integer`);
    if (c.byte_count !== 256) throw bad(`byte_count=${c.byte_count}, but every byte needs an id (256)`);
    const specials = [c.pad_id, c.bos_id, c.eos_id, c.unk_id];
    if (new Set(specials).size !== 4) throw bad("pad, bos, eos and unk ids are not distinct");
    for (const s of specials) if (s >= c.byte_offset && s < c.byte_offset + c.byte_count) throw bad(`special id ${s} falls inside the byte ids`);
    this.config = Object.freeze(c);
    // PureByteTokenizer.vocab_size = byte_offset + byte_count (special ids above it are not counted).
    this.vocabSize = c.byte_offset + c.byte_count;
    this.padId = c.pad_id;
    this.bosId = c.bos_id;
    this.eosId = c.eos_id;
    this.unkId = c.unk_id;
    this.kinds = new Uint8Array(this.vocabSize).fill(2);
    for (let b = 0; b < 256; b++) this.kinds[c.byte_offset + b] = 0;
    for (const s of specials) if (s < this.vocabSize) this.kinds[s] = 1;
  }

  /** Reads the reference's JSON artifact (e.g. tokenizers/fineweb_pure_byte_260.json). */
  static fromJson(text: string, file = "<byte260.json>"): Byte260Tokenizer {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (e) {
      throw new PgolfError("TOKENIZER_PARSE", `pure byte tokenizer JSON does not parse: ${(e as Error).message}`, {
        file,
        fix: "pass the JSON file written by the reference's create_pure_byte_tokenizer.py",
        cause: e,
      });
    }
    const p = payload as { tokenizer_type?: unknown; config?: Record<string, unknown> };
    if (typeof payload !== "object" || payload === null || p.tokenizer_type !== "pure_byte") {
      throw new PgolfError("TOKENIZER_PARSE", `not a pure byte tokenizer: tokenizer_type is ${JSON.stringify(p?.tokenizer_type)}`, {
        file,
        fix: 'pass a JSON file with "tokenizer_type": "pure_byte"',
      });
    }
    const cfg = p.config ?? {};
    // from_json: missing fields take the defaults.
    const pick = (k: keyof Byte260Config) => (cfg[k] === undefined ? BYTE260_DEFAULT[k] : Number(cfg[k]));
    return new Byte260Tokenizer(
      { pad_id: pick("pad_id"), bos_id: pick("bos_id"), eos_id: pick("eos_id"), unk_id: pick("unk_id"), byte_offset: pick("byte_offset"), byte_count: pick("byte_count") },
      file,
    );
  }

  /** The reference's save_json text: json.dumps(..., indent=2, sort_keys=True) + "\n". */
  toJsonText(): string {
    const c = this.config;
    const config = { bos_id: c.bos_id, byte_count: c.byte_count, byte_offset: c.byte_offset, eos_id: c.eos_id, pad_id: c.pad_id, unk_id: c.unk_id };
    return JSON.stringify({ config, tokenizer_type: "pure_byte", vocab_size: this.vocabSize }, null, 2) + "\n";
  }

  encode(text: string): number[] {
    const bytes = encodeUtf8Replace(text);
    const out = new Array<number>(bytes.length);
    const off = this.config.byte_offset;
    for (let i = 0; i < bytes.length; i++) out[i] = off + bytes[i];
    return out;
  }

  /**
   * The reference's decode (skip_special_tokens=True): special ids vanish, byte ids become their
   * bytes, and the bytes are decoded as UTF-8 with U+FFFD for malformed sequences. Unlike the
   * reference, which silently drops ids outside the vocabulary, those are an error here.
   */
  decode(ids: ArrayLike<number>): string {
    const bytes = new Uint8Array(ids.length);
    let n = 0;
    const off = this.config.byte_offset;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(Number.isInteger(id) && id >= 0 && id < this.vocabSize)) {
        throw new PgolfError("USAGE", `id ${id} at position ${i} is outside the vocabulary of ${this.vocabSize}`, {
          file: this.file,
          fix: "decode ids made with the byte260 tokenizer",
        });
      }
      if (this.kinds[id] === 0) bytes[n++] = id - off;
    }
    return lenientUtf8.decode(bytes.subarray(0, n));
  }

  idToPiece(id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.vocabSize)) {
      throw new PgolfError("USAGE", `id ${id} is outside the vocabulary of ${this.vocabSize}`, { fix: "decode ids below the vocabulary size; the ids may come from another tokenizer", file: this.file });
    }
    if (this.kinds[id] === 0) return `<0x${(id - this.config.byte_offset).toString(16).toUpperCase().padStart(2, "0")}>`;
    for (const [k, name] of Object.entries(SPECIAL_NAMES)) if (this.config[k as keyof typeof SPECIAL_NAMES] === id) return name;
    return `<unused${id}>`;
  }

  /**
   * Bits-per-byte accounting: a byte id stands for exactly 1 byte of text; special (and unused)
   * ids for none and count as boundaries. No id carries a leading space of its own.
   */
  byteTable(): ByteTable {
    const n = this.vocabSize;
    const baseBytes = new Int32Array(n);
    const hasLeadingSpace = new Uint8Array(n);
    const isBoundary = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.kinds[i] === 0) baseBytes[i] = 1;
      else isBoundary[i] = 1;
    }
    return { baseBytes, hasLeadingSpace, isBoundary };
  }
}
