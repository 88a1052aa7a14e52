// pgolf serve's library function, called directly: a leaderboard-only server on a records root
// answers on its URL, and a port already taken is a usage error naming the fix, with nothing left open.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { isPgolfError } from "../core/error.js";
import { serveContest } from "./serve_contest.js";

test("serveContest: the leaderboard of a records root on its URL; a taken port is USAGE with the fix", { timeout: 60_000 }, async () => {
  const records = tempDir();
  const s = await serveContest({ records, port: 0, env: {} });
  try {
    assert.equal(s.data, null, "a records root alone hosts no contest");
    assert.equal(s.embedded_db, null);
    assert.equal(s.admin_token, null);
    const res = await fetch(s.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<html/i);
    const port = Number(new URL(s.url).port);
    await assert.rejects(serveContest({ records, port, env: {} }), (e) => isPgolfError(e, "USAGE") && new RegExp(`:${port}: EADDRINUSE`).test(e.message) && /--port/.test(e.fix ?? ""));
    await assert.rejects(serveContest({ records, port: 0, env: {}, maxConnectionsPerAddress: 0 }), (e) => isPgolfError(e, "USAGE"));
  } finally {
    await s.server.close();
  }
});
