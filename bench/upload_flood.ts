// The hostile half of bench/serve_load.ts, in a process of its own so that its client work does not
// stall the readers' event loop: every token in PGOLF_FLOOD_TOKENS (comma-separated) runs
// PGOLF_FLOOD_PER_TOKEN uploaders, each POSTing maximum-size packs to PGOLF_FLOOD_URL one after the
// other until stdin says "stop". A pack is 64 MiB (the upload limit) of 1,024 incompressible files
// (the pack's file limit) and no submission.json: the server reads the whole body, hashes it and
// unpacks every file before it can refuse it, the most an upload can cost. Prints one JSON line:
// the answers by status, the uploads sent and the bytes.
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import { MAX_PACK_FILES, packRecordFiles } from "../src/artifact/pack.js";
import { MAX_UPLOAD_BYTES } from "../src/server/contest_routes.js";

/** The largest pack the upload route takes: MAX_PACK_FILES files of equal size, the table included. */
export function maxSizePack(): Buffer {
  let each = Math.floor(MAX_UPLOAD_BYTES / MAX_PACK_FILES);
  for (;;) {
    const files = Array.from({ length: MAX_PACK_FILES }, (_, i) => ({ path: `padding/${String(i).padStart(4, "0")}.bin`, data: randomBytes(each) }));
    const pack = packRecordFiles(files);
    if (pack.length <= MAX_UPLOAD_BYTES) return pack;
    each -= Math.ceil((pack.length - MAX_UPLOAD_BYTES) / MAX_PACK_FILES);
  }
}

function post(url: URL, token: string, body: Buffer, agent: http.Agent, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent, localAddress, headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

const url = new URL("/api/submissions", process.env.PGOLF_FLOOD_URL);
const tokens = (process.env.PGOLF_FLOOD_TOKENS ?? "").split(",").filter(Boolean);
const perToken = Number(process.env.PGOLF_FLOOD_PER_TOKEN ?? 2);
const pack = maxSizePack();
const agent = new http.Agent({ keepAlive: false });
let stop = false;
process.stdin.on("data", (d: Buffer) => {
  if (d.toString().includes("stop")) stop = true;
});
const statuses: Record<string, number> = {};
let sent = 0;
process.stdout.write(`ready ${pack.length}\n`);
await Promise.all(
  tokens.flatMap((token, i) =>
    Array.from({ length: perToken }, async () => {
      while (!stop) {
        // each account from an address of its own (127.2.0.x): one address may hold only 8 uploads
        // at once (intake.ts), so a flood from one address would be refused before it cost anything
        const status = await post(url, token, pack, agent, `127.2.0.${i + 1}`);
        sent++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        // a refused client comes straight back, as a hostile one would (no back-off)
      }
    }),
  ),
);
process.stdout.write(JSON.stringify({ sent, pack_bytes: pack.length, statuses }) + "\n");
process.exit(0);
