// The resume policy over real sockets: a plain HTTP file server (Range, If-Range, ETag) with faults
// a network has: a connection cut mid-body, a server that ignores Range, a file that changes between
// two attempts, content that does not match the manifest.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { withScriptedServer } from "../../test/support/scripted_server.js";
import { downloadFile } from "./http_download.js";

const dir = tempDir("pgolf-download-");
let n = 0;
const dest = () => path.join(dir, `${n++}`, "file.bin");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface FileServer {
  content: Buffer;
  etag: string;
  /** Cut the connection after this many body bytes, for the next `cuts` answers. */
  cutAfter?: number;
  cuts?: number;
  ignoreRange?: boolean;
}

/** GET with Range and If-Range (a strong ETag), as a CDN answers, with the faults of `f`. */
function fileServer(f: FileServer) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const useRange = m !== null && !f.ignoreRange && (ifRange === undefined || ifRange === f.etag);
    const start = useRange ? Number(m[1]) : 0;
    const body = f.content.subarray(start);
    const headers: Record<string, string | number> = { etag: f.etag, "accept-ranges": "bytes", "content-length": body.length };
    if (useRange) headers["content-range"] = `bytes ${start}-${f.content.length - 1}/${f.content.length}`;
    res.writeHead(useRange ? 206 : 200, headers);
    if (f.cuts && f.cutAfter !== undefined && f.cutAfter < body.length) {
      f.cuts--;
      res.write(body.subarray(0, f.cutAfter), () => setImmediate(() => res.socket?.destroy()));
      return;
    }
    res.end(body);
  };
}

const fast = { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 10_000 };

test("a connection cut mid-body is resumed from the partial file with Range: bytes=N-", async () => {
  const content = randomBytes(1_000_000);
  const f: FileServer = { content, etag: '"v1"', cutAfter: 300_000, cuts: 1 };
  await withScriptedServer(fileServer(f), async (url, log) => {
    const out = dest();
    const r = await downloadFile({ url, dest: out, version: "v1", size: content.length, expectedSha256: sha(content), ...fast });
    assert.equal(log.length, 2);
    assert.equal(log[0].headers.range, undefined);
    const m = /^bytes=(\d+)-$/.exec(log[1].headers.range ?? "");
    assert.ok(m, `second request asked ${log[1].headers.range}`);
    const from = Number(m[1]);
    assert.ok(from > 0 && from <= 300_000, `resumed from ${from}`);
    assert.equal(log[1].headers["if-range"], '"v1"', "If-Range carries the ETag of the answer that sent the bytes");
    assert.equal(r.resumedFrom, from);
    assert.equal(r.sha256, sha(content));
    assert.ok(fs.readFileSync(out).equals(content));
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["file.bin"]);
  });
});

test("a partial file left by an earlier call is continued with Range by the next", async () => {
  const content = randomBytes(800_000);
  const f: FileServer = { content, etag: '"v1"', cutAfter: 250_000, cuts: 1 };
  await withScriptedServer(fileServer(f), async (url, log) => {
    const out = dest();
    const o = { url, dest: out, version: "v1", size: content.length, expectedSha256: sha(content), ...fast };
    await rejectsWith(downloadFile({ ...o, attempts: 1 }), "FETCH_HTTP", (e) => {
      assert.match(e.message, /the connection broke after \d+ of 800000 bytes/);
      assert.match(e.fix!, /will be resumed/);
    });
    assert.equal(fs.existsSync(out), false, "nothing under the final name");
    const kept = fs.statSync(`${out}.part`).size;
    assert.ok(kept > 0 && kept <= 250_000);
    const r = await downloadFile(o);
    assert.equal(log.at(-1)!.headers.range, `bytes=${kept}-`);
    assert.equal(r.resumedFrom, kept);
    assert.ok(fs.readFileSync(out).equals(content));
  });
});

test("a server that ignores Range (200, not 206) restarts the file from byte 0", async () => {
  const content = randomBytes(600_000);
  const f: FileServer = { content, etag: '"v1"', cutAfter: 200_000, cuts: 1, ignoreRange: true };
  await withScriptedServer(fileServer(f), async (url, log) => {
    const out = dest();
    const seen: number[] = [];
    const r = await downloadFile({ url, dest: out, version: "v1", expectedSha256: sha(content), onProgress: (p) => seen.push(p.received), ...fast });
    assert.match(log[1].headers.range ?? "", /^bytes=[1-9]\d*-$/);
    assert.equal(r.resumedFrom, 0);
    assert.ok(seen.includes(0) && seen.indexOf(0, 1) > 0, "progress dropped to 0 at the restart");
    assert.ok(fs.readFileSync(out).equals(content));
  });
});

test("a file that changed between attempts (If-Range does not match) restarts, and the manifest's sha256 decides", async () => {
  const v1 = randomBytes(500_000);
  const v2 = randomBytes(500_000);
  const f: FileServer = { content: v1, etag: '"v1"', cutAfter: 200_000, cuts: 1 };
  await withScriptedServer(
    (req, res) => {
      fileServer(f)(req, res);
      // the file changes once the first answer is sent
      Object.assign(f, { content: v2, etag: '"v2"' });
    },
    async (url, log) => {
      // a manifest that names v2: the restarted whole file is accepted
      const out = dest();
      const r = await downloadFile({ url, dest: out, version: "manifest-1", expectedSha256: sha(v2), ...fast });
      assert.equal(log[1].headers["if-range"], '"v1"');
      assert.equal(r.resumedFrom, 0);
      assert.ok(fs.readFileSync(out).equals(v2));
    },
  );
  Object.assign(f, { content: v1, etag: '"v1"', cutAfter: 200_000, cuts: 1 });
  await withScriptedServer(
    (req, res) => {
      fileServer(f)(req, res);
      Object.assign(f, { content: v2, etag: '"v2"' });
    },
    async (url) => {
      // a manifest that names v1: the changed file is refused, and nothing is left behind
      const out = dest();
      await rejectsWith(downloadFile({ url, dest: out, version: "manifest-1", expectedSha256: sha(v1), ...fast }), "CHECKSUM_MISMATCH", (e) => assert.equal(e.details?.actual, sha(v2)));
      assert.deepEqual(fs.readdirSync(path.dirname(out)), []);
    },
  );
});

test("a checksum or size mismatch is refused: no final file, no partial file", async () => {
  const content = randomBytes(100_000);
  await withScriptedServer(fileServer({ content, etag: '"v1"' }), async (url, log) => {
    const out = dest();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, "the old version");
    await rejectsWith(downloadFile({ url, dest: out, expectedSha256: "0".repeat(64), ...fast }), "CHECKSUM_MISMATCH", (e) => {
      assert.equal(e.details?.expected, "0".repeat(64));
      assert.equal(e.file, url);
    });
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["file.bin"]);
    assert.equal(fs.readFileSync(out, "utf8"), "the old version", "the old file is untouched");
    await rejectsWith(downloadFile({ url, dest: out, size: 100_000, expectedSize: 99_999, ...fast }), "SIZE_MISMATCH", (e) => assert.deepEqual(e.details, { expected: 99_999, actual: 100_000 }));
    assert.equal(log.length, 1, "a size known to be wrong is refused before downloading");
    await rejectsWith(downloadFile({ url, dest: out, expectedSize: 99_999, ...fast }), "SIZE_MISMATCH");
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ["file.bin"]);
  });
});
