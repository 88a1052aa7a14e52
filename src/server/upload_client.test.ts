// The upload client against a scripted contest server over real sockets: it waits the Retry-After
// of a 503 (database down, intake full) and of a 429 that says when it frees, and gives up at once
// on a 429 that does not (a limit that waiting does not lift).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { tempDir } from "../../test/support/fixtures.js";
import { answer, withScriptedServer } from "../../test/support/scripted_server.js";
import { uploadRecord } from "./upload_client.js";

const record = tempDir("pgolf-upload-");
fs.writeFileSync(path.join(record, "README.md"), "# a record\n");
const error = (code: string, message: string) => ({ error: { code: `PGOLF_${code}`, message, fix: "retry later" } });

test("an upload honours Retry-After on 503 and 429, and sends the same pack again", async () => {
  const script = [
    (res: Parameters<typeof answer>[0]) => answer(res, 503, error("DB_UNAVAILABLE", "the database is down"), { "retry-after": "1" }),
    (res: Parameters<typeof answer>[0]) => answer(res, 429, error("HTTP_RATE_LIMITED", "the last upload was cut off"), { "retry-after": "1" }),
    (res: Parameters<typeof answer>[0]) => answer(res, 201, { id: "s1", status: "checked", repeated: false }),
  ];
  const bodies: Buffer[] = [];
  await withScriptedServer(
    (req, res, n) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.push(Buffer.concat(chunks));
        script[n](res);
      });
    },
    async (url, log) => {
      const retries: string[] = [];
      const sub = await uploadRecord(url, "pg_token", record, { baseDelayMs: 5, onRetry: (_n, e) => retries.push(e.code) });
      assert.equal(sub.id, "s1");
      assert.deepEqual(retries, ["DB_UNAVAILABLE", "HTTP_RATE_LIMITED"]);
      assert.equal(log.length, 3);
      for (const i of [1, 2]) assert.ok(log[i].at - log[i - 1].at >= 1000, `attempt ${i + 1} came ${Math.round(log[i].at - log[i - 1].at)} ms after the last`);
      assert.ok(log.every((r) => r.method === "POST" && r.url === "/api/submissions" && r.headers.authorization === "Bearer pg_token"));
      assert.ok(bodies.every((b) => b.length > 0 && b.equals(bodies[0])), "the same pack each time");
    },
  );
});

test("a 429 without Retry-After is a limit that waiting does not lift: no retry", async () => {
  await withScriptedServer(
    (_req, res) => answer(res, 429, error("HTTP_RATE_LIMITED", "alice has 1 open submissions, the contest's limit")),
    async (url, log) => {
      await rejectsWith(uploadRecord(url, "pg_token", record, { baseDelayMs: 5 }, "s0"), "HTTP_RATE_LIMITED", (e) => {
        assert.match(e.message, /open submissions/);
        assert.equal(e.details?.status, 429);
      });
      assert.equal(log.length, 1);
      assert.equal(log[0].url, "/api/submissions?replaces=s0");
    },
  );
});
