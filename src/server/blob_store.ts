// Content-addressed blobs in a local folder: a blob's key is the sha256 hex of its bytes, stored at
// <dir>/ab/cd/<key>. Writes are atomic (temp file, fsync, rename), so a blob is either whole or
// absent, and putting the same bytes twice is harmless. Reads check the bytes against the key; a
// blob opened for reads of its parts (`open`: a pack's one file, or the whole blob streamed to a slow
// client) is checked against a sha256 the caller trusts instead, since a part cannot be checked
// against the whole's key (OpenBlob).
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { sha256, sha256File } from "../core/hash.js";

const KEY = /^[0-9a-f]{64}$/;

export function isBlobKey(key: unknown): key is string {
  return typeof key === "string" && KEY.test(key);
}

export function blobStoreDir(dataDir: string): string {
  return path.join(dataDir, "blobs");
}

export class BlobStore {
  /** `dir` is the store's root folder (default for a server: <dataDir>/blobs). */
  constructor(readonly dir: string) {}

  /** Where the blob with this key lives (whether or not it exists). Throws BLOB_KEY for a bad key. */
  pathOf(key: string): string {
    if (typeof key !== "string" || !KEY.test(key)) {
      const shown = typeof key === "string" ? JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}...` : key) : String(key as unknown);
      throw new PgolfError("BLOB_KEY", `${shown} is not a blob key`, { fix: "blob keys are 64 lowercase hex characters (a sha256)" });
    }
    return path.join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  /** Keys an intake in flight holds (`hold`): never removed, however old or unnamed. Counts per key. */
  private readonly held = new Map<string, number>();
  /** Keys being removed now, each with its removal's end: a put of the same bytes waits for it. */
  private readonly removing = new Map<string, Promise<void>>();

  /**
   * Holds a key while an intake stores it and commits the row that names it: no collection removes
   * it meanwhile, even one that asked the database before the row existed. Returns the release.
   */
  hold(key: string): () => void {
    this.held.set(key, (this.held.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.held.get(key) ?? 1) - 1;
      if (n > 0) this.held.set(key, n);
      else this.held.delete(key);
    };
  }

  /**
   * Removes those of `keys` that nothing needs: not held (`hold`), older than `minAgeMs` (by mtime),
   * and not among the keys `live` returns (asked after the keys are marked, so an intake that
   * commits a row naming one before the answer keeps it, and one that puts it after waits for its
   * removal and writes it again). Returns the keys removed and their bytes.
   */
  async discard(keys: readonly string[], live: (keys: string[]) => Promise<Set<string>>, minAgeMs: number): Promise<{ keys: string[]; bytes: number }> {
    const marked: string[] = [];
    const ends: (() => void)[] = [];
    for (const key of new Set(keys)) {
      if (!KEY.test(key) || this.held.has(key) || this.removing.has(key)) continue;
      this.removing.set(key, new Promise<void>((r) => ends.push(r)));
      marked.push(key);
    }
    const out = { keys: [] as string[], bytes: 0 };
    try {
      if (marked.length === 0) return out;
      const keep = await live(marked);
      const now = Date.now();
      for (const key of marked) {
        if (keep.has(key)) continue;
        const file = this.pathOf(key);
        const st = await fsp.stat(file).catch(() => null);
        // minAgeMs 0 takes every blob: Date.now() is whole milliseconds and a file written in the same one has a later mtimeMs
        if (!st || (minAgeMs > 0 && now - st.mtimeMs < minAgeMs)) continue;
        await fsp.rm(file, { force: true });
        out.keys.push(key);
        out.bytes += st.size;
      }
      return out;
    } finally {
      for (const key of marked) this.removing.delete(key);
      for (const end of ends) end();
    }
  }

  /**
   * Removes every blob that `live` does not name, older than `minAgeMs` (by its file's mtime): one
   * walk of the store with async reads (never holding the event loop), asking `live` once per leaf
   * folder. Young blobs stay: an intake in another process stores its blob before the row that names
   * it commits (this process's intakes hold theirs). Returns the keys removed and their bytes.
   */
  async collect(live: (keys: string[]) => Promise<Set<string>>, minAgeMs: number): Promise<{ keys: string[]; bytes: number }> {
    const out = { keys: [] as string[], bytes: 0 };
    for (const a of await fsp.readdir(this.dir).catch(() => [] as string[])) {
      for (const b of await fsp.readdir(path.join(this.dir, a)).catch(() => [] as string[])) {
        const keys = (await fsp.readdir(path.join(this.dir, a, b)).catch(() => [] as string[])).filter((k) => KEY.test(k));
        if (keys.length === 0) continue;
        const gone = await this.discard(keys, live, minAgeMs);
        out.keys.push(...gone.keys);
        out.bytes += gone.bytes;
      }
    }
    return out;
  }

  /**
   * Stores bytes; returns their key. A blob already stored intact is not written again. `known` is
   * the bytes' sha256 when the caller computed it from these very bytes (an upload hashed as it
   * arrived: http_util.ts readUpload): they are not hashed again, since hashing 64 MiB at once holds
   * the event loop for ~40 ms.
   */
  async put(bytes: Uint8Array, known?: string): Promise<string> {
    const key = known ?? sha256(bytes);
    const file = this.pathOf(key);
    await this.removing.get(key); // a removal of these bytes under way ends first, then they are written anew
    if ((await fileSize(file)) === bytes.byteLength && (await sha256File(file)) === key) return key;
    await writeFileAtomic(file, bytes);
    return key;
  }

  /** Stores a file's content, streamed (for blobs too large to hold in memory). */
  async putFile(source: string): Promise<{ key: string; size: number }> {
    await fsp.mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.tmp-put.${process.pid}.${randomBytes(6).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    try {
      // Hash what is written, not what was read before: the key always matches the stored bytes.
      await pipeline(
        fs.createReadStream(source, { highWaterMark: 1 << 20 }),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        fs.createWriteStream(tmp, { flags: "wx" }),
      );
      const fh = await fsp.open(tmp, "r+");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const key = hash.digest("hex");
      const file = this.pathOf(key);
      await this.removing.get(key);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.rename(tmp, file);
      return { key, size };
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !(await exists(source))) {
        throw new PgolfError("FILE_NOT_FOUND", "no file to store", { fix: "check the path of the file to store; it must exist and be readable", file: source, cause: e });
      }
      throw new PgolfError("FILE_WRITE", `could not store the file as a blob: ${(e as Error).message}`, {
        file: source,
        fix: `check that ${this.dir} is writable and the disk has space`,
        cause: e,
      });
    }
  }

  /** The blob's bytes, checked against its key (CHECKSUM_MISMATCH when they differ). */
  async get(key: string): Promise<Uint8Array> {
    const file = this.pathOf(key);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (e) {
      throw missingOrUnreadable(e, key, file);
    }
    const actual = sha256(bytes);
    if (actual !== key) throw corrupt(key, actual, file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Re-reads a stored blob (streamed) and checks it against its key. */
  async verify(key: string): Promise<void> {
    const file = this.pathOf(key);
    if ((await fileSize(file)) === undefined) throw missingOrUnreadable(Object.assign(new Error("not found"), { code: "ENOENT" }), key, file);
    const actual = await sha256File(file);
    if (actual !== key) throw corrupt(key, actual, file);
  }

  /**
   * The blob opened for ranged reads, without reading it (FILE_NOT_FOUND when it is not stored). The
   * caller closes it, or hands it to `stream`, which closes it when done.
   */
  async open(key: string): Promise<OpenBlob> {
    const file = this.pathOf(key);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, "r");
    } catch (e) {
      throw missingOrUnreadable(e, key, file);
    }
    try {
      return new OpenBlob(key, file, handle, (await handle.stat()).size);
    } catch (e) {
      await handle.close();
      throw missingOrUnreadable(e, key, file);
    }
  }

  async has(key: string): Promise<boolean> {
    return (await fileSize(this.pathOf(key))) !== undefined;
  }

  /** Size in bytes; FILE_NOT_FOUND when the blob is not stored. */
  async size(key: string): Promise<number> {
    const file = this.pathOf(key);
    const n = await fileSize(file);
    if (n === undefined) throw missingOrUnreadable(Object.assign(new Error("not found"), { code: "ENOENT" }), key, file);
    return n;
  }
}

/** Bytes per read of a streamed range (and so the most a stream holds ahead of its reader). */
export const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * A stored blob open for reads of ranges of it. Every read is checked against a sha256 the caller
 * gives (for a pack's file, the sha256 its table lists; for the whole blob, its key):
 *   readChecked  a range read whole into memory and checked before anything is returned (for
 *                small ranges: the caller sends it only once it is known good);
 *   stream       a range as a pull stream (a chunk is read only when the consumer asks for one, so a
 *                client that stops reading holds one chunk, not the range), hashed as it goes; the
 *                last chunk is given only once the hash matches, otherwise the stream errors. An
 *                HTTP answer with a Content-Length whose stream errors is cut off (@hono/node-server
 *                destroys the connection), so a client never receives a complete answer whose bytes
 *                are not the stored ones: it sees a short body and fails.
 */
export class OpenBlob {
  private closed = false;

  constructor(
    readonly key: string,
    readonly file: string,
    readonly handle: fsp.FileHandle,
    /** The blob's length on disk, bytes. */
    readonly size: number,
  ) {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }

  /** `length` bytes at `start`, checked against `sha256` (CHECKSUM_MISMATCH, FILE_READ when the blob is shorter). */
  async readChecked(start: number, length: number, sha256hex: string): Promise<Buffer<ArrayBuffer>> {
    this.checkRange(start, length);
    const b = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(b, got, length - got, start + got);
      if (bytesRead === 0) throw this.short(start + got);
      got += bytesRead;
    }
    const actual = sha256(b);
    if (actual !== sha256hex) throw rangeCorrupt(this.key, start, length, sha256hex, actual, this.file);
    return b;
  }

  /**
   * `length` bytes at `start` as a stream, checked against `sha256` as described above. The stream
   * owns the blob from here: it closes it when it ends, errors or is cancelled.
   */
  stream(start: number, length: number, sha256hex: string, o: { chunkBytes?: number } = {}): ReadableStream<Uint8Array> {
    this.checkRange(start, length);
    const chunkBytes = o.chunkBytes ?? STREAM_CHUNK_BYTES;
    const hash = createHash("sha256");
    const end = start + length;
    let pos = start;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            let chunk: Buffer = Buffer.alloc(0);
            if (pos < end) {
              const n = Math.min(chunkBytes, end - pos);
              // filled by the read below and cut to what it read: nothing of the old memory is sent
              chunk = Buffer.allocUnsafe(n);
              const { bytesRead } = await this.handle.read(chunk, 0, n, pos);
              if (bytesRead === 0) throw this.short(pos);
              if (bytesRead < n) chunk = chunk.subarray(0, bytesRead);
              hash.update(chunk);
              pos += bytesRead;
            }
            if (pos < end) return controller.enqueue(chunk);
            // the last chunk: given only once the whole range hashed to what the caller trusts
            const actual = hash.digest("hex");
            if (actual !== sha256hex) throw rangeCorrupt(this.key, start, length, sha256hex, actual, this.file);
            if (chunk.length > 0) controller.enqueue(chunk);
            controller.close();
            await this.close();
          } catch (e) {
            await this.close();
            throw e;
          }
        },
        cancel: () => this.close(),
      },
      // a chunk is read only when the consumer asks for one: nothing is read ahead of it
      { highWaterMark: 0 },
    );
  }

  private checkRange(start: number, length: number): void {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > this.size) {
      throw new PgolfError("FILE_READ", `bytes ${start}..${start + length} are outside blob ${this.key} (${this.size} bytes)`, { fix: "the store's file is shorter than its index says; run the server's blob check or upload the record again", file: this.file, details: { key: this.key } });
    }
  }

  private short(at: number): PgolfError {
    return new PgolfError("FILE_READ", `blob ${this.key} ended at byte ${at}, before the range read from it`, { file: this.file, fix: "delete the file and put the blob again from its source", details: { key: this.key } });
  }
}

function rangeCorrupt(key: string, start: number, length: number, expected: string, actual: string, file: string): PgolfError {
  return new PgolfError("CHECKSUM_MISMATCH", `bytes ${start}..${start + length} of blob ${key} are corrupt: they hash to ${actual}, not ${expected}`, {
    file,
    fix: "delete the file and put the blob again from its source",
    details: { key, expected, actual },
  });
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    const st = await fsp.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

function missingOrUnreadable(e: unknown, key: string, file: string): PgolfError {
  if ((e as NodeJS.ErrnoException).code === "ENOENT") {
    return new PgolfError("FILE_NOT_FOUND", `blob ${key} is not stored`, { file, fix: "put the blob before reading it", details: { key } });
  }
  return new PgolfError("FILE_READ", `could not read blob ${key}: ${(e as Error).message}`, { fix: "check the blob store's folder (permissions, disk); a missing blob comes back when its record is uploaded again", file, cause: e, details: { key } });
}

function corrupt(key: string, actual: string, file: string): PgolfError {
  return new PgolfError("CHECKSUM_MISMATCH", `blob ${key} is corrupt: its bytes hash to ${actual}`, {
    file,
    fix: "delete the file and put the blob again from its source",
    details: { expected: key, actual },
  });
}
