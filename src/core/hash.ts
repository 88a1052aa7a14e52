// sha256 of files and buffers, streamed so that a 200 MB shard never sits in memory at once.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { PgolfError } from "./error.js";

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } catch (e) {
    throw new PgolfError("FILE_READ", `could not read for hashing: ${(e as Error).message}`, { fix: "check that the file exists and is readable (permissions), then run the command again", file, cause: e });
  }
  return h.digest("hex");
}
