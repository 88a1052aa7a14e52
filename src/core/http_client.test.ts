// The shared client's policy over real sockets (test/support/scripted_server.ts): Retry-After waited
// for, backoff that gives up with a coded error, which answers are retried for which requests, the
// per-attempt timeout, cancel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rejectsWith } from "../../test/support/errors.js";
import { answer, withScriptedServer } from "../../test/support/scripted_server.js";
import { PgolfError } from "./error.js";
import { answerVerdict, backoffMs, fetchAttempt, parseRetryAfter, readBody, transient, withRetries, type HttpOptions } from "./http_client.js";

/** The shape of every caller: one fetch per attempt, an error answer classified by the policy. */
function getText(url: string, o: HttpOptions & { method?: string } = {}): Promise<string> {
  const method = o.method ?? "GET";
  return withRetries(
    url,
    method,
    async (a) => {
      const res = await fetchAttempt(url, { method, body: method === "POST" ? "{}" : undefined }, a);
      const body = await readBody(res, a);
      if (res.ok) return body.toString("utf8");
      const v = answerVerdict(res, method, o.repeatable);
      const e = new PgolfError("FETCH_HTTP", `HTTP ${res.status}`, { file: url, details: { status: res.status } });
      throw v.retry ? transient(e, v.afterMs) : e;
    },
    { baseDelayMs: 5, maxDelayMs: 20, ...o },
  );
}

test("parseRetryAfter reads seconds and HTTP dates; backoff doubles with jitter up to its cap", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  assert.equal(parseRetryAfter(" 0 "), 0);
  const now = Date.parse("Sat, 05 Dec 2026 07:00:00 GMT");
  assert.equal(parseRetryAfter("Sat, 05 Dec 2026 07:00:10 GMT", now), 10_000);
  assert.equal(parseRetryAfter("Sat, 05 Dec 2026 06:00:00 GMT", now), 0, "a date in the past: no wait");
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter(null), undefined);
  for (let n = 1; n <= 8; n++) {
    const cap = Math.min(1000, 100 * 2 ** (n - 1));
    const d = backoffMs({ baseDelayMs: 100, maxDelayMs: 1000 }, n);
    assert.ok(d >= cap / 2 && d <= cap, `retry ${n}: ${d} ms within [${cap / 2}, ${cap}]`);
  }
});

test("a 503 with Retry-After: 1 is retried after at least 1 s", async () => {
  await withScriptedServer(
    (_req, res, n) => (n === 0 ? answer(res, 503, { error: "busy" }, { "retry-after": "1" }) : answer(res, 200, "ok")),
    async (url, log) => {
      assert.equal(await getText(url), '"ok"');
      assert.equal(log.length, 2);
      assert.ok(log[1].at - log[0].at >= 1000, `waited ${Math.round(log[1].at - log[0].at)} ms`);
    },
  );
});

test("an HTTP-date Retry-After is honoured too", async () => {
  await withScriptedServer(
    (_req, res, n) => (n === 0 ? answer(res, 429, {}, { "retry-after": new Date(Date.now() + 2000).toUTCString() }) : answer(res, 200, "ok")),
    async (url, log) => {
      assert.equal(await getText(url), '"ok"');
      // the date has whole seconds: the wait is at least 1 s of the 2 asked
      assert.ok(log[1].at - log[0].at >= 1000, `waited ${Math.round(log[1].at - log[0].at)} ms`);
    },
  );
});

test("backoff gives up after N attempts with the coded error and the attempts made", async () => {
  await withScriptedServer(
    (_req, res) => answer(res, 502),
    async (url, log) => {
      const seen: number[] = [];
      await rejectsWith(getText(url, { attempts: 3, onRetry: (n) => seen.push(n) }), "FETCH_HTTP", (e) => {
        assert.equal(e.details?.attempts, 3);
        assert.equal(e.details?.status, 502);
        assert.match(e.message, /gave up after 3 attempts/);
        assert.equal(e.file, url);
      });
      assert.equal(log.length, 3);
      assert.deepEqual(seen, [1, 2]);
    },
  );
});

test("a Retry-After over the cap is not waited for: the error says how long the server asked", async () => {
  await withScriptedServer(
    (_req, res) => answer(res, 503, {}, { "retry-after": "3600" }),
    async (url, log) => {
      const t0 = performance.now();
      await rejectsWith(getText(url, { maxRetryAfterMs: 5000 }), "FETCH_HTTP", (e) => {
        assert.equal(e.details?.retryAfterMs, 3_600_000);
        assert.match(e.message, /asks to wait 3600 s/);
      });
      assert.equal(log.length, 1);
      assert.ok(performance.now() - t0 < 1000);
    },
  );
});

test("what is retried: 5xx for GET; a POST only after 503 or a 429 that says when, unless repeatable", async () => {
  const script = [500, 502, 429, 408];
  for (const status of script) {
    await withScriptedServer(
      (_req, res, n) => (n === 0 ? answer(res, status) : answer(res, 200, "ok")),
      async (url, log) => {
        assert.equal(await getText(url), '"ok"', `GET after ${status}`);
        assert.equal(log.length, 2);
      },
    );
    await withScriptedServer(
      (_req, res, n) => (n === 0 ? answer(res, status) : answer(res, 200, "ok")),
      async (url, log) => {
        await rejectsWith(getText(url, { method: "POST" }), "FETCH_HTTP", (e) => assert.equal(e.details?.status, status));
        assert.equal(log.length, 1, `a POST is not repeated after ${status}`);
      },
    );
  }
  await withScriptedServer(
    (_req, res, n) => (n === 0 ? answer(res, 502) : n === 1 ? answer(res, 429, {}, { "retry-after": "0" }) : n === 2 ? answer(res, 503) : answer(res, 200, "ok")),
    async (url, log) => {
      assert.equal(await getText(url, { method: "POST", repeatable: true }), '"ok"');
      assert.equal(log.length, 4, "a repeatable POST: 502, then 429 with Retry-After, then 503");
    },
  );
  await withScriptedServer(
    (_req, res) => answer(res, 404),
    async (url, log) => {
      await rejectsWith(getText(url), "FETCH_HTTP", (e) => assert.equal(e.details?.attempts, undefined));
      assert.equal(log.length, 1, "a 404 is final");
    },
  );
});

test("a refused connection is FETCH_UNREACHABLE, retried for GET, not for a POST", async () => {
  const url = await withScriptedServer(
    () => undefined,
    async (u) => u,
  ); // closed again: nothing listens there now
  const retried: number[] = [];
  await rejectsWith(getText(url, { attempts: 3, onRetry: (n) => retried.push(n), unreachableFix: "check --hub-url" }), "FETCH_UNREACHABLE", (e) => {
    assert.equal(e.details?.code, "ECONNREFUSED");
    assert.equal(e.fix, "check --hub-url");
    assert.equal(e.details?.attempts, 3);
  });
  assert.deepEqual(retried, [1, 2]);
  await rejectsWith(getText(url, { method: "POST", attempts: 3 }), "FETCH_UNREACHABLE", (e) => assert.equal(e.details?.attempts, undefined));
});

test("an answer slower than the per-attempt timeout is FETCH_UNREACHABLE; the next attempt gets it", async () => {
  await withScriptedServer(
    (_req, res, n) => (n === 0 ? setTimeout(() => answer(res, 200, "late"), 1500) : answer(res, 200, "ok")),
    async (url, log) => {
      assert.equal(await getText(url, { timeoutMs: 200 }), '"ok"');
      assert.equal(log.length, 2);
    },
  );
  await withScriptedServer(
    (_req, res) => setTimeout(() => answer(res, 200, "late"), 1500),
    async (url) => {
      await rejectsWith(getText(url, { timeoutMs: 200, attempts: 1 }), "FETCH_UNREACHABLE", (e) => assert.match(e.message, /did not answer within 0\.2 s/));
    },
  );
});

test("a cancel stops a request and a wait between attempts: FETCH_HTTP that says so", async () => {
  await withScriptedServer(
    (_req, res) => answer(res, 503, {}, { "retry-after": "30" }),
    async (url) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = performance.now();
      await rejectsWith(getText(url, { signal: ac.signal }), "FETCH_HTTP", (e) => assert.match(e.message, /cancelled/));
      assert.ok(performance.now() - t0 < 5000);
    },
  );
  await withScriptedServer(
    () => undefined, // never answers
    async (url) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await rejectsWith(getText(url, { signal: ac.signal }), "FETCH_HTTP", (e) => assert.match(e.message, /cancelled/));
    },
  );
});
