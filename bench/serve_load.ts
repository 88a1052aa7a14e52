// Load test of the contest server on localhost, bounded and self-stopping: `pgolf serve` on the 47
// original record folders in its own process, then 200 concurrent keep-alive clients for a fixed
// duration (joining over the first half second), each requesting in turn the leaderboard page, /api/leaderboard and a record page. Prints
// requests/s, latency percentiles per route and the error count (which must be 0). Then a burst of
// 100 record uploads at once against `pgolf serve --data`.
// Run alone: node --import tsx bench/serve_load.ts [CLIENTS] [SECONDS]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { packRecordFolder } from "../src/artifact/pack.js";

export interface LoadResult {
  clients: number;
  seconds: number;
  requests: number;
  errors: number;
  requests_per_s: number;
  routes: Record<string, { requests: number; p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number }>;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

function get(agent: http.Agent, url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on("data", (d: Buffer) => (bytes += d.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
  });
}

export async function serveLoadBench(clients = 200, seconds = 10, say: (s: string) => void = () => {}): Promise<LoadResult | null> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const records = path.resolve(root, "../shared/fixtures/pgolf-records");
  if (!fs.existsSync(records)) {
    say("serve load test skipped: ../shared/fixtures/pgolf-records is missing");
    return null;
  }
  const child = spawn(process.execPath, [path.join(root, "bin/pgolf.js"), "serve", "--records", records, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve((JSON.parse(line) as { url: string }).url.replace(/\/$/, ""));
      });
      child.on("exit", (code) => reject(new Error(`pgolf serve exited with code ${code}`)));
    });
    const routes = ["/", "/api/leaderboard", "/records/2026-04-09_A2_Muon097_3Seed.html"];
    const lat = new Map<string, number[]>(routes.map((r) => [r, []]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    let errors = 0;
    const until = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        // clients join over the first half second, as real ones do (not one SYN burst)
        await new Promise((r) => setTimeout(r, (c * 500) / clients));
        for (let i = c; performance.now() < until; i++) {
          const route = routes[i % routes.length];
          const s = performance.now();
          try {
            const r = await get(agent, base + route);
            if (r.status !== 200 || r.bytes === 0) errors++;
          } catch {
            errors++;
          }
          lat.get(route)!.push(performance.now() - s);
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    agent.destroy();
    const result: LoadResult = { clients, seconds: wall, requests: 0, errors, requests_per_s: 0, routes: {} };
    for (const [route, xs] of lat) {
      xs.sort((a, b) => a - b);
      result.requests += xs.length;
      result.routes[route] = { requests: xs.length, p50_ms: percentile(xs, 0.5), p95_ms: percentile(xs, 0.95), p99_ms: percentile(xs, 0.99), max_ms: xs[xs.length - 1] ?? NaN };
    }
    result.requests_per_s = result.requests / wall;
    say(`serve load (${clients} concurrent clients, ${wall.toFixed(1)} s, 47 records): ${result.requests.toLocaleString("en-US")} requests, ${result.requests_per_s.toFixed(0)}/s, ${errors} errors`);
    for (const [route, r] of Object.entries(result.routes)) say(`  ${route}: p50 ${r.p50_ms.toFixed(1)} ms, p95 ${r.p95_ms.toFixed(1)} ms, p99 ${r.p99_ms.toFixed(1)} ms, max ${r.max_ms.toFixed(1)} ms (${r.requests.toLocaleString("en-US")} requests)`);
    return result;
  } finally {
    child.kill("SIGTERM");
  }
}

export interface BurstResult {
  submissions: number;
  accepted: number;
  errors: number;
  seconds: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  stored: number;
}

/**
 * A burst of submissions: `pgolf serve --data` (embedded PGlite) in its own process, `n` accounts,
 * then all n upload a real record folder (the original NaiveBaseline) at once. Every upload is
 * checked at intake and stored; prints the latency percentiles and errors (must be 0).
 */
export async function submissionBurstBench(n = 100, say: (s: string) => void = () => {}): Promise<BurstResult | null> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const record = path.resolve(root, "../shared/fixtures/pgolf-records/track_10min_16mb/2026-03-17_NaiveBaseline");
  if (!fs.existsSync(record)) {
    say("submission burst skipped: the fixture record folder is missing");
    return null;
  }
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "pgolf-burst-"));
  const child = spawn(process.execPath, [path.join(root, "bin/pgolf.js"), "serve", "--data", data, "--track", "10min-16mb", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, DATABASE_URL: "" } });
  try {
    const hello = await new Promise<{ url: string; admin_token: string }>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line) as { url: string; admin_token: string });
      });
      child.on("exit", (code) => reject(new Error(`pgolf serve exited with code ${code}`)));
    });
    const base = hello.url.replace(/\/$/, "");
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${base}/api/users`, { method: "POST", headers: { authorization: `Bearer ${hello.admin_token}`, "content-type": "application/json" }, body: JSON.stringify({ handle: `golfer-${i}` }) });
      tokens.push(((await r.json()) as { token: string }).token);
    }
    const pack = packRecordFolder(record);
    const lat: number[] = [];
    let accepted = 0;
    let errors = 0;
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token) => {
        const s = performance.now();
        try {
          const r = await fetch(`${base}/api/submissions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: pack });
          if (r.status === 201) accepted++;
          else errors++;
          await r.arrayBuffer();
        } catch {
          errors++;
        }
        lat.push(performance.now() - s);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const stored = fs.readdirSync(path.join(data, "blobs"), { recursive: true }).filter((f) => /[0-9a-f]{64}$/.test(String(f))).length;
    const r: BurstResult = { submissions: n, accepted, errors, seconds, p50_ms: percentile(lat, 0.5), p95_ms: percentile(lat, 0.95), p99_ms: percentile(lat, 0.99), max_ms: lat[lat.length - 1], stored };
    say(`submission burst (${n} uploads at once, each checked and stored, embedded PGlite): ${accepted} accepted, ${errors} errors in ${seconds.toFixed(1)} s; p50 ${r.p50_ms.toFixed(0)} ms, p95 ${r.p95_ms.toFixed(0)} ms, p99 ${r.p99_ms.toFixed(0)} ms, max ${r.max_ms.toFixed(0)} ms; ${stored} distinct blob stored`);
    return r;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(data, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await serveLoadBench(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 10), (s) => process.stdout.write(s + "\n"));
  const b = await submissionBurstBench(100, (s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify({ load: r, burst: b }) + "\n");
}
