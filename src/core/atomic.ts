// Atomic file writes: data goes to a temporary file beside the target, is flushed to disk, and is
// renamed over the target only when complete. A crash leaves either the old file or the new one,
// never half of one. Temporary names start with `.tmp-` so cleanups can find them.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { PgolfError } from "./error.js";

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}`);
}

/** Writes `data` to `target` atomically, creating parent directories. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fh = await fsp.open(tmp, "w");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new PgolfError("FILE_WRITE", `could not write: ${(e as Error).message}`, {
      file: target,
      fix: "check that the directory is writable and the disk has space",
      cause: e,
    });
  }
}

/**
 * A file being written in pieces that appears under its final name only on `commit()`.
 * `abort()` (or a failed commit) removes the temporary file.
 */
export class AtomicFileWriter {
  readonly target: string;
  readonly tempPath: string;
  private fd: number;
  private done = false;
  bytesWritten = 0;

  private constructor(target: string, tempPath: string, fd: number) {
    this.target = target;
    this.tempPath = tempPath;
    this.fd = fd;
  }

  static open(target: string): AtomicFileWriter {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    try {
      return new AtomicFileWriter(target, tmp, fs.openSync(tmp, "w"));
    } catch (e) {
      throw new PgolfError("FILE_WRITE", `could not create a temporary file: ${(e as Error).message}`, {
        file: target,
        fix: "check that the directory is writable",
        cause: e,
      });
    }
  }

  write(data: Uint8Array): void {
    let off = 0;
    while (off < data.byteLength) off += fs.writeSync(this.fd, data, off, data.byteLength - off);
    this.bytesWritten += data.byteLength;
  }

  /** Writes `data` at absolute `position` (used to patch headers once counts are known). */
  writeAt(data: Uint8Array, position: number): void {
    let off = 0;
    while (off < data.byteLength) off += fs.writeSync(this.fd, data, off, data.byteLength - off, position + off);
  }

  commit(): void {
    if (this.done) return;
    this.done = true;
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      fs.renameSync(this.tempPath, this.target);
    } catch (e) {
      fs.rmSync(this.tempPath, { force: true });
      throw new PgolfError("FILE_WRITE", `could not finish writing: ${(e as Error).message}`, {
        file: this.target,
        fix: "check that the disk has space",
        cause: e,
      });
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tempPath, { force: true });
  }
}
