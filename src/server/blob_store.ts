// Content-addressed blobs in a local folder: a blob's key is the sha256 hex of its bytes, stored at
// <dir>/ab/cd/<key>. Writes are atomic (temp file, fsync, rename), so a blob is either whole or
// absent, and putting the same bytes twice is harmless. Reads check the bytes against the key.
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
        if (!st || now - st.mtimeMs < minAgeMs) continue;
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

  /** Stores bytes; returns their key. A blob already stored intact is not written again. */
  async put(bytes: Uint8Array): Promise<string> {
    const key = sha256(bytes);
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
        throw new PgolfError("FILE_NOT_FOUND", "no file to store", { file: source, cause: e });
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
  return new PgolfError("FILE_READ", `could not read blob ${key}: ${(e as Error).message}`, { file, cause: e, details: { key } });
}

function corrupt(key: string, actual: string, file: string): PgolfError {
  return new PgolfError("CHECKSUM_MISMATCH", `blob ${key} is corrupt: its bytes hash to ${actual}`, {
    file,
    fix: "delete the file and put the blob again from its source",
    details: { expected: key, actual },
  });
}
