// Stored record packs read by parts, for answers whose cost follows what was asked, not the pack's
// size: a pack's file list comes from its header and table only (readPackIndex: at most 20 bytes + 1
// MiB read, whatever the pack holds), kept per blob key in a small cache bounded by table bytes
// (blobs are content-addressed, so an entry never goes stale); one file is read from its byte range
// alone; the whole pack is streamed from disk. Nothing is copied whole into memory:
//   a file of at most SMALL_FILE_BYTES   read, checked against its sha256 in the table, then sent
//                                        (no more than one stream chunk held, and a bad file is a
//                                        clean 500 before any byte goes out);
//   a larger file, or the whole pack     streamed a chunk at a time as the client takes them, hashed
//                                        as it goes against the file's sha256 (or the blob's key); on
//                                        a mismatch the last chunk is withheld and the stream errors,
//                                        which cuts the connection: the client sees a short answer,
//                                        never a complete wrong one (OpenBlob.stream).
// (Before: every read loaded and hashed the whole blob and decoded the whole pack; 40 clients that
// asked for a 60 MiB file and never read held 2.4 GB, and a 700-byte README took 212 ms.)
import { readPackIndex, type PackFileRange, type PackIndex } from "../artifact/pack.js";
import { STREAM_CHUNK_BYTES, type BlobStore, type OpenBlob } from "./blob_store.js";

/** A file this size or smaller is read whole, checked, then sent: it holds no more than a stream's one chunk, bytes. */
export const SMALL_FILE_BYTES = STREAM_CHUNK_BYTES;
/** Table bytes the index cache holds at most (the tables of the packs read last). */
export const INDEX_CACHE_BYTES = 8 * 1024 * 1024;
/** What an index costs in the cache besides its table's bytes (its maps and objects, roughly), bytes. */
const INDEX_OVERHEAD_BYTES = 1024;

/** An answer's body and its length (for Content-Length), bytes. */
export interface PackAnswer {
  bytes: number;
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
}

export class StoredPacks {
  /** Indexes by blob key, least recently used first (a Map keeps insertion order). */
  private readonly cache = new Map<string, { index: PackIndex; cost: number }>();
  private cachedBytes = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly o: { cacheBytes?: number; smallBytes?: number } = {},
  ) {}

  /** The pack's files (path, role, bytes, sha256, offset), in table order. `name` names the pack in errors. */
  async list(key: string, name: string): Promise<PackFileRange[]> {
    const hit = this.cached(key);
    if (hit) return [...hit.files.values()];
    const blob = await this.blobs.open(key);
    try {
      return [...(await this.index(blob, name)).files.values()];
    } finally {
      await blob.close();
    }
  }

  /** One file's bytes, checked against its sha256 in the table; null when the pack has no such path. */
  async file(key: string, name: string, filePath: string): Promise<PackAnswer | null> {
    const blob = await this.blobs.open(key);
    let handedOver = false;
    try {
      const f = (await this.index(blob, name)).files.get(filePath);
      if (!f) return null;
      if (f.bytes <= (this.o.smallBytes ?? SMALL_FILE_BYTES)) return { bytes: f.bytes, body: await blob.readChecked(f.offset, f.bytes, f.sha256) };
      const body = blob.stream(f.offset, f.bytes, f.sha256);
      handedOver = true;
      return { bytes: f.bytes, body };
    } finally {
      if (!handedOver) await blob.close();
    }
  }

  /** The whole stored pack, streamed and checked against its key. */
  async whole(key: string): Promise<PackAnswer> {
    const blob = await this.blobs.open(key);
    return { bytes: blob.size, body: blob.stream(0, blob.size, key) };
  }

  private cached(key: string): PackIndex | undefined {
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    // most recently used goes last
    this.cache.delete(key);
    this.cache.set(key, hit);
    return hit.index;
  }

  private async index(blob: OpenBlob, name: string): Promise<PackIndex> {
    const hit = this.cached(blob.key);
    if (hit) return hit;
    const index = await readPackIndex(blob.handle, name);
    const cost = index.tableBytes + INDEX_OVERHEAD_BYTES;
    const budget = this.o.cacheBytes ?? INDEX_CACHE_BYTES;
    if (cost <= budget && !this.cache.has(blob.key)) {
      this.cache.set(blob.key, { index, cost });
      this.cachedBytes += cost;
      for (const [k, v] of this.cache) {
        if (this.cachedBytes <= budget) break;
        this.cache.delete(k);
        this.cachedBytes -= v.cost;
      }
    }
    return index;
  }
}
