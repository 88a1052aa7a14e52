// The contest web application over real HTTP on localhost: the live leaderboard pages and JSON from
// original-format record folders (made at test time, test/support/original_record.ts), conditional requests, errors as JSON with stable codes, and a rebuild when a
// record is added to the folder.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { tempDir } from "../../test/support/fixtures.js";
import { writeRoleRecord } from "../../test/support/original_record.js";
import { startContestServer, type ContestServer } from "./contest_server.js";

const work = tempDir();
const root = path.join(work, "records", "track_10min_16mb");
let s: ContestServer;
let base = "";

before(async () => {
  writeRoleRecord(root, "baseline", "2026-03-17_NaiveBaseline");
  writeRoleRecord(root, "slidingWindow");
  s = await startContestServer({ records: path.join(work, "records") });
  await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
});
after(async () => s?.close());

test("pages, JSON and health over HTTP", async () => {
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get("content-type")!, /text\/html/);
  const html = await index.text();
  assert.match(html, /Naive Baseline/);
  const page = await fetch(`${base}/records/2026-03-17_NaiveBaseline.html`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /1\.2243657/);
  const lb = (await (await fetch(`${base}/api/leaderboard`)).json()) as { tracks: { name: string; records: unknown[] }[] };
  assert.ok(lb.tracks.some((t) => t.name === "10min-16mb" && t.records.length === 2), JSON.stringify(lb.tracks.map((t) => t.name)));
  assert.equal(((await (await fetch(`${base}/healthz`)).json()) as { ok: boolean }).ok, true);
  const head = await fetch(`${base}/`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

test("conditional requests answer 304; unknown paths, traversal and bad encodings are JSON errors", async () => {
  const first = await fetch(`${base}/index.html`);
  const etag = first.headers.get("etag")!;
  assert.ok(etag);
  assert.equal((await fetch(`${base}/index.html`, { headers: { "if-none-match": etag } })).status, 304);
  const missing = await fetch(`${base}/nope.html`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "PGOLF_HTTP_NOT_FOUND");
  assert.equal((await fetch(`${base}/..%2f..%2fpackage.json`)).status, 404);
  assert.equal((await fetch(`${base}/%E0%A4%A`)).status, 400);
  assert.equal((await fetch(`${base}/`, { method: "DELETE" })).status, 404);
});

test("a record added to the folder appears after a refresh, from one consistent build", async () => {
  const v = s.site.version;
  assert.equal(await s.refresh(), false, "nothing changed");
  writeRoleRecord(root, "leakyRelu", "2026-03-23_LeakyReLU_LegalTTT_ParallelMuon");
  assert.equal(await s.refresh(), true);
  assert.equal(s.site.version, v + 1);
  const page = await fetch(`${base}/records/2026-03-23_LeakyReLU_LegalTTT_ParallelMuon.html`);
  assert.equal(page.status, 200);
  const lb = (await (await fetch(`${base}/api/leaderboard`)).json()) as { tracks: { name: string; records: unknown[] }[] };
  assert.equal(lb.tracks.find((t) => t.name === "10min-16mb")!.records.length, 3);
});
