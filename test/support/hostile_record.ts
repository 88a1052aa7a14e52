// What a hostile participant can put in a record folder (a pull request's checkout, an unpacked
// upload), made at test time by tampering with a valid record (original_record.ts, atlas_record.ts):
// one file swapped for a symbolic link to a secret outside the folder, a named pipe, a link to
// /dev/zero, or a sparse file over its size limit; a folder swapped for a link to one outside.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { originalLog } from "./original_record.js";

/** A string that stands for a secret: it must appear in no output, report or site page. */
export const SECRET = "PGOLF-SECRET-do-not-publish-4f1c9a";

export interface Secrets {
  /** A folder outside every record, holding the secrets. */
  dir: string;
  /** A training log whose lines carry SECRET: what a reader that follows a link to it would parse and show. */
  log: string;
  /** A JSON object that carries SECRET in the fields a record page shows (name, author, blurb). */
  json: string;
  /** Plain text (a private key's stand-in). */
  text: string;
}

/** Writes the secrets into `dir` (made if missing), outside any record folder. */
export function writeSecrets(dir: string): Secrets {
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, "secret_train.log");
  fs.writeFileSync(log, `${SECRET}\n${originalLog(4242, 0.9999, {})}${SECRET}\n`);
  const json = path.join(dir, "secret.json");
  fs.writeFileSync(json, JSON.stringify({ name: SECRET, author: SECRET, github_id: SECRET, blurb: SECRET, date: "2026-03-20T00:00:00Z", val_bpb: 1.1 }, null, 2) + "\n");
  const text = path.join(dir, "id_rsa");
  fs.writeFileSync(text, `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET}\n-----END OPENSSH PRIVATE KEY-----\n`);
  return { dir, log, json, text };
}

/** Replaces `file` (or folder) with a symbolic link to `target`. */
export function swapForLink(file: string, target: string): void {
  fs.rmSync(file, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(target, file);
}

/** Replaces `file` with a named pipe no one writes to: a reader that opens it waits forever. */
export function swapForFifo(file: string): void {
  fs.rmSync(file, { force: true });
  const r = spawnSync("mkfifo", [file]);
  if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.stderr?.toString() ?? r.error?.message}`);
}

/** Extends `file` to `bytes` with a hole: its content stays at the start, and the disk holds only that. */
export function growSparse(file: string, bytes: number): void {
  fs.truncateSync(file, bytes);
}
