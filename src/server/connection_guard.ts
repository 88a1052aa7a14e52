// Limits on what one client can hold at the connection level, before any route runs: how many
// connections one address keeps open, how many the whole server keeps, how long a connection may
// take to send its headers, and how many requests one connection may send without reading the
// answers (HTTP pipelining). Blind attacks found each of these open:
// - 21,000 idle (or slowloris) connections from one address took every file descriptor for 20 s:
//   the server reset the connections of everyone else;
// - 20 connections each pipelining 50,000 GETs without reading made /healthz time out (3 s), since
//   Node parses every request of a received chunk and answers each.
// The limits are the server's, not a route's: they are set on the node:http server by createApp.
import type * as http from "node:http";
import * as fs from "node:fs";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** Connections open at once from one address (an IPv6 address counts by its /64). */
  perAddress: number;
  /** New connections one address may open per second, on average (bursts of twice as many pass). */
  connectionsPerSecond: number;
  /** Connections open at once in all; past it Node drops new ones unanswered. */
  maxConnections: number;
  /** Requests one connection may have unanswered at once (pipelined); past it the connection is closed. */
  maxPipelined: number;
  /**
   * How long an address whose connection was closed for pipelining is refused new connections, ms.
   * Closing the connection stops the routes, not Node's parser: it still turns the rest of the 64 KiB
   * it read into requests (~1,300 short GETs, ~40 ms of the event loop), so an address that could
   * reconnect at once would buy 40 ms of the server per connection.
   */
  pipeliningBanMs: number;
  /** Requests one connection may send in its life; then Node answers with `Connection: close`. */
  requestsPerConnection: number;
  /** Time a connection has to send a request's headers, from its first byte or its last answer, ms. */
  headersTimeoutMs: number;
}

/**
 * The defaults. 64 connections per address: a browser opens 6 per host, and a class behind one NAT
 * address still fits. All connections: 4096, or the process's open-file limit less 256 for the
 * database, blobs and intake when that is lower (a server at its fd limit fails everything else).
 * Pipelining: browsers and Node's fetch never pipeline; 8 leaves room for clients that do. 100 new
 * connections a second per address: a browser loading a page opens 6; the limit is for a client that
 * opens connections to make the server parse what each carries (a connection closed for pipelining
 * still costs the server the parsing of the 64 KiB it read: ~2,000 requests, 2-10 ms).
 */
export function defaultConnectionLimits(): ConnectionLimits {
  return { perAddress: 64, connectionsPerSecond: 100, maxConnections: Math.max(64, Math.min(4096, openFileLimit() - 256)), maxPipelined: 8, pipeliningBanMs: 30_000, requestsPerConnection: 1000, headersTimeoutMs: 10_000 };
}

/** The soft limit on open files (/proc/self/limits on Linux; 1024, the usual default, elsewhere). */
export function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"));
    if (m) return m[1] === "unlimited" ? 1 << 20 : Number(m[1]);
  } catch {
    // not Linux
  }
  return 1024;
}

/** The address a connection is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by its /64 prefix. */
export function addressKey(remote: string | undefined): string {
  if (!remote) return "?";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1];
  if (!remote.includes(":")) return remote;
  // expand "::" to reach the first four groups (the /64 one host can change within)
  const [head, tail = ""] = remote.toLowerCase().split("%")[0].split("::");
  const h = head ? head.split(":") : [];
  const t = remote.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

const PENDING = Symbol("pgolf.pending");
type Counted = Socket & { [PENDING]?: number };

/** The answer a connection over its address's limit gets before it is closed (written raw: no request was read). */
function refusal(message: string): Buffer {
  const body = JSON.stringify({
    error: {
      code: "PGOLF_HTTP_BUSY", // HTTP_BUSY in core/error.ts, as errorResponse would write it
      message,
      file: null,
      fix: "close idle connections (reuse one keep-alive connection) and retry in a few seconds",
    },
  });
  return Buffer.from(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nretry-after: 5\r\nconnection: close\r\n\r\n${body}`);
}

export interface ConnectionGuard {
  /** Connections open now, by address key. */
  open(): Map<string, number>;
  /** Connections refused so far for their address's limits (open at once, opened a second, shut out for pipelining), and closed for pipelining too deep. */
  refused: { perAddress: number; rate: number; pipelined: number; banned: number };
}

/**
 * Applies the limits to a node:http server made without a request listener, and serves its requests
 * with `listener`. Call before it listens. A connection over its address's limits gets a 503 and is
 * closed before the HTTP layer reads from it. A connection with more than `maxPipelined` requests
 * unanswered is closed (the answers it waits for are lost, which no client that reads its answers
 * ever meets), and its address is refused new connections for `pipeliningBanMs`.
 */
export function guardConnections(server: http.Server, limits: ConnectionLimits, listener: http.RequestListener): ConnectionGuard {
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.requestsPerConnection;
  server.headersTimeout = limits.headersTimeoutMs;
  const open = new Map<string, number>();
  const refused = { perAddress: 0, rate: 0, pipelined: 0, banned: 0 };
  /** Addresses refused new connections until a time (performance.now() ms), for pipelining. */
  const banned = new Map<string, number>();
  // a token bucket per address: `connectionsPerSecond` tokens a second, up to twice that held
  const buckets = new Map<string, { tokens: number; at: number }>();
  const burst = 2 * limits.connectionsPerSecond;
  const take = (key: string): boolean => {
    const now = performance.now();
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * limits.connectionsPerSecond);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
  // full buckets are forgotten (an address that stopped connecting), so the map holds only recent addresses
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [k, b] of buckets) if (b.tokens + ((now - b.at) / 1000) * limits.connectionsPerSecond >= burst) buckets.delete(k);
    for (const [k, t] of banned) if (now >= t) banned.delete(k);
  }, 10_000);
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
  // before the HTTP layer's own listener, so a refused connection is never parsed
  server.prependListener("connection", (socket: Socket) => {
    const key = addressKey(socket.remoteAddress);
    const n = open.get(key) ?? 0;
    const until = banned.get(key);
    if (until !== undefined && performance.now() >= until) banned.delete(key);
    const why = banned.has(key)
      ? `a connection from this address pipelined more than ${limits.maxPipelined} requests without reading the answers; it may connect again in ${Math.ceil(((until ?? 0) - performance.now()) / 1000)} s`
      : n >= limits.perAddress ? `this address has ${n} connections open to the server, its limit` : !take(key) ? `this address opened over ${limits.connectionsPerSecond} connections a second, its limit` : null;
    if (why) {
      if (banned.has(key)) refused.banned++;
      else if (n >= limits.perAddress) refused.perAddress++;
      else refused.rate++;
      socket.on("error", () => undefined);
      socket.write(refusal(why));
      socket.destroy();
      return;
    }
    open.set(key, n + 1);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket as Counted;
    // Node parses every request of a chunk it has read (64 KiB: ~2,000 short GETs) even once the
    // socket is destroyed: those are dropped here, before any route runs
    if (socket.destroyed) return;
    const pending = (socket[PENDING] ?? 0) + 1;
    socket[PENDING] = pending;
    if (pending > limits.maxPipelined) {
      refused.pipelined++;
      banned.set(addressKey(socket.remoteAddress), performance.now() + limits.pipeliningBanMs);
      socket.destroy();
      return;
    }
    let done = false;
    const answered = () => {
      if (done) return;
      done = true;
      socket[PENDING] = (socket[PENDING] ?? 1) - 1;
    };
    res.once("finish", answered);
    res.once("close", answered);
    listener(req, res);
  });
  return { open: () => new Map(open), refused };
}
