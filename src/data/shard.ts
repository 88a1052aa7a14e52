// The challenge's token shard format, byte for byte as openai/parameter-golf reads and writes it
// (`load_data_shard` in train_gpt.py, `write_datafile` in the data exporter):
//
//   offset 0     256 x int32 LE header: [0] = 20240520 (magic), [1] = 1 (version), [2] = token count,
//                [3..255] = 0
//   offset 1024  token count x uint16 LE token ids
//
// and the file size must be exactly 1024 + 2 x count. Documents are stored as [BOS] + ids, no EOS.
import * as fs from "node:fs";
import * as os from "node:os";
import { AtomicFileWriter } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";

export const SHARD_MAGIC = 20240520;
export const SHARD_VERSION = 1;
export const SHARD_HEADER_INTS = 256;
export const SHARD_HEADER_BYTES = SHARD_HEADER_INTS * 4; // 1024
export const SHARD_MAX_TOKEN = 0xffff;

const LITTLE_ENDIAN = os.endianness() === "LE";

export interface ShardHeader {
  magic: number;
  version: number;
  /** Token count declared in the header. */
  tokens: number;
}

export interface ShardInfo extends ShardHeader {
  file: string;
  /** File size in bytes (= 1024 + 2 x tokens for a valid shard). */
  bytes: number;
}

export function encodeShardHeader(tokens: number): Uint8Array {
  const header = new Uint8Array(SHARD_HEADER_BYTES);
  const dv = new DataView(header.buffer);
  dv.setInt32(0, SHARD_MAGIC, true);
  dv.setInt32(4, SHARD_VERSION, true);
  dv.setInt32(8, tokens, true);
  return header;
}

/** Parses and validates a shard header against the file size; throws a PgolfError naming the file. */
export function decodeShardHeader(header: Uint8Array, fileSize: number, file: string): ShardHeader {
  if (header.byteLength < SHARD_HEADER_BYTES) {
    throw new PgolfError("SHARD_TRUNCATED", `file is ${fileSize} bytes, shorter than the 1024-byte header`, {
      file,
      fix: "the shard was cut off; download or rebuild it",
      details: { bytes: fileSize },
    });
  }
  const dv = new DataView(header.buffer, header.byteOffset, SHARD_HEADER_BYTES);
  const magic = dv.getInt32(0, true);
  const version = dv.getInt32(4, true);
  const tokens = dv.getInt32(8, true);
  if (magic !== SHARD_MAGIC) {
    throw new PgolfError("SHARD_MAGIC", `wrong magic ${magic} (expected ${SHARD_MAGIC}); this is not a challenge shard`, {
      file,
      fix: "pass a .bin shard written by the parameter-golf exporter or pgolf",
      details: { magic, expected: SHARD_MAGIC },
    });
  }
  if (version !== SHARD_VERSION) {
    throw new PgolfError("SHARD_VERSION", `unsupported version ${version} (expected ${SHARD_VERSION})`, {
      file,
      fix: "re-export the shard with the version-1 format",
      details: { version, expected: SHARD_VERSION },
    });
  }
  const expected = SHARD_HEADER_BYTES + 2 * tokens;
  if (tokens < 0 || fileSize !== expected) {
    const truncated = tokens >= 0 && fileSize < expected;
    throw new PgolfError(
      truncated ? "SHARD_TRUNCATED" : "SHARD_SIZE",
      `header declares ${tokens} tokens, so the file must be ${expected} bytes, but it is ${fileSize}`,
      {
        file,
        fix: truncated ? "the shard was cut off; download or rebuild it" : "the header and data disagree; rebuild the shard",
        details: { tokens, expectedBytes: expected, bytes: fileSize },
      },
    );
  }
  return { magic, version, tokens };
}

function openForRead(file: string): number {
  try {
    return fs.openSync(file, "r");
  } catch (e) {
    throw new PgolfError("FILE_NOT_FOUND", `shard not found or unreadable: ${(e as Error).message}`, {
      file,
      fix: "check the path, or run `pgolf data prepare` / `pgolf data fetch` to create the shards",
      cause: e,
    });
  }
}

function readFully(fd: number, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.byteLength) {
    const n = fs.readSync(fd, into, got, into.byteLength - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function swapIfBigEndian(a: Uint16Array): void {
  if (LITTLE_ENDIAN) return;
  for (let i = 0; i < a.length; i++) a[i] = ((a[i] & 0xff) << 8) | (a[i] >> 8);
}

/** Header and size of a shard, validated, without reading its tokens. */
export function shardInfo(file: string): ShardInfo {
  const fd = openForRead(file);
  try {
    const size = fs.fstatSync(fd).size;
    const header = new Uint8Array(SHARD_HEADER_BYTES);
    const got = readFully(fd, header, 0);
    return { file, bytes: size, ...decodeShardHeader(header.subarray(0, got), size, file) };
  } finally {
    fs.closeSync(fd);
  }
}

function checkRange(tokens: Uint16Array, vocabSize: number, file: string, base: number): void {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] >= vocabSize) {
      throw new PgolfError("SHARD_TOKEN_RANGE", `token ${base + i} has id ${tokens[i]}, outside the vocabulary of ${vocabSize}`, {
        file,
        fix: "the shard was made with a different tokenizer; use the matching tokenizer or rebuild the shard",
        details: { position: base + i, id: tokens[i], vocabSize },
      });
    }
  }
}

/**
 * Random-access, streaming reader: reads only the token ranges asked for, so a 200 MB shard is never
 * loaded whole unless `readAll` is called.
 */
export class ShardReader {
  readonly file: string;
  readonly tokens: number;
  private readonly vocabSize?: number;
  private fd: number;

  private constructor(file: string, fd: number, tokens: number, vocabSize?: number) {
    this.file = file;
    this.fd = fd;
    this.tokens = tokens;
    this.vocabSize = vocabSize;
  }

  /** Opens and validates the header; with `vocabSize`, every read checks ids are below it. */
  static open(file: string, opts: { vocabSize?: number } = {}): ShardReader {
    const fd = openForRead(file);
    try {
      const size = fs.fstatSync(fd).size;
      const header = new Uint8Array(SHARD_HEADER_BYTES);
      const got = readFully(fd, header, 0);
      const h = decodeShardHeader(header.subarray(0, got), size, file);
      return new ShardReader(file, fd, h.tokens, opts.vocabSize);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** Reads tokens [start, start + count) into `out` (allocated when not given). */
  read(start: number, count: number, out?: Uint16Array): Uint16Array {
    if (start < 0 || count < 0 || start + count > this.tokens) {
      throw new PgolfError("USAGE", `read of tokens [${start}, ${start + count}) is outside the shard's ${this.tokens} tokens`, { fix: "read within the shard's token count (pgolf shard info FILE prints it)",
        file: this.file,
      });
    }
    const dst = out ? out.subarray(0, count) : new Uint16Array(count);
    const bytes = new Uint8Array(dst.buffer, dst.byteOffset, count * 2);
    const got = readFully(this.fd, bytes, SHARD_HEADER_BYTES + start * 2);
    if (got !== bytes.byteLength) {
      throw new PgolfError("SHARD_TRUNCATED", `file ended while reading token ${start + got / 2}`, {
        file: this.file,
        fix: "the shard changed or was cut off while being read; rebuild it",
      });
    }
    swapIfBigEndian(dst);
    if (this.vocabSize !== undefined) checkRange(dst, this.vocabSize, this.file, start);
    return dst;
  }

  /** Yields consecutive chunks of at most `chunkTokens` tokens (a reused buffer: copy to keep). */
  *chunks(chunkTokens = 1 << 20): Generator<{ start: number; tokens: Uint16Array }> {
    const buf = new Uint16Array(Math.min(chunkTokens, Math.max(this.tokens, 1)));
    for (let start = 0; start < this.tokens; start += buf.length) {
      const n = Math.min(buf.length, this.tokens - start);
      yield { start, tokens: this.read(start, n, buf) };
    }
  }

  readAll(): Uint16Array {
    return this.read(0, this.tokens);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Reads a whole shard (validated; ids checked against `vocabSize` when given). */
export function readShard(file: string, opts: { vocabSize?: number } = {}): Uint16Array {
  const r = ShardReader.open(file, opts);
  try {
    return r.readAll();
  } finally {
    r.close();
  }
}

/**
 * Streaming, atomic shard writer: tokens are appended to a temporary file; `commit()` writes the final
 * count into the header, syncs and renames. Until then no file exists under the shard's name.
 */
export class ShardWriter {
  readonly file: string;
  private readonly out: AtomicFileWriter;
  private readonly vocabSize: number;
  private count = 0;
  private buf = new Uint16Array(1 << 16);
  private used = 0;

  private constructor(file: string, vocabSize: number) {
    this.file = file;
    this.vocabSize = vocabSize;
    this.out = AtomicFileWriter.open(file);
    this.out.write(encodeShardHeader(0));
  }

  static create(file: string, opts: { vocabSize?: number } = {}): ShardWriter {
    return new ShardWriter(file, opts.vocabSize ?? SHARD_MAX_TOKEN + 1);
  }

  get tokens(): number {
    return this.count + this.used;
  }

  append(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.vocabSize && Number.isInteger(id))) {
        this.out.abort();
        throw new PgolfError("SHARD_TOKEN_RANGE", `token ${this.tokens} has id ${id}, outside [0, ${this.vocabSize})`, {
          file: this.file,
          fix: "encode with the course's tokenizer; shards hold uint16 ids below the vocabulary size",
          details: { position: this.tokens, id, vocabSize: this.vocabSize },
        });
      }
      this.buf[this.used++] = id;
      if (this.used === this.buf.length) this.flush();
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    const part = this.buf.subarray(0, this.used);
    swapIfBigEndian(part);
    this.out.write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    this.count += this.used;
    this.used = 0;
  }

  commit(): ShardInfo {
    this.flush();
    if (this.count > 0x7fffffff) {
      this.out.abort();
      throw new PgolfError("SHARD_SIZE", `${this.count} tokens do not fit the int32 header count`, {
        file: this.file,
        fix: "split the data into shards of at most 100,000,000 tokens",
      });
    }
    this.out.writeAt(encodeShardHeader(this.count), 0);
    this.out.commit();
    return { file: this.file, magic: SHARD_MAGIC, version: SHARD_VERSION, tokens: this.count, bytes: SHARD_HEADER_BYTES + 2 * this.count };
  }

  abort(): void {
    this.out.abort();
  }
}

/** Writes `tokens` as a complete shard, atomically. */
export function writeShard(file: string, tokens: ArrayLike<number>, opts: { vocabSize?: number } = {}): ShardInfo {
  const w = ShardWriter.create(file, opts);
  w.append(tokens);
  return w.commit();
}
