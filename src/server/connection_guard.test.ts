// The connection limits (connection_guard.ts) on a real node:http server made by createApp, over
// real TCP from several loopback addresses (127.0.0.x: each an address of its own to the server).
import assert from "node:assert/strict";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createApp } from "./app.js";
import { addressKey, type ConnectionGuard, type ConnectionLimits } from "./connection_guard.js";
import { SiteCache } from "./site_cache.js";

interface Served {
  port: number;
  guard: ConnectionGuard;
  hits: () => number;
  close: () => Promise<void>;
}

async function serve(limits: Partial<ConnectionLimits>): Promise<Served> {
  let hits = 0;
  const { server, guard } = createApp({
    site: new SiteCache(),
    connections: limits,
    mount: (app) => app.get("/hit", (c) => (hits++, c.text("hit"))),
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    guard,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A raw connection from `from`; `first` resolves with the first status line's code (0 when it closed without one). */
function open(port: number, from: string): { socket: net.Socket; first: Promise<number>; text: () => string; closed: Promise<number> } {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress: from });
  let head = "";
  const t = performance.now();
  socket.on("error", () => undefined);
  const first = new Promise<number>((resolve) => {
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) resolve(Number(m[1]));
    });
    socket.on("close", () => resolve(0));
  });
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(performance.now() - t)));
  return { socket, first, text: () => head, closed };
}

const within = <T>(p: Promise<T>, ms: number, otherwise: T) => Promise.race([p, sleep(ms).then(() => otherwise)]);

async function get(port: number, from: string, p = "/hit"): Promise<number> {
  const c = open(port, from);
  c.socket.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const status = await within(c.first, 5000, -1);
  c.socket.destroy();
  return status;
}

describe("connection limits", () => {
  let s: Served;
  before(async () => {
    s = await serve({ perAddress: 4, maxPipelined: 8, headersTimeoutMs: 1000 });
  });
  after(() => s.close());

  test("one address keeps at most perAddress connections: the next is answered 503 with a stable code and closed, before it is read; others are served", async () => {
    const held = [1, 2, 3, 4].map(() => open(s.port, "127.0.0.3"));
    await sleep(100);
    assert.equal(s.guard.open().get("127.0.0.3"), 4);
    const fifth = open(s.port, "127.0.0.3");
    assert.equal(await within(fifth.first, 2000, -1), 503);
    assert.match(fifth.text(), /"code":"PGOLF_HTTP_BUSY"/);
    assert.match(fifth.text(), /retry-after: 5/i);
    await within(fifth.closed, 2000, -1);
    assert.ok(fifth.socket.destroyed || fifth.socket.readableEnded, "the refused connection is closed");
    // another address is served meanwhile
    assert.equal(await get(s.port, "127.0.0.4"), 200);
    // a held one hangs up: the address gets its place back
    held[0].socket.destroy();
    await held[0].closed;
    await sleep(50);
    assert.equal(await get(s.port, "127.0.0.3"), 200);
    for (const h of held) h.socket.destroy();
  });

  test("a connection that sends no request, or its headers a line at a time, is closed at the headers timeout (checked every second)", async () => {
    const idle = open(s.port, "127.0.0.5");
    const slow = open(s.port, "127.0.0.5");
    slow.socket.write("GET /hit HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => slow.socket.write("X-Drip: 1\r\n"), 200);
    try {
      const [idleMs, slowMs] = await Promise.all([within(idle.closed, 6000, -1), within(slow.closed, 6000, -1)]);
      assert.ok(idleMs > 0 && idleMs < 3000, `the idle connection lived ${idleMs} ms (headers timeout 1000 ms)`);
      assert.ok(slowMs > 0 && slowMs < 3000, `the slowloris connection lived ${slowMs} ms (headers timeout 1000 ms)`);
      assert.equal(await slow.first, 408);
    } finally {
      clearInterval(drip);
    }
  });

  test("a connection pipelining thousands of requests it never reads is closed after a bounded number of them, and others are served meanwhile", async () => {
    assert.equal(await get(s.port, "127.0.0.7"), 200); // warm
    const before = s.hits();
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const flood = open(s.port, "127.0.0.6");
    flood.socket.pause(); // never reads the answers
    flood.socket.write(Buffer.from("GET /hit HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20_000)));
    const t = performance.now();
    const other = await get(s.port, "127.0.0.7");
    const otherMs = performance.now() - t;
    assert.equal(other, 200);
    assert.ok((await within(flood.closed, 5000, -1)) > 0, "the pipelining connection is closed");
    await sleep(100);
    lag.disable();
    const handled = s.hits() - before - 1;
    // the 9th unanswered request closes the connection; Node still parses the rest of the chunk it
    // read (~2,000 requests), and each is dropped before a route runs
    assert.ok(handled <= 8, `the server ran ${handled} of 20,000 pipelined requests`);
    assert.ok(s.guard.refused.pipelined >= 1);
    // the address is shut out for a while (its next connection is refused before it is read); others are not
    assert.equal(await get(s.port, "127.0.0.6"), 503);
    assert.ok(s.guard.refused.banned >= 1);
    assert.equal(await get(s.port, "127.0.0.9"), 200);
    console.log(`connection_guard: 20,000 pipelined requests on one connection: ${handled} ran before it was closed; another client answered in ${otherMs.toFixed(1)} ms; the event loop's longest delay ${(lag.max / 1e6).toFixed(1)} ms`);
  });

  test("a keep-alive client sending requests one after another is never cut", async () => {
    const c = open(s.port, "127.0.0.8");
    let text = "";
    c.socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    for (let i = 0; i < 50; i++) {
      const n = (text.match(/HTTP\/1\.1 200/g) ?? []).length;
      c.socket.write("GET /hit HTTP/1.1\r\nHost: x\r\n\r\n");
      for (let w = 0; w < 100 && (text.match(/HTTP\/1\.1 200/g) ?? []).length === n; w++) await sleep(5);
    }
    assert.equal((text.match(/HTTP\/1\.1 200/g) ?? []).length, 50);
    assert.equal(c.socket.destroyed, false);
    c.socket.destroy();
  });
});

test("the whole server keeps at most maxConnections: past it new connections are dropped, whatever their address", async () => {
  const s = await serve({ perAddress: 100, maxConnections: 6 });
  try {
    const held = Array.from({ length: 6 }, (_, i) => open(s.port, `127.0.1.${i + 1}`));
    await sleep(200);
    const seventh = open(s.port, "127.0.1.50");
    seventh.socket.write("GET /hit HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(await within(seventh.first, 3000, -1), 0, "dropped unanswered");
    held[0].socket.destroy();
    await held[0].closed;
    await sleep(50);
    assert.equal(await get(s.port, "127.0.1.51"), 200);
    for (const h of held) h.socket.destroy();
  } finally {
    await s.close();
  }
});

test("one address opens at most connectionsPerSecond new connections a second (bursts of twice as many): the rest are refused with 503 and closed", async () => {
  const s = await serve({ perAddress: 1000, connectionsPerSecond: 10 });
  try {
    // each connection asks and hangs up at once: only the rate counts here, not how many are open
    const burst = await Promise.all(Array.from({ length: 30 }, () => get(s.port, "127.0.2.1", "/hit")));
    assert.equal(burst.filter((x) => x === 200).length, 20, `a burst of 30: ${burst.join(" ")}`);
    assert.equal(burst.filter((x) => x === 503).length, 10, `a burst of 30: ${burst.join(" ")}`);
    assert.equal(s.guard.refused.rate, 10);
    assert.equal(await get(s.port, "127.0.2.2"), 200, "another address is not affected");
    await sleep(300); // 3 tokens back
    assert.equal(await get(s.port, "127.0.2.1"), 200);
  } finally {
    await s.close();
  }
});

test("addresses are counted as IPv4, IPv4 mapped into IPv6 as the IPv4 address, and IPv6 by its /64", () => {
  assert.equal(addressKey("127.0.0.1"), "127.0.0.1");
  assert.equal(addressKey("::ffff:10.1.2.3"), "10.1.2.3");
  assert.equal(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(addressKey(undefined), "?");
});
