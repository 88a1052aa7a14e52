// Resumable, verified, atomic downloads over the shared client (http_client.ts): the resume policy.
//
// The bytes stream into `dest + ".part"`; `dest + ".part.json"` keeps what the part is a part of
// (the remote version id the caller gives, e.g. the hub's etag, and the ETag of the answer that sent
// the bytes). A later call, or a retry within the call, continues with `Range: bytes=N-` and
// `If-Range: <that ETag>`:
//   206 from N       the bytes are appended
//   200              the server ignored Range, or the file changed (If-Range): start over from byte 0
//   206 elsewhere, 416, or an ETag that differs: start over, and ask for whole files from then on
// A part of another remote version is never resumed. The file gets its final name (a rename) only
// once its size and sha256 match what was expected (the manifest's, or the server's) and the
// caller's `validate` passed; a content error deletes the part, a network error or a cancel keeps it.
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { PgolfError } from "./error.js";
import { answerVerdict, fetchAttempt, isTransient, networkError, transient, withRetries, type Attempt, type HttpOptions } from "./http_client.js";

export interface DownloadProgress {
  /** The destination file. */
  dest: string;
  /** Bytes of the file on disk so far (drops to 0 when a download has to restart). */
  received: number;
  /** File size in bytes, when known. */
  total: number | undefined;
}

export interface DownloadOptions extends HttpOptions {
  /** What to GET; redirects are followed. */
  url: string;
  /** Final path; the download goes to `dest + ".part"` and is renamed when complete and verified. */
  dest: string;
  /** The remote version (an etag, a content hash): a part of another version is not resumed. None: never resumed. */
  version?: string;
  /** The size the server reported beforehand, when it did. */
  size?: number;
  /** Fails (before downloading, when `size` is known) unless the file has this many bytes. */
  expectedSize?: number;
  /** Fails unless the content has this sha256 (hex). */
  expectedSha256?: string;
  /** Where `expectedSha256` comes from, for the error's details (default "caller"). */
  expectedFrom?: string;
  /** The file's name in messages (a path inside a repository). */
  what?: string;
  /** The URL errors name (default `url`). */
  errorUrl?: string;
  /** Fix of the size and checksum errors. */
  contentFix?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Runs on the complete, checksummed temporary file before the rename; if it throws, the part is deleted. */
  validate?: (tempFile: string) => void | Promise<void>;
  /** The error for an answer that is neither 200 nor 206 (transient when worth another attempt). */
  answerError?: (res: Response) => PgolfError;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Byte offset at which the answer that completed the file started: 0 in one piece (or after a restart), more when resumed. */
  resumedFrom: number;
}

interface PartState {
  url: string;
  /** `version` of the download ("" when none: then never resumed). */
  etag: string;
  size: number | null;
  /** ETag of the answer that sent the bytes, for If-Range. */
  rangeEtag?: string;
}

function writeError(e: unknown, file: string): PgolfError {
  return new PgolfError("FILE_WRITE", `could not write the download: ${(e as Error).message}`, { file, fix: "check that the directory is writable and the disk has space; run again to resume", cause: e });
}

function readPartState(file: string): PartState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as PartState;
    return typeof s.etag === "string" ? s : undefined;
  } catch {
    return undefined;
  }
}

/** `bytes a-b/c` -> {start a, total c (undefined for *)}. */
function parseContentRange(v: string | null): { start: number; total: number | undefined } | undefined {
  const m = v === null ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim());
  return m ? { start: Number(m[1]), total: m[3] === "*" ? undefined : Number(m[3]) } : undefined;
}

/** The sha256 state of the first `bytes` bytes of `file`. */
async function hashPrefix(file: string, bytes: number): Promise<Hash> {
  const h = createHash("sha256");
  if (bytes === 0) return h;
  for await (const chunk of fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h;
}

/** An answer that is neither 200 nor 206, when the caller has no protocol of its own. */
function defaultAnswerError(res: Response): PgolfError {
  const v = answerVerdict(res, "GET");
  const e = new PgolfError(res.status === 404 ? "FETCH_NOT_FOUND" : "FETCH_HTTP", `the server answered HTTP ${res.status}`, { file: res.url, fix: "check the address; a temporary problem passes when run again", details: { status: res.status } });
  return v.retry ? transient(e, v.afterMs) : e;
}

/** Bytes read from the network but not yet written, at most. */
const MAX_QUEUED = 16 << 20;

/** A strong ETag as sent (quotes kept), the only kind If-Range may carry; undefined for none or a weak one. */
const strongEtag = (v: string | null) => (v === null || /^W\//.test(v.trim()) ? undefined : v.trim());

/** A download in progress: the part on disk, its hash, and where the next byte goes. */
class Transfer {
  pos = 0;
  hasher = createHash("sha256");
  resumedFrom = 0;
  rangeUsable = true;
  total: number | undefined;
  /** A restart's truncation of the part, awaited before the next write. */
  truncating: Promise<void> = Promise.resolve();
  constructor(
    readonly o: DownloadOptions,
    readonly fh: fsp.FileHandle,
    readonly state: PartState,
    readonly stateFile: string,
  ) {
    this.total = o.size ?? o.expectedSize;
  }

  report(): void {
    this.o.onProgress?.({ dest: this.o.dest, received: this.pos, total: this.total });
  }

  /** Starts the file over; the truncation is awaited by the next write (no await before a body is read). */
  restart(): void {
    const t = this.fh.truncate(0);
    t.catch(() => undefined); // its failure is reported by the write that awaits it
    this.truncating = t;
    this.pos = 0;
    this.hasher = createHash("sha256");
    this.report();
  }

  /** One GET from `pos`, appending what arrives. True when the file is complete, false when it must start over. */
  async once(a: Attempt): Promise<boolean> {
    const headers: Record<string, string> = {};
    const ranged = this.pos > 0 && this.rangeUsable;
    if (ranged) headers.range = `bytes=${this.pos}-`;
    if (ranged && this.state.rangeEtag) headers["if-range"] = this.state.rangeEtag;
    const res = await fetchAttempt(this.o.url, { headers, redirect: "follow" }, a);
    const etag = strongEtag(res.headers.get("etag"));
    if (res.status === 206 && ranged) {
      const cr = parseContentRange(res.headers.get("content-range"));
      const changed = this.state.rangeEtag !== undefined && etag !== undefined && etag !== this.state.rangeEtag;
      if (!cr || cr.start !== this.pos || changed || (this.total !== undefined && cr.total !== undefined && cr.total !== this.total)) {
        await res.body?.cancel(); // not the range asked for: trust no range of this server again
        this.rangeUsable = false;
        this.restart();
        return false;
      }
    } else if (res.status === 200) {
      if (this.pos > 0) {
        if (!headers["if-range"]) this.rangeUsable = false; // Range ignored (with If-Range, the file may have changed)
        this.restart();
      }
    } else if (res.status === 416 && ranged) {
      await res.body?.cancel();
      this.rangeUsable = false;
      this.restart();
      return false;
    } else {
      await res.body?.cancel();
      throw (this.o.answerError ?? defaultAnswerError)(res);
    }
    if (etag !== undefined && etag !== this.state.rangeEtag) this.saveState({ ...this.state, rangeEtag: etag });
    this.resumedFrom = this.pos;
    const length = Number(res.headers.get("content-length"));
    if (this.total === undefined && res.headers.has("content-length") && Number.isFinite(length)) this.total = this.pos + length;
    await this.body(res, a);
    this.total ??= this.pos; // no size anywhere: the end of the body is the end of the file
    return true;
  }

  /** Synchronous: no await between the answer's head and the first read of its body (see `body`). */
  private saveState(s: PartState): void {
    Object.assign(this.state, s);
    try {
      fs.writeFileSync(this.stateFile, JSON.stringify(this.state) + "\n");
    } catch (e) {
      throw writeError(e, this.stateFile);
    }
  }

  /**
   * Appends the body. The next chunk is asked for before the last is written: a stream that errors
   * (a cut connection) drops the chunks it still holds, so bytes are pulled out of it as they arrive
   * and written behind (at most MAX_QUEUED bytes behind).
   */
  private async body(res: Response, a: Attempt): Promise<void> {
    const o = this.o;
    const url = o.errorUrl ?? o.url;
    const what = o.what ? ` of ${o.what}` : "";
    if (!res.body) return;
    const reader = res.body.getReader();
    let writing = Promise.resolve();
    let failed: unknown;
    let queued = 0;
    let received = this.pos;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        a.alive();
        received += value.byteLength;
        if (this.total !== undefined && received > this.total) {
          throw new PgolfError("SIZE_MISMATCH", `the server sent more than the ${this.total} bytes it declared${what}`, { file: url, fix: "the remote file changed or the server is misbehaving; run the command again", details: { declared: this.total } });
        }
        queued += value.byteLength;
        writing = writing.then(
          async () => {
            if (failed !== undefined) return;
            await this.write(value);
            queued -= value.byteLength;
            a.progressed = true;
            this.report();
          },
          (e: unknown) => void (failed ??= e),
        );
        if (queued > MAX_QUEUED || failed !== undefined) await writing;
        if (failed !== undefined) throw failed;
      }
      await writing;
      if (failed !== undefined) throw failed;
    } catch (e) {
      await reader.cancel().catch(() => undefined);
      await writing.catch((err: unknown) => void (failed ??= err));
      if (failed !== undefined) throw failed;
      if (e instanceof PgolfError || o.signal?.aborted) throw e;
      const pe = networkError(e, url, a, o, true);
      if (a.timedOut || !isTransient(pe)) throw pe;
      throw transient(new PgolfError("FETCH_HTTP", `the connection broke after ${this.pos} of ${this.total ?? "?"} bytes${what}: ${pe.message}`, { file: url, fix: pe.fix, details: { ...pe.details, received: this.pos, total: this.total }, cause: e }));
    }
    if (this.total !== undefined && this.pos < this.total) {
      throw transient(new PgolfError("FETCH_HTTP", `the connection closed after ${this.pos} of ${this.total} bytes${what}`, { file: url, fix: "check your network connection and run the command again", details: { received: this.pos, total: this.total } }));
    }
  }

  private async write(chunk: Uint8Array): Promise<void> {
    await this.truncating.catch((e: unknown) => {
      throw writeError(e, `${this.o.dest}.part`);
    });
    for (let off = 0; off < chunk.byteLength; ) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.byteLength - off, this.pos + off).catch((e: unknown) => {
        throw writeError(e, `${this.o.dest}.part`);
      });
      off += bytesWritten;
    }
    this.hasher.update(chunk);
    this.pos += chunk.byteLength;
  }
}

/** Opens the part: resumed when it is of the same remote version, else started over. */
async function openPart(o: DownloadOptions, part: string, stateFile: string): Promise<{ fh: fsp.FileHandle; start: number; state: PartState }> {
  try {
    fs.mkdirSync(path.dirname(o.dest), { recursive: true });
  } catch (e) {
    throw writeError(e, o.dest);
  }
  const total = o.size ?? o.expectedSize;
  const old = readPartState(stateFile);
  const have = fs.statSync(part, { throwIfNoEntry: false })?.size ?? 0;
  const same = o.version !== undefined && o.version !== "" && old?.etag === o.version && old.size === (o.size ?? null);
  const start = same && have > 0 && (total === undefined || have <= total) ? have : 0;
  const state: PartState = { url: o.url, etag: o.version ?? "", size: o.size ?? null, ...(start > 0 && old?.rangeEtag ? { rangeEtag: old.rangeEtag } : {}) };
  try {
    fs.writeFileSync(stateFile, JSON.stringify(state) + "\n");
    return { fh: await fsp.open(part, start > 0 ? "r+" : "w"), start, state };
  } catch (e) {
    throw writeError(e, part);
  }
}

function discard(part: string, stateFile: string): void {
  fs.rmSync(part, { force: true });
  fs.rmSync(stateFile, { force: true });
}

function sizeError(o: DownloadOptions, actual: number, before: boolean): PgolfError {
  const what = o.what ?? path.basename(o.dest);
  const problem = before ? `the server has ${actual} bytes for ${what}, ${o.expectedSize} were expected` : `downloaded ${actual} bytes of ${what}, ${o.expectedSize} were expected`;
  return new PgolfError("SIZE_MISMATCH", problem, { file: o.errorUrl ?? o.url, fix: o.contentFix ?? "the remote file is not the expected version; check the address", details: { expected: o.expectedSize, actual } });
}

/** Runs the transfer's attempts until the part is complete; a restart starts a fresh count of attempts. */
async function transfer(t: Transfer, part: string): Promise<void> {
  const o = t.o;
  try {
    while (!(await withRetries(o.url, "GET", (a) => t.once(a), o)));
    await t.truncating;
    await t.fh.sync();
  } catch (e) {
    await t.fh.close().catch(() => undefined);
    const pe = e as PgolfError;
    // a content error makes the part useless; anything else (network, cancel, disk) keeps it for resuming
    if (pe.code === "SIZE_MISMATCH" || pe.code === "FETCH_NOT_FOUND") discard(part, t.stateFile);
    if (pe.code !== "FETCH_HTTP" && pe.code !== "FETCH_UNREACHABLE") throw pe;
    throw new PgolfError(pe.code, pe.message, { file: pe.file, fix: `${pe.fix ?? "run the command again"} (${t.pos} bytes are kept in ${part} and will be resumed)`, details: { ...(pe.details ?? {}), partialBytes: t.pos }, cause: pe.cause });
  }
  await t.fh.close();
}

/** Downloads `o.url` to `o.dest`: resumable, retried, verified and atomic (see the top of this file). */
export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  if (o.expectedSize !== undefined && o.size !== undefined && o.size !== o.expectedSize) throw sizeError(o, o.size, true);
  const part = `${o.dest}.part`;
  const stateFile = `${o.dest}.part.json`;
  const { fh, start, state } = await openPart(o, part, stateFile);
  const t = new Transfer(o, fh, state, stateFile);
  t.pos = start;
  t.resumedFrom = start;
  t.hasher = await hashPrefix(part, start).catch(async (e: unknown) => {
    await fh.close();
    throw e;
  });
  t.report();
  await transfer(t, part);

  const sha256 = t.hasher.digest("hex");
  try {
    if (o.expectedSize !== undefined && t.pos !== o.expectedSize) throw sizeError(o, t.pos, false);
    const want = o.expectedSha256?.toLowerCase();
    if (want !== undefined && sha256 !== want) {
      throw new PgolfError("CHECKSUM_MISMATCH", `downloaded ${o.what ?? path.basename(o.dest)} has sha256 ${sha256}, ${want} was expected`, {
        file: o.errorUrl ?? o.url,
        fix: o.contentFix ?? "the download was deleted; run the command again, and if it repeats the server sends a damaged file",
        details: { expected: want, actual: sha256, expectedFrom: o.expectedFrom ?? "caller" },
      });
    }
    await o.validate?.(part);
  } catch (e) {
    discard(part, stateFile);
    throw e;
  }
  try {
    fs.renameSync(part, o.dest);
  } catch (e) {
    throw writeError(e, o.dest);
  }
  fs.rmSync(stateFile, { force: true });
  return { path: o.dest, bytes: t.pos, sha256, resumedFrom: t.resumedFrom };
}
