// Webhook deliveries over a real socket: signatures (good, bad, missing, wrong algorithm), replays,
// oversized bodies, events that are not pull requests.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { rejectsWith, throwsCode } from "../../test/support/errors.js";
import { pullRequestPayload, sendWebhook } from "../../test/support/github_server.js";
import { parseDelivery, signBody, verifyWebhook, webhookHandler, type PullRequestEvent, type WebhookHandler } from "./github_webhook.js";

const SECRET = "It's a Secret to Everybody";
const SHA = "a".repeat(40);

test("verifyWebhook accepts GitHub's documented example signature", async () => {
  // From GitHub's "Validating webhook deliveries" page.
  const body = Buffer.from("Hello, World!");
  await verifyWebhook(body, { "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" }, SECRET);
  assert.equal(await signBody(body, SECRET), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
});

test("verifyWebhook refuses bad, missing, malformed and sha1 signatures, and a body that is not UTF-8", async () => {
  const body = Buffer.from('{"a":1}');
  const good = await signBody(body, SECRET);
  await verifyWebhook(body, { "x-hub-signature-256": good }, SECRET);
  await verifyWebhook(body, { "x-hub-signature-256": good.toUpperCase().replace("SHA256=", "sha256=") }, SECRET);
  await rejectsWith(verifyWebhook(Buffer.from('{"a":2}'), { "x-hub-signature-256": good }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature-256": await signBody(body, "other secret") }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, {}, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567" }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature-256": good.replace("sha256=", "sha1=") }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature-256": good.slice(0, -2) }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature-256": "sha256=" + "zz".repeat(32) }, SECRET), "GITHUB_SIGNATURE");
  await rejectsWith(verifyWebhook(body, { "x-hub-signature-256": good }, ""), "GITHUB_SIGNATURE");
  // bytes that are not UTF-8, signed as bytes: the text they decode to is another body
  const latin = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]);
  const { createHmac } = await import("node:crypto");
  await rejectsWith(verifyWebhook(latin, { "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(latin).digest("hex")}` }, SECRET), "GITHUB_SIGNATURE");
});

test("parseDelivery needs a delivery id, an event and a JSON object", () => {
  const body = Buffer.from('{"zen":"hi"}');
  assert.deepEqual(parseDelivery({ "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-event": "ping" }, body), {
    deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    event: "ping",
    payload: { zen: "hi" },
  });
  throwsCode(() => parseDelivery({ "x-github-event": "ping" }, body), "GITHUB_DELIVERY");
  throwsCode(() => parseDelivery({ "x-github-delivery": "x", "x-github-event": "ping" }, Buffer.from("not json")), "GITHUB_DELIVERY");
  throwsCode(() => parseDelivery({ "x-github-delivery": "x", "x-github-event": "ping" }, Buffer.from("[1]")), "GITHUB_DELIVERY");
});

// ---------- the handler over HTTP ----------

let server: http.Server;
let url: string;
let handler: WebhookHandler;
const seen = new Set<string>();
const events: PullRequestEvent[] = [];
const errors: string[] = [];

before(async () => {
  handler = webhookHandler({
    secret: SECRET,
    maxBodyBytes: 64 * 1024,
    seenDelivery: async (id) => {
      const was = seen.has(id);
      seen.add(id);
      return was;
    },
    onPullRequest: async (e) => {
      events.push(e);
    },
    onError: (e) => errors.push(String((e as Error).message)),
  });
  server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/github`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const payload = (action = "opened", number = 7) => pullRequestPayload({ repo: "openai/parameter-golf", number, headSha: SHA, author: "alice", action });

test("a signed pull_request delivery is answered 202 and handed over once, replays are ignored", async () => {
  const before = events.length;
  const first = await sendWebhook(url, { secret: SECRET, event: "pull_request", payload: payload("opened", 11) });
  assert.equal(first.status, 202, first.text);
  await handler.settled();
  const again = await sendWebhook(url, { secret: SECRET, event: "pull_request", payload: payload("opened", 11), deliveryId: first.deliveryId });
  assert.equal(again.status, 200, again.text);
  assert.match(again.text, /handled already/);
  await handler.settled();
  const got = events.slice(before);
  assert.equal(got.length, 1);
  assert.deepEqual(
    { repo: got[0].repo, number: got[0].number, headSha: got[0].headSha, author: got[0].author, action: got[0].action, deliveryId: got[0].deliveryId },
    { repo: "openai/parameter-golf", number: 11, headSha: SHA, author: "alice", action: "opened", deliveryId: first.deliveryId },
  );
});

test("synchronize and reopened are handed over; other actions and events answer 204", async () => {
  const before = events.length;
  for (const action of ["synchronize", "reopened"]) assert.equal((await sendWebhook(url, { secret: SECRET, event: "pull_request", payload: payload(action) })).status, 202);
  for (const action of ["closed", "labeled", "edited"]) assert.equal((await sendWebhook(url, { secret: SECRET, event: "pull_request", payload: payload(action) })).status, 204);
  assert.equal((await sendWebhook(url, { secret: SECRET, event: "ping", payload: { zen: "Keep it logically awesome." } })).status, 204);
  assert.equal((await sendWebhook(url, { secret: SECRET, event: "push", payload: { ref: "refs/heads/main" } })).status, 204);
  await handler.settled();
  assert.deepEqual(
    events.slice(before).map((e) => e.action),
    ["synchronize", "reopened"],
  );
});

test("bad, missing and sha1-only signatures answer 401 and hand nothing over", async () => {
  const before = events.length;
  const body = Buffer.from(JSON.stringify(payload()));
  const cases: { signature?: string | null; headers?: Record<string, string> }[] = [
    { signature: await signBody(body, "wrong secret") },
    { signature: null },
    { signature: null, headers: { "x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567" } },
    { signature: "sha512=" + "ab".repeat(64) },
  ];
  for (const c of cases) {
    const r = await sendWebhook(url, { secret: SECRET, event: "pull_request", body, ...c });
    assert.equal(r.status, 401, r.text);
    assert.match(r.text, /PGOLF_GITHUB_SIGNATURE/);
  }
  await handler.settled();
  assert.equal(events.length, before);
});

test("a body over the limit answers 413, declared or streamed", async () => {
  const before = events.length;
  const big = Buffer.from(JSON.stringify({ ...payload(), padding: "x".repeat(200 * 1024) }));
  const r = await sendWebhook(url, { secret: SECRET, event: "pull_request", body: big });
  assert.equal(r.status, 413);
  // Chunked, with no Content-Length: the limit is enforced while reading.
  const signature = await signBody(big, SECRET);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "x-github-event": "pull_request", "x-github-delivery": "chunked-1", "x-hub-signature-256": signature } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (e) => setTimeout(() => reject(e), 500));
    for (let i = 0; i < big.length; i += 16 * 1024) req.write(big.subarray(i, i + 16 * 1024));
    req.end();
  });
  assert.equal(status, 413);
  await handler.settled();
  assert.equal(events.length, before);
});

test("a malformed pull_request payload answers 400; a failing delivery store answers 500 and hands nothing over", async () => {
  const bad = { ...payload(), pull_request: { head: {} } };
  assert.equal((await sendWebhook(url, { secret: SECRET, event: "pull_request", payload: bad })).status, 400);
  assert.equal((await sendWebhook(url, { secret: SECRET, event: "pull_request", body: Buffer.from("{oops") })).status, 400);

  const failing = webhookHandler({
    secret: SECRET,
    seenDelivery: async () => {
      throw new Error("database is down");
    },
    onPullRequest: async () => assert.fail("must not run"),
    onError: () => undefined,
  });
  const s = http.createServer((req, res) => void failing(req, res));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  try {
    const r = await sendWebhook(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, { secret: SECRET, event: "pull_request", payload: payload() });
    assert.equal(r.status, 500);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});
