// Reading a file inside a folder that someone else filled (a record folder from a pull request or an
// upload, a run folder, a corpus), so that the folder cannot make the reader leave it, hang, or fill
// memory. The root is what the user named and is taken as it is (it may itself be a link); below it:
//  - the relative path must stay inside: no "..", not absolute, no empty name;
//  - every component from the root down is lstat'ed: a symbolic link anywhere is refused (a link
//    to /etc/passwd, ~/.ssh/id_rsa or another record's file would be read as this folder's);
//  - the file itself must be a regular file by lstat, so a FIFO, socket or device is never even
//    opened (opening a tape or a terminal can act on it);
//  - it is opened with O_NOFOLLOW (a link swapped in after the lstat fails the open with ELOOP) and
//    O_NONBLOCK (a FIFO swapped in opens at once instead of waiting for a writer), and fstat on the
//    descriptor must show the same regular file the lstat saw, and on Linux /proc/self/fd must show
//    it opened at the path walked (a folder on the way swapped for a link after the walk shows
//    there): what is checked is what is read;
//  - at most maxBytes + 1 bytes are read, so a file over its limit is refused without being loaded
//    whole, even one that grows while it is read.
// A refused file is a PgolfError RECORD_FILE_UNSAFE whose details.reason is one of UnsafeReason;
// a missing file is the file system's own ENOENT error (or null from the *IfExists readers).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PgolfError } from "./error.js";

export type UnsafeReason = "escapes" | "symlink" | "not-a-file" | "too-large";

/** open(2) flags of every confined read. O_NOFOLLOW and O_NONBLOCK are 0 where the platform lacks them. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** Bytes read per readSync call when hashing (1 MiB: few calls, little memory). */
const CHUNK_BYTES = 1024 * 1024;

const FIXES: Record<UnsafeReason, string> = {
  escapes: "name files inside the folder: a relative path with no '..' and no leading '/'",
  symlink: "replace the link with the file or folder itself: a record or run folder holds plain files and folders, never links",
  "not-a-file": "remove it: a record or run folder holds plain files and folders only (no pipes, sockets or devices)",
  "too-large": "leave the file out of the folder or trim it under the limit",
};

function unsafe(root: string, rel: string, reason: UnsafeReason, problem: string, details: Record<string, unknown> = {}): PgolfError {
  return new PgolfError("RECORD_FILE_UNSAFE", `${rel}: ${problem}`, { file: path.join(root, rel), fix: FIXES[reason], details: { reason, path: rel, ...details } });
}

/** Whether `e` is a refusal of a confined read (optionally for one reason). */
export function isUnsafeFile(e: unknown, reason?: UnsafeReason): e is PgolfError {
  return e instanceof PgolfError && e.code === "RECORD_FILE_UNSAFE" && (reason === undefined || e.details?.reason === reason);
}

/** Whether `e` says the file (or a folder on its way) is not there. */
export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The names of `rel` from the root down; throws "escapes" for "..", absolute paths and NUL bytes. */
export function confinedNames(root: string, rel: string): string[] {
  if (rel.includes("\0") || path.isAbsolute(rel) || path.win32.isAbsolute(rel)) throw unsafe(root, rel, "escapes", "the path is absolute, so it leads out of the folder");
  const names = rel.split(/[\\/]+/).filter((n) => n !== "" && n !== ".");
  if (names.includes("..")) throw unsafe(root, rel, "escapes", "the path holds '..', so it leads out of the folder");
  if (names.length === 0) throw unsafe(root, rel, "escapes", "the path names the folder itself, not a file in it");
  return names;
}

function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/**
 * lstat of the file `rel` under root after checking every folder on its way, or null when it is
 * missing. Throws "symlink" when any component (the file too) is a link; does not judge the file's
 * own type (a caller listing may meet folders).
 */
export function lstatConfined(root: string, rel: string): fs.Stats | null {
  const names = confinedNames(root, rel);
  let p = path.resolve(root);
  let st: fs.Stats | undefined;
  for (let i = 0; i < names.length; i++) {
    p = path.join(p, names[i]);
    st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return null;
    const here = names.slice(0, i + 1).join("/");
    if (st.isSymbolicLink()) throw unsafe(root, rel, "symlink", `${i === names.length - 1 ? "it is" : `${here} is`} a symbolic link (pgolf does not follow links in a folder it reads: one could point out of it)`);
    if (i < names.length - 1 && !st.isDirectory()) {
      const e = new Error(`ENOTDIR: ${here} is not a folder`) as NodeJS.ErrnoException;
      e.code = "ENOTDIR";
      throw e;
    }
  }
  return st!;
}

/** The size of a regular file under root, or null when it is missing; throws when it is refused. */
export function fileSizeConfined(root: string, rel: string): number | null {
  const st = lstatConfined(root, rel);
  if (!st) return null;
  if (!st.isFile()) throw unsafe(root, rel, "not-a-file", `it is ${kindOf(st)}, not a regular file`);
  return st.size;
}

/**
 * Opens the regular file `rel` under root (checks above) and runs `use` on the descriptor and the
 * size fstat gives; the descriptor is closed after. Throws ENOENT when the file is missing.
 */
export function withConfinedFile<T>(root: string, rel: string, use: (fd: number, size: number) => T): T {
  const before = lstatConfined(root, rel);
  const file = path.join(path.resolve(root), ...confinedNames(root, rel));
  if (!before) {
    const e = new Error(`ENOENT: no such file, ${file}`) as NodeJS.ErrnoException;
    e.code = "ENOENT";
    throw e;
  }
  if (!before.isFile()) throw unsafe(root, rel, "not-a-file", `it is ${kindOf(before)}, not a regular file`);
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw unsafe(root, rel, "symlink", "it became a symbolic link while it was read");
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw unsafe(root, rel, "not-a-file", `it became ${kindOf(st)} while it was read`);
    if (st.ino !== before.ino || st.dev !== before.dev) throw unsafe(root, rel, "symlink", "it was replaced while it was read");
    const opened = openedPath(fd);
    if (opened !== null && opened !== path.join(fs.realpathSync(root), ...confinedNames(root, rel))) throw unsafe(root, rel, "symlink", "a folder on its way was replaced by a link while it was read");
    return use(fd, st.size);
  } finally {
    fs.closeSync(fd);
  }
}

/** Where descriptor fd really is (Linux's /proc/self/fd), or null where the system does not say. */
function openedPath(fd: number): string | null {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

function tooLarge(root: string, rel: string, maxBytes: number, size: number | null, what: string): PgolfError {
  const bytes = size === null ? "more than that" : `${size.toLocaleString("en-US")} bytes`;
  return unsafe(root, rel, "too-large", `it is ${bytes}, over the ${maxBytes.toLocaleString("en-US")}-byte limit for ${what}`, { max_bytes: maxBytes, ...(size !== null ? { bytes: size } : {}) });
}

/**
 * The whole of the regular file `rel` under root, refused when it is over maxBytes; `what` names the
 * kind of file in that refusal ("a training log").
 */
export function readConfined(root: string, rel: string, maxBytes: number, what = "this file"): Buffer {
  return withConfinedFile(root, rel, (fd, size) => {
    if (size > maxBytes) throw tooLarge(root, rel, maxBytes, size, what);
    // read up to maxBytes + 1: the one byte over proves a file that grew past the limit too large
    const cap = maxBytes + 1;
    let buf = Buffer.allocUnsafe(Math.min(cap, size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length >= cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw tooLarge(root, rel, maxBytes, null, what);
    return buf.subarray(0, n);
  });
}

/** readConfined, or null when the file is missing. */
export function readConfinedIfExists(root: string, rel: string, maxBytes: number, what?: string): Buffer | null {
  try {
    return readConfined(root, rel, maxBytes, what);
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

/** The first `bytes` bytes of the regular file `rel` under root (a sniff, or a capped text): never refused for size. */
export function readConfinedHead(root: string, rel: string, bytes: number): Buffer {
  return withConfinedFile(root, rel, (fd, size) => {
    const buf = Buffer.allocUnsafe(Math.min(bytes, size));
    let n = 0;
    while (n < buf.length) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  });
}

/** sha256 (hex) of the regular file `rel` under root, read in chunks (never held whole), refused over maxBytes. */
export function sha256Confined(root: string, rel: string, maxBytes: number, what = "this file"): string {
  return withConfinedFile(root, rel, (fd, size) => {
    if (size > maxBytes) throw tooLarge(root, rel, maxBytes, size, what);
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, 0, Math.min(buf.length, maxBytes + 1 - n), n);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw tooLarge(root, rel, maxBytes, null, what);
      h.update(buf.subarray(0, got));
    }
    return h.digest("hex");
  });
}
