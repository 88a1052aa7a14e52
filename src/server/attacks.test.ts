// Issue 13, "The contest server under attack": each of the attacks that broke `pgolf serve`, made
// again against a real server on localhost (the embedded PGlite, a real verification queue, real
// HTTP; GitHub is a local server that speaks its API and its OAuth web flow). Each test asserts the
// safe behaviour the issue asks for. A test whose attack still succeeds is marked `todo` with what is
// missing: it runs and reports ("not ok ... # TODO") without failing the suite; the change that
// closes the hole removes the mark.
//
// Routes that do not exist yet are named where they are used, so they can be built to the test:
//   POST   /api/submissions/:id/withdraw   the author withdraws an open submission (audited)
//   POST   /api/session/logout             signs the session that sends it out (revokes it)
//   POST   /api/me/token/rotate            a new token for the caller's account; the old one stops working
//   DELETE /api/users/:handle/token        admins: revoke an account's token
// Errors keep the shape {error: {code, message, file, fix}} with a stable PGOLF_ code.
//
// Records are made in memory (no training): a pgolf-format record folder whose numbers are
// consistent, so `pgolf check` finds nothing and the server queues one verification job per seed.
// The "worker" here leases jobs over HTTP and reports the record's own numbers, as a deterministic
// reproduction would.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { launchChromium, NO_CHROMIUM } from "../../test/support/browser.js";
import { listen } from "../../test/support/contest_api.js";
import { CookieJar } from "../../test/support/cookie_jar.js";
import { tempDir } from "../../test/support/fixtures.js";
import { GitHubServer, pullRequestPayload, sendWebhook } from "../../test/support/github_server.js";
import { decodePack, packRecordFiles } from "../artifact/pack.js";
import { openCourse } from "../data/course.js";
import { prepareCourse } from "../data/prepare.js";
import { startContestServer, type ContestServer } from "./contest_server.js";

const work = tempDir("pgolf-attacks-");
const DATA = path.join(work, "contest");
const WEBHOOK_SECRET = "attack-webhook-secret";
const REPO = "golf/parameter-golf";
const OAUTH = { clientId: "Iv1.attacks", clientSecret: "attacks-oauth-secret" };
/** The embedded course's manifest sha256, from a build of it (built byte-identically everywhere), set in before(). */
let SOTU_MANIFEST = "";

// ---------- records made in memory ----------

interface RecordOptions {
  name?: string;
  author?: string;
  /** The track submission.json claims (the contest's is cpu-10min-2mb). */
  track?: string;
  seeds?: number[];
  bpb?: number;
  /** The artifact's sha256 (the same entry trained the same way gives the same artifact). */
  artifact?: string;
  /** Extra files, by path (e.g. a nested record folder, or 100,000 empty files). */
  extra?: Record<string, string | Buffer>;
  readme?: string;
}

const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * A pgolf-format record folder's files: code, one log per seed with a scored roundtrip final, and a
 * submission.json whose numbers match the logs and the code (so `pgolf check` finds nothing).
 */
function recordFiles(o: RecordOptions = {}): Map<string, Buffer> {
  const track = o.track ?? "cpu-10min-2mb";
  const bpb = o.bpb ?? 2.93;
  const artifact = o.artifact ?? randomBytes(32).toString("hex");
  const code: Record<string, string> = { "entry.ts": "export default {};\n", "config.json": '{"mode": "honest"}' };
  // a pgolf record's code bytes count each file's content and its path (entry/code_bytes.ts)
  const bytesCode = Object.entries(code).reduce((a, [p, c]) => a + Buffer.byteLength(p) + Buffer.byteLength(c), 0);
  const bytesModel = 14;
  const loss = Number((bpb * 2.0224).toFixed(8));
  const files = new Map<string, Buffer>();
  for (const [p, c] of Object.entries(code)) files.set(p, Buffer.from(c));
  files.set("package.json", Buffer.from('{"type": "module"}\n'));
  files.set("README.md", Buffer.from(o.readme ?? `# ${o.name ?? "A record"}\n`));
  const seeds = (o.seeds ?? [1]).map((seed) => {
    const log = [
      `pgolf 0.1.0 track:${track} seed:${seed} threads:2`,
      `confinement:namespaces run:${randomUUID()}`,
      "train_loader:dataset:sotu-sp1024 train_shards:1",
      "max_wallclock_seconds:3.000",
      "pgolf_timing: train_time:60ms export_time:0ms cap:3000ms export_cap:60000ms within_time:true",
      `Serialized model int8+zlib: ${bytesModel} bytes`,
      `Code size: ${bytesCode} bytes`,
      `Total submission size int8+zlib: ${bytesCode + bytesModel} bytes`,
      `final_int8_zlib_roundtrip val_loss:${loss.toFixed(4)} val_bpb:${bpb.toFixed(4)} eval_time:8024ms`,
      `final_int8_zlib_roundtrip_exact val_loss:${loss.toFixed(8)} val_bpb:${bpb.toFixed(8)}`,
      "",
    ].join("\n");
    files.set(`train_seed${seed}.log`, Buffer.from(log));
    return {
      seed,
      val_loss: loss,
      val_bpb: Number(bpb.toFixed(8)),
      bytes_code: bytesCode,
      bytes_model: bytesModel,
      bytes_total: bytesCode + bytesModel,
      train_seconds: 0.06,
      eval_seconds: 8.024,
      eval_targets: 360448,
      eval_bytes: 1051703,
      steps: 0,
      train_tokens: 0,
      artifact_sha256: artifact,
      log: `train_seed${seed}.log`,
      log_sha256: sha256(log),
    };
  });
  const mean = (k: "val_bpb" | "val_loss") => seeds.reduce((a, s) => a + s[k], 0) / seeds.length;
  const submission = {
    schema: "pgolf-submission/1",
    author: o.author ?? "someone",
    github_id: "",
    name: o.name ?? "A record",
    blurb: "",
    date: "2026-01-02T03:04:05Z",
    track,
    course: { name: "sotu-sp1024", manifest_sha256: SOTU_MANIFEST },
    val_loss: mean("val_loss"),
    val_bpb: mean("val_bpb"),
    val_loss_std: 0,
    val_bpb_std: 0,
    bytes_total: bytesCode + bytesModel,
    bytes_code: bytesCode,
    seeds,
    hardware: "CPU, 2 threads",
    versions: { pgolf: "0.1.0", node: "20.20.2", onnxruntime: "1.30.0" },
    provenance: { parents: [], techniques: [], assistance: [] },
  };
  files.set("submission.json", Buffer.from(JSON.stringify(submission, null, 2) + "\n"));
  for (const [p, c] of Object.entries(o.extra ?? {})) files.set(p, Buffer.isBuffer(c) ? c : Buffer.from(c));
  return files;
}

/** The record pack `pgolf submit --to` would upload for these files. */
function packOf(files: Map<string, Buffer>): Buffer {
  return packRecordFiles([...files].map(([p, data]) => ({ path: p, data })));
}

const recordPack = (o: RecordOptions = {}) => packOf(recordFiles(o));

/** A record folder with 100,000 empty files besides its own (a 12.6 MB pack), made once. */
let floodPack: Buffer | undefined;
function hundredThousandFiles(): Buffer {
  if (!floodPack) {
    const extra: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) extra[`junk/${String(i).padStart(6, "0")}.txt`] = "";
    floodPack = recordPack({ name: "Flood", extra });
  }
  return floodPack;
}

// ---------- HTTP ----------

interface Answer {
  status: number;
  json: any;
  text: string;
  headers: Headers;
  ms: number;
}

/** One request with an account token (or other headers); the answer's JSON when it is JSON. */
async function call(base: string, method: string, p: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw = Buffer.isBuffer(body);
  const h: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers };
  if (body !== undefined) h["content-type"] ??= raw ? "application/octet-stream" : "application/json";
  const t = performance.now();
  const res = await fetch(base + p, { method, headers: h, body: body === undefined ? undefined : raw ? new Uint8Array(body) : typeof body === "string" ? body : JSON.stringify(body), redirect: "manual" });
  const bytes = Buffer.from(await res.arrayBuffer());
  const binary = !/^(application\/json|text\/)/.test(res.headers.get("content-type") ?? "");
  // a binary answer (a pack) is shown by its size, not its bytes
  const text = binary ? `<${bytes.length} bytes of ${res.headers.get("content-type")}>` : bytes.toString("utf8");
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, json, text, headers: res.headers, ms: performance.now() - t };
}

/** The answer is a 4xx whose body is a PgolfError with a stable code. */
function assertRefused(a: Answer, statuses: number[], what: string): void {
  assert.ok(statuses.includes(a.status), `${what}: expected ${statuses.join(" or ")}, got ${a.status} ${a.text.slice(0, 300)}`);
  assert.match(String(a.json?.error?.code), /^PGOLF_[A-Z0-9_]+$/, `${what}: the refusal has no stable code: ${a.text.slice(0, 300)}`);
  assert.equal(typeof a.json.error.message, "string", what);
}

/**
 * A full garbage collection (V8's gc, exposed at run time), so that RSS measured after it counts what
 * is held, not what is waiting to be collected (an upload's buffers, say).
 */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** Every file under the blob store (the content-addressed store of packs). */
function blobFiles(): string[] {
  const dir = path.join(DATA, "blobs");
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

// ---------- GitHub's OAuth web flow, for one person at a time ----------

/**
 * GitHub's OAuth web flow over real HTTP (authorize, access_token, /user), for whoever `as(login,
 * id)` made the browser's GitHub user. Unlike test/support/github_server.ts it lets two people hold
 * the same login at different times (a renamed account's login taken by someone else).
 */
class OAuthFake {
  url = "";
  private user = { login: "nobody", id: 1 };
  private readonly codes = new Map<string, { login: string; id: number }>();
  private readonly tokens = new Map<string, { login: string; id: number }>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  static async start(): Promise<OAuthFake> {
    const f = new OAuthFake();
    await new Promise<void>((r) => f.server.listen(0, "127.0.0.1", r));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  as(login: string, id: number): void {
    this.user = { login, id };
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", this.url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && u.pathname === "/login/oauth/authorize") {
      const code = randomBytes(10).toString("hex");
      this.codes.set(code, { ...this.user });
      const to = new URL(u.searchParams.get("redirect_uri") ?? "");
      to.searchParams.set("code", code);
      to.searchParams.set("state", u.searchParams.get("state") ?? "");
      res.writeHead(302, { location: to.toString() });
      res.end();
      return;
    }
    if (req.method === "POST" && u.pathname === "/login/oauth/access_token") {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let b: Record<string, string> = {};
      try {
        b = JSON.parse(text) as Record<string, string>;
      } catch {
        b = Object.fromEntries(new URLSearchParams(text));
      }
      const who = this.codes.get(b.code);
      if (!who || b.client_id !== OAUTH.clientId || b.client_secret !== OAUTH.clientSecret) return send(200, { error: "bad_verification_code" });
      this.codes.delete(b.code);
      const token = `gho_${randomBytes(16).toString("hex")}`;
      this.tokens.set(token, who);
      return send(200, { access_token: token, token_type: "bearer", scope: "" });
    }
    if (req.method === "GET" && u.pathname === "/user") {
      const who = this.tokens.get((req.headers.authorization ?? "").replace(/^(Bearer|token) /i, ""));
      if (!who) return send(401, { message: "Bad credentials" });
      return send(200, { login: who.login, id: who.id, type: "User" });
    }
    send(404, { message: "Not Found" });
  }
}

/** A browser as far as HTTP goes: it keeps the cookies servers set, and follows no redirect by itself. */
/**
 * What a browser ends up holding after a sign-in: today, a session token in the address
 * (/signin#token=...); once tokens leave the URL, its cookies (a session cookie the API accepts).
 */
interface Credential {
  headers: Record<string, string>;
  /** The token the sign-in put in the URL, if it did. */
  urlToken: string | null;
}

/** The browser's credential after GitHub sent it back to the callback (`done` is the callback's answer). */
function credentialOf(done: Response, jar: CookieJar): Credential {
  const urlToken = /[#&?]token=(pg_[0-9a-f]+)/.exec(done.headers.get("location") ?? "")?.[1] ?? null;
  return { headers: urlToken ? { authorization: `Bearer ${urlToken}` } : jar.header(), urlToken };
}

/** Leaves for GitHub from /auth/github and comes back: returns the callback URL GitHub sent the browser to. */
async function toGitHubAndBack(base: string, jar: CookieJar): Promise<string> {
  const start = await jar.get(`${base}/auth/github`);
  assert.ok(start.status >= 300 && start.status < 400, `/auth/github should redirect to GitHub, answered ${start.status}`);
  const back = await jar.get(new URL(start.headers.get("location")!, base).toString());
  assert.equal(back.status, 302, "the fake GitHub sends the browser back");
  return new URL(back.headers.get("location")!, base).toString();
}

/** Signs a browser in with GitHub as the OAuth fake's current user; its credential. */
async function signInWithGitHub(base: string, jar: CookieJar = new CookieJar()): Promise<Credential> {
  const callback = await toGitHubAndBack(base, jar);
  return credentialOf(await jar.get(callback), jar);
}

async function me(base: string, cred: Credential): Promise<Answer> {
  return call(base, "GET", "/api/me", null, undefined, cred.headers);
}

// ---------- the server and its fleet ----------

let s: ContestServer;
let base: string;
let admin: string;
let janitor: string;
let reviewer: string;
let gh: GitHubServer;
let oauth: OAuthFake;

async function account(handle: string, role = "participant", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call(base, "POST", "/api/users", admin, { handle, role, ...extra });
  assert.equal(r.status, 201, `creating ${handle}: ${r.text}`);
  return r.json.token as string;
}

/**
 * POSTs a record pack as `pgolf submit --to` does. Sent with node:http rather than fetch: a server
 * may refuse before it has read the whole body (an account at its limit, a pack too large) and close
 * the connection; the answer it sent is what counts.
 */
function upload(token: string, pack: Buffer, query = ""): Promise<Answer> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/submissions${query}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(pack.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, json, text, headers, ms: performance.now() - t });
      });
      res.on("error", reject);
    });
    let answered = false;
    req.on("response", () => (answered = true));
    req.on("error", (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE" || code === "ECONNRESET") setTimeout(() => (answered ? undefined : reject(e)), 500);
      else reject(e);
    });
    req.end(pack);
  });
}

/** Uploads and expects the submission to be taken; returns its id. */
async function submitted(token: string, pack: Buffer): Promise<string> {
  const r = await upload(token, pack);
  assert.equal(r.status, 201, `upload: ${r.text.slice(0, 400)}`);
  return r.json.id as string;
}

interface Lease {
  job: { id: string; submission_id: string; seed: number };
}

/** The seed's numbers as the record's own submission.json gives them (what a deterministic reproduction reports). */
async function claimedResult(token: string, lease: Lease): Promise<Record<string, unknown> | null> {
  const res = await fetch(`${base}/api/submissions/${lease.job.submission_id}/pack`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return null;
  const sub = JSON.parse(Buffer.from(decodePack(Buffer.from(await res.arrayBuffer())).files.get("submission.json") ?? "{}").toString("utf8")) as { seeds?: Record<string, unknown>[] };
  const s = sub.seeds?.find((x) => x.seed === lease.job.seed);
  if (!s) return null;
  return { seed: s.seed, artifact_sha256: s.artifact_sha256, val_loss: s.val_loss, val_bpb: s.val_bpb, bytes_total: s.bytes_total, train_seconds: s.train_seconds, eval_seconds: s.eval_seconds };
}

/** A worker leases every queued job and reports each seed's claimed numbers, until the queue is empty. */
async function settleQueue(token = janitor): Promise<number> {
  let done = 0;
  for (let idle = 0; idle < 2; ) {
    const l = await call(base, "POST", "/api/worker/lease", token);
    if (l.status === 204) {
      idle++;
      await sleep(100);
      continue;
    }
    assert.equal(l.status, 200, `lease: ${l.text}`);
    idle = 0;
    const lease = l.json as Lease;
    const result = await claimedResult(token, lease);
    const r = await call(base, "POST", `/api/worker/jobs/${lease.job.id}`, token, result ? { result } : { error: "no such seed in the pack" });
    assert.ok(r.status === 200 || r.status === 409, `report: ${r.status} ${r.text}`);
    done++;
  }
  return done;
}

/** Leases the next job (the queue must hold only the one the test made). */
async function leaseNext(token: string): Promise<Lease> {
  for (let i = 0; i < 50; i++) {
    const l = await call(base, "POST", "/api/worker/lease", token);
    if (l.status === 200) return l.json as Lease;
    await sleep(100);
  }
  throw new Error("no job to lease");
}

async function status(id: string): Promise<string> {
  return (await call(base, "GET", `/api/submissions/${id}`, admin)).json.status as string;
}

/** Rows in every table of the contest's schema (not the queue's). */
async function publicRows(): Promise<Record<string, number>> {
  const db = s.contest!.db;
  const tables = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const out: Record<string, number> = {};
  for (const { t } of tables.rows) out[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n;
  return out;
}

/** A pull request adding records/track_cpu-10min-2mb/<folder>/ with these files, and its webhook payload. */
function pullRequest(folder: string, author: string, files: Map<string, Buffer>, number: number) {
  const changes: Record<string, { content: Buffer }> = {};
  for (const [p, c] of files) changes[`records/track_cpu-10min-2mb/${folder}/${p}`] = { content: c };
  const pr = gh.addPull(REPO, { number, author, changes });
  return { pr, payload: pullRequestPayload({ repo: REPO, number: pr.number, headSha: pr.headSha, author }) };
}

/** The status code of the first answer a raw connection gets (0 when it errs or closes without one). */
function statusLine(socket: net.Socket): Promise<number> {
  return new Promise<number>((resolve) => {
    let head = "";
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) resolve(Number(m[1]));
    });
    socket.on("error", () => resolve(0));
    socket.on("close", () => resolve(0));
  });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const t = performance.now();
  while (!(await cond())) {
    if (performance.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("pgolf serve under attack (issue 13)", () => {
  before(async () => {
    SOTU_MANIFEST = openCourse((await prepareCourse({ dir: path.join(work, "courses-built-here") })).dir).manifestSha256;
    gh = await GitHubServer.start();
    gh.addRepo(REPO, { "README.md": "# Parameter Golf\n" });
    // GitHub's hook addresses, as its /meta lists them: here the loopback addresses the tests deliver from
    gh.hookRanges = ["127.0.0.1/32", "127.0.0.2/31"];
    oauth = await OAuthFake.start();
    s = await startContestServer({
      data: DATA,
      databaseUrl: "",
      github: { secret: WEBHOOK_SECRET, token: gh.token, apiUrl: gh.url },
      githubSignIn: { ...OAUTH, webUrl: oauth.url, apiUrl: oauth.url },
    });
    base = await listen(s);
    admin = s.adminToken!;
    // the records play on the embedded course; declared private, the ranked track takes them (course_rule.ts)
    const r = await call(base, "PATCH", "/api/admin/contest", admin, { private_validation_courses: ["sotu-sp1024", "fineweb-sp1024"] });
    assert.equal(r.status, 200, r.text);
    janitor = await account("janitor", "worker");
    reviewer = await account("rita", "reviewer");
  });

  after(async () => {
    await s?.close();
    await gh?.close();
    await oauth?.close();
  });

  // ---------- 1. intake that cannot stall the server ----------

  test("1. a pack listing 100,000 files is refused before it is unpacked, and /healthz answers within 50 ms meanwhile", { timeout: 120_000 }, async () => {
    const flood = await account("flood");
    const pack = hundredThousandFiles();
    const blobsBefore = blobFiles();
    // /healthz is polled from another process, so its latency is measured by an event loop the server does not hold
    const poller = spawn(
      process.execPath,
      [
        "-e",
        `let max = 0, n = 0, stop = false, all = [];
         let buf = "";
         process.stdin.on("data", (d) => { buf += d; if (buf.includes("reset")) { max = 0; n = 0; all = []; buf = buf.replace("reset", ""); } if (buf.includes("stop")) stop = true; });
         (async () => {
           let warm = 0;
           while (!stop) {
             const t = performance.now();
             try { await (await fetch(process.env.POLL_URL)).arrayBuffer(); } catch {}
             const dt = performance.now() - t;
             if (++warm === 3) process.stdout.write("ready\\n");
             if (warm > 3) { n++; max = Math.max(max, dt); all.push(dt); }
             await new Promise((r) => setTimeout(r, 5));
           }
           all.sort((a, b) => a - b);
           process.stdout.write(JSON.stringify({ max, n, p95: all[Math.min(all.length - 1, Math.floor(all.length * 0.95))] ?? 0 }) + "\\n");
           process.exit(0);
         })();`,
      ],
      { env: { ...process.env, POLL_URL: `${base}/healthz` }, stdio: ["pipe", "pipe", "inherit"] },
    );
    let out = "";
    poller.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await until(() => out.includes("ready"), "the /healthz poller");
    poller.stdin.write("reset\n");
    const r = await upload(flood, pack);
    poller.stdin.write("stop\n");
    await until(() => out.includes("}"), "the poller's figures");
    const health = JSON.parse(out.slice(out.indexOf("{"))) as { max: number; n: number; p95: number };
    console.log(`attacks: 100,000-file pack (${(pack.length / 1e6).toFixed(1)} MB): ${r.status} in ${r.ms.toFixed(0)} ms; /healthz p95 ${health.p95.toFixed(1)} ms, slowest ${health.max.toFixed(1)} ms over ${health.n} requests meanwhile`);
    assertRefused(r, [400, 413, 422], "a pack of 100,000 files");
    // the figure the issue sets is p95/p99 under 50 ms (bench/serve_load.ts measures it at 200 clients);
    // the slowest single poll is bounded too, loosely: a test machine shared with other tests has hiccups
    assert.ok(health.p95 < 50 && health.max < 500, `/healthz p95 ${health.p95.toFixed(0)} ms, slowest ${health.max.toFixed(0)} ms while the pack was handled (${r.ms.toFixed(0)} ms)`);
    assert.deepEqual((await call(base, "GET", "/api/submissions", flood)).json, [], "nothing was recorded");
    assert.deepEqual(blobFiles(), blobsBefore, "nothing was stored");
  });

  test("2. a refused upload leaves no blob on disk, and an account at its limit is refused before its pack is read", { timeout: 120_000 }, async () => {
    const hoarder = await account("hoarder");
    for (let i = 0; i < 3; i++) await submitted(hoarder, recordPack({ name: `Open ${i}` })); // the default limit: 3 open submissions
    const before = blobFiles();
    const fourth = recordPack({ name: "One too many", extra: { "padding.bin": randomBytes(1 << 20) } });
    const refused = await upload(hoarder, fourth);
    const stored = blobFiles().filter((f) => !before.includes(f));
    // the limit is checked first: a pack that takes seconds to unpack is refused at once
    const heavy = await upload(hoarder, hundredThousandFiles());
    console.log(`attacks: an account at its limit: a 1 MB pack ${refused.status} (${stored.length} blob stored); a 100,000-file pack ${heavy.status} in ${heavy.ms.toFixed(0)} ms`);
    assertRefused(refused, [429], "a fourth open submission");
    assert.equal(refused.json.error.code, "PGOLF_HTTP_RATE_LIMITED");
    assert.deepEqual(stored, [], "the refused pack was stored");
    assertRefused(heavy, [429], "a 100,000-file pack from an account at its limit");
    assert.ok(heavy.ms < 1000, `the refusal took ${heavy.ms.toFixed(0)} ms: the pack was read before the limit was checked`);
    assert.deepEqual(blobFiles(), before, "a refused pack was stored");
  });

  test("1b. the board is rebuilt from the database: an approved record's exported tree is never walked again, however large it grows", { timeout: 120_000 }, async () => {
    await settleQueue();
    const wanda = await account("wanda");
    const id = await submitted(wanda, recordPack({ name: "Wide record", seeds: [1] }));
    await settleQueue();
    assert.equal((await call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "approve" })).status, 200);
    await s.refresh();
    const exported = (fs.readdirSync(path.join(DATA, "records"), { recursive: true }) as string[]).find((p) => path.basename(p) === id);
    assert.ok(exported, "the approved record was unpacked for its pages");
    // the exported tree grows to 100,000 files (what a record of that many files would be)
    const junk = path.join(DATA, "records", exported, "junk");
    fs.mkdirSync(junk);
    // written without holding this process's event loop, which must see the server close idle connections
    for (let i = 0; i < 100_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, k) => fs.promises.writeFile(path.join(junk, `${i + k}.txt`), "")));
    try {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const rebuilt = await s.refresh();
        times.push(performance.now() - t);
        assert.equal(rebuilt, false, "nothing the board shows changed");
      }
      times.sort((a, b) => a - b);
      console.log(`attacks: board refresh with a 100,000-file exported tree: median ${times[2].toFixed(1)} ms, slowest ${times[4].toFixed(1)} ms`);
      // walking 100,000 files takes hundreds of ms; one database query takes a few
      assert.ok(times[2] < 50, `a refresh took ${times[2].toFixed(0)} ms: it walked the exported tree`);
      // and a change in the database still shows: a new approval is on the board after one refresh
      const id2 = await submitted(wanda, recordPack({ name: "Second record", seeds: [1] }));
      await settleQueue();
      assert.equal((await call(base, "POST", `/api/submissions/${id2}/review`, reviewer, { action: "approve" })).status, 200);
      await s.refresh();
      const board = (await call(base, "GET", "/api/leaderboard", null)).json as { tracks: { records: { id: string; folder: string }[] }[] };
      assert.ok(board.tracks.some((t) => t.records.some((r) => r.id === id2 || r.folder.includes(id2))), "the new approval is on the board");
    } finally {
      fs.rmSync(junk, { recursive: true, force: true });
    }
  });

  // ---------- 3. verification that ends ----------

  test("1c. the course rule builds and measures the server's course copy off the event loop: the first upload naming a course does not hold the server", { timeout: 180_000 }, async () => {
    // the embedded course is not declared private for this test, so the rule must build and measure it
    const patch = (courses: string[]) => call(base, "PATCH", "/api/admin/contest", admin, { private_validation_courses: courses });
    assert.equal((await patch(["fineweb-sp1024"])).status, 200);
    try {
      const carol = await account("course-builder");
      const elu0 = performance.eventLoopUtilization();
      const t = performance.now();
      const probes: number[] = [];
      let uploading = true;
      const probing = (async () => {
        while (uploading) {
          const p0 = performance.now();
          const h = await fetch(`${base}/healthz`);
          await h.arrayBuffer();
          probes.push(performance.now() - p0);
          await sleep(20);
        }
      })();
      const a = await upload(carol, recordPack({ name: "On the embedded course" }));
      uploading = false;
      await probing;
      const wall = performance.now() - t;
      const elu = performance.eventLoopUtilization(elu0);
      probes.sort((x, y) => x - y);
      console.log(`attacks: the first upload on sotu-sp1024 (the server builds and measures its copy): ${a.status} ${a.json?.error?.code ?? ""} in ${(wall / 1000).toFixed(1)} s; the event loop was busy ${((elu.active / wall) * 100).toFixed(0)}% of it (${(elu.active / 1000).toFixed(1)} s); /healthz p50 ${probes[probes.length >> 1]?.toFixed(1)} ms, max ${probes.at(-1)?.toFixed(1)} ms over ${probes.length}`);
      // a practice course on the ranked track: the bound was measured, then the rule refused it
      assertRefused(a, [422], "an upload on the embedded course");
      assert.equal(a.json.error.code, "PGOLF_CONTEST_PRACTICE_COURSE");
      // the build and the measurement (~11 s of CPU) ran in a thread: the event loop did not do them
      assert.ok(elu.active < wall / 3, `the event loop was busy ${elu.active.toFixed(0)} ms of the ${wall.toFixed(0)} ms the upload took`);
    } finally {
      assert.equal((await patch(["sotu-sp1024", "fineweb-sp1024"])).status, 200);
    }
  });

  test("1d. a JSON form upload is decoded, checked and packed off the event loop: 1.5 million entries cost the server's other requests nothing", { timeout: 120_000 }, async () => {
    const dora = await account("form-flooder");
    // 45 MB of JSON (the schema allows 1,000 entries): made before the clock starts
    const flood = JSON.stringify({ files: Array.from({ length: 1_500_000 }, (_, i) => ({ path: `f${i}`, base64: "" })) });
    const valid = JSON.stringify({ files: [...recordFiles({ name: "Sent as a form" })].map(([p, data]) => ({ path: p, base64: data.toString("base64") })) });
    const elu0 = performance.eventLoopUtilization();
    const t = performance.now();
    const refused = await call(base, "POST", "/api/submissions", dora, flood);
    const wall = performance.now() - t;
    const elu = performance.eventLoopUtilization(elu0);
    console.log(`attacks: a JSON form upload of 1.5 million entries (${(flood.length / 1048576).toFixed(0)} MiB): ${refused.status} ${refused.json?.error?.code} in ${wall.toFixed(0)} ms; the event loop was busy ${elu.active.toFixed(0)} ms of it`);
    assertRefused(refused, [400], "1.5 million form entries");
    assert.match(refused.json.error.message, /formUpload schema/);
    assert.ok(elu.active < wall / 3, `the event loop was busy ${elu.active.toFixed(0)} ms of the ${wall.toFixed(0)} ms the request took`);
    // the form still works: a record sent as JSON is taken, and its files read back as sent
    const taken = await call(base, "POST", "/api/submissions", dora, valid);
    assert.equal(taken.status, 201, taken.text);
    const readme = await call(base, "GET", `/api/submissions/${taken.json.id}/files/README.md`, dora);
    assert.equal(readme.text, "# Sent as a form\n");
    assert.equal((await call(base, "POST", `/api/submissions/${taken.json.id}/withdraw`, dora, {})).status, 200);
  });

  test("3a. a re-submission of the same deterministic entry gets its own reproduction and is verified", { timeout: 60_000 }, async () => {
    await settleQueue();
    const alice = await account("alice");
    const artifact = randomBytes(32).toString("hex");
    const first = await submitted(alice, recordPack({ name: "Unigram", artifact, seeds: [1] }));
    await settleQueue();
    assert.equal(await status(first), "verified");
    assert.equal((await call(base, "POST", `/api/submissions/${first}/review`, reviewer, { action: "reject", reason: "the README does not say what the entry does" })).status, 200);
    // the same entry, trained again the same way (same artifact and seed), with a better README
    const again = await submitted(alice, recordPack({ name: "Unigram", artifact, seeds: [1], readme: "# Unigram\n\nA unigram model with test-time training.\n" }));
    await settleQueue();
    assert.equal(await status(again), "verified", "the re-submission was never reproduced");
    const results = (await call(base, "GET", `/api/submissions/${again}/results`, alice)).json as { verified: number[]; runs: unknown[] };
    assert.deepEqual(results.verified, [1]);
    assert.equal(results.runs.length, 1, "its reproduction (its own, or the earlier one copied with its provenance)");
  });

  // POST /api/submissions/:id/withdraw (to build): the author withdraws an open submission; audited
  test("3b. an author can withdraw an open submission (the 429 says to), and no one else can", { timeout: 60_000 }, async () => {
    const bea = await account("bea");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submitted(bea, recordPack({ name: `Bea ${i}` })));
    const limited = await upload(bea, recordPack({ name: "Bea 3" }));
    assert.equal(limited.status, 429);
    assert.match(limited.json.error.fix, /withdraw/);
    const w = await call(base, "POST", `/api/submissions/${ids[0]}/withdraw`, bea, {});
    assert.equal(w.status, 200, `withdraw: ${w.status} ${w.text.slice(0, 300)}`);
    assert.equal(await status(ids[0]), "withdrawn");
    const other = await account("mallet");
    assertRefused(await call(base, "POST", `/api/submissions/${ids[1]}/withdraw`, other, {}), [403], "withdrawing someone else's submission");
    assert.notEqual(await status(ids[1]), "withdrawn");
    assert.equal((await upload(bea, recordPack({ name: "Bea 3" }))).status, 201, "a withdrawn submission no longer counts against the limit");
    const audit = (await call(base, "GET", `/api/submissions/${ids[0]}/audit`, reviewer)).json as { actor: string; action: string }[];
    assert.ok(audit.some((a) => a.actor === "bea" && /withdraw/.test(a.action)), JSON.stringify(audit));
  });

  test("3c. a re-submission replaces the author's open submission in one audited step; not someone else's, not a decided one, not twice", { timeout: 120_000 }, async () => {
    const cleo = await account("cleo");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submitted(cleo, recordPack({ name: `Cleo ${i}` })));
    // at the limit, a new version of an open submission is still taken: it closes the old one
    const v2 = await upload(cleo, recordPack({ name: "Cleo 0, version 2" }), `?replaces=${ids[0]}`);
    assert.equal(v2.status, 201, `re-submit: ${v2.status} ${v2.text.slice(0, 300)}`);
    assert.equal(v2.json.replaces, ids[0]);
    assert.equal(await status(ids[0]), "replaced");
    const audit = (await call(base, "GET", `/api/submissions/${ids[0]}/audit`, reviewer)).json as { actor: string; action: string; details: { replaced_by?: string } }[];
    assert.ok(audit.some((a) => a.actor === "cleo" && a.action === "submission.resubmit" && a.details.replaced_by === v2.json.id), JSON.stringify(audit));
    // a replaced submission is closed: no second new version, no review
    assertRefused(await upload(cleo, recordPack({ name: "Cleo 0, version 3" }), `?replaces=${ids[0]}`), [409], "replacing a replaced submission");
    assertRefused(await call(base, "POST", `/api/submissions/${ids[0]}/review`, reviewer, { action: "reject", reason: "old version" }), [409], "reviewing a replaced submission");
    // nobody replaces someone else's submission, and a bad id is a 4xx
    const mallory = await account("mallory-3c");
    assertRefused(await upload(mallory, recordPack({ name: "Not mine" }), `?replaces=${ids[1]}`), [403], "replacing someone else's submission");
    assert.notEqual(await status(ids[1]), "replaced");
    assertRefused(await upload(cleo, recordPack({ name: "Cleo x" }), `?replaces=not-a-uuid`), [400, 404], "a bad id");
    // a decided submission stays decided
    assert.equal((await call(base, "POST", `/api/submissions/${ids[1]}/review`, reviewer, { action: "reject", reason: "a copy" })).status, 200);
    assertRefused(await upload(cleo, recordPack({ name: "Cleo 1, version 2" }), `?replaces=${ids[1]}`), [409], "replacing a rejected submission");
    assert.equal(await status(ids[1]), "rejected");
  });

  // the blind attack (disk_withdraw): upload a distinct 63 MiB pack, withdraw it (the slot frees), repeat: +2.8 GiB a minute from one account
  test("3d. one account cannot make the server store unbounded bytes: upload-and-withdraw meets the daily upload quota (refused before the body is read), withdrawn packs are collected, other accounts are unaffected", { timeout: 120_000 }, async () => {
    const rules = (await call(base, "GET", "/api/admin/contest", admin)).json as { max_upload_bytes_per_author_per_day: number };
    const pad = 96 * 1024; // bytes of weights per pack: every pack is distinct and about 100 KiB
    const quota = 5 * pad + pad / 2; // room for five such packs a day, not six
    const set = await call(base, "PATCH", "/api/admin/contest", admin, { max_upload_bytes_per_author_per_day: quota });
    try {
      const hog = await account("disk-hog");
      const before = blobFiles();
      const taken: { id: string; blob: string }[] = [];
      let uploaded = 0;
      let refused: Answer | null = null;
      let refusedBytes = 0;
      for (let i = 0; i < 20 && !refused; i++) {
        const pack = recordPack({ name: `Hog ${i}`, extra: { "weights.bin": randomBytes(pad) } });
        const r = await upload(hog, pack);
        if (r.status !== 201) {
          refused = r;
          refusedBytes = pack.length;
          break;
        }
        uploaded += pack.length;
        taken.push({ id: r.json.id as string, blob: r.json.record_blob as string });
        const w = await call(base, "POST", `/api/submissions/${r.json.id}/withdraw`, hog, {});
        assert.equal(w.status, 200, `withdraw: ${w.text.slice(0, 300)}`);
      }
      // the withdrawn packs are collected in the background, soon after each withdrawal
      const fresh = () => blobFiles().filter((f) => !before.includes(f));
      await until(() => fresh().length === 0, "the withdrawn packs to be collected", 5000).catch(() => undefined);
      const grown = fresh();
      console.log(`attacks: upload-and-withdraw under a ${quota}-byte daily quota: ${taken.length} packs (${uploaded} bytes) taken, then ${refused?.status} ${refused?.json?.error?.code}; blob store grew by ${grown.length} files`);
      // refused with the stable code once the next pack would pass the quota, and not before
      assert.ok(refused, `upload-and-withdraw was never refused: ${taken.length} packs taken, the blob store grew by ${grown.length} files (setting the quota: ${set.status} ${set.text.slice(0, 200)})`);
      assert.equal(set.status, 200, `setting the quota: ${set.text.slice(0, 300)}`);
      assertRefused(refused, [429], "an upload past the daily quota");
      assert.equal(refused.json.error.code, "PGOLF_CONTEST_QUOTA");
      assert.match(refused.json.error.message, /max_upload_bytes_per_author_per_day/);
      assert.match(refused.json.error.fix, /raise max_upload_bytes_per_author_per_day|upload again/);
      assert.ok(Number(refused.headers.get("retry-after")) > 0, `no Retry-After: ${refused.headers.get("retry-after")}`);
      assert.ok(uploaded <= quota && uploaded + refusedBytes > quota, `taken ${uploaded} bytes, refused ${refusedBytes} more, quota ${quota}`);
      assert.equal(refused.json.error.details.used_bytes, uploaded);
      // the withdrawn packs are gone from the disk; their rows and audit trails keep their sha256
      assert.deepEqual(grown, [], "withdrawn packs stayed in the blob store");
      const files = await call(base, "GET", `/api/submissions/${taken[0].id}/files`, hog);
      assertRefused(files, [410], "the files of a withdrawn submission whose pack was collected");
      assert.equal(files.json.error.code, "PGOLF_HTTP_GONE");
      assertRefused(await call(base, "GET", `/api/submissions/${taken[0].id}/pack`, reviewer), [410], "the pack of a withdrawn submission");
      assert.equal((await call(base, "GET", `/api/submissions/${taken[0].id}`, hog)).json.record_blob, taken[0].blob);
      const trail = (await call(base, "GET", `/api/submissions/${taken[0].id}/audit`, reviewer)).json as { action: string; details: { blob?: string } }[];
      assert.ok(trail.some((a) => a.action === "submission.withdraw" && a.details.blob === taken[0].blob), JSON.stringify(trail));
      assert.ok(trail.some((a) => a.action === "submission.pack-collected" && a.details.blob === taken[0].blob), JSON.stringify(trail));

      // refused before the body is read: a declared 60 MiB body is answered at once, without a byte of it sent
      const declared = async (token: string, bytes: number) => {
        const socket = net.connect(Number(new URL(base).port), "127.0.0.1");
        try {
          const t = performance.now();
          const head = await new Promise<string>((resolve) => {
            let got = "";
            socket.on("data", (d: Buffer) => {
              got += d.toString("latin1");
              if (/\r\n\r\n[\s\S]*\}\s*$/.test(got)) resolve(got);
            });
            socket.on("close", () => resolve(got));
            socket.on("error", () => resolve(got));
            setTimeout(() => resolve(got), 5000).unref();
            socket.write(`POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\n\r\n`);
          });
          return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: head.slice(head.indexOf("\r\n\r\n") + 4), ms: performance.now() - t };
        } finally {
          socket.destroy();
        }
      };
      const spent = await declared(hog, 60 * 1024 * 1024);
      const unspent = await declared(await account("disk-declared"), 60 * 1024 * 1024);
      console.log(`attacks: a declared 60 MiB body, none sent: ${spent.status} in ${spent.ms.toFixed(0)} ms (spent account), ${unspent.status} in ${unspent.ms.toFixed(0)} ms (fresh account)`);
      for (const [a, who] of [[spent, "an account past its quota"], [unspent, "a fresh account declaring more than its quota"]] as const) {
        assert.equal(a.status, 429, `${who}: ${a.status} ${a.body.slice(0, 300)}`);
        assert.match(a.body, /PGOLF_CONTEST_QUOTA/, who);
        assert.ok(a.ms < 3000, `${who}: the answer took ${a.ms.toFixed(0)} ms (it waited for the body)`);
      }
      // a body of no declared length is read no further than the quota leaves room for
      const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${base}/api/submissions`, { method: "POST", headers: { authorization: `Bearer ${hog}`, "content-type": "application/octet-stream", "transfer-encoding": "chunked" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" || (e as NodeJS.ErrnoException).code === "EPIPE" ? undefined : reject(e)));
        req.end(randomBytes(pad));
      });
      assert.equal(chunked.status, 429, chunked.text.slice(0, 300));
      assert.match(chunked.text, /PGOLF_CONTEST_QUOTA/);

      // another account is not held to this one's uploads
      const neighbour = await account("disk-neighbour");
      const n = await upload(neighbour, recordPack({ name: "Neighbour", extra: { "weights.bin": randomBytes(pad) } }));
      assert.equal(n.status, 201, `another account's upload: ${n.text.slice(0, 300)}`);
      assert.ok(blobFiles().some((f) => f.endsWith(n.json.record_blob as string)), "the neighbour's pack is stored");
    } finally {
      const back = await call(base, "PATCH", "/api/admin/contest", admin, { max_upload_bytes_per_author_per_day: rules.max_upload_bytes_per_author_per_day });
      assert.equal(back.status, 200, back.text);
    }
  });

  // ---------- 4. reviews that cannot be gamed ----------

  test("4a. a reviewer cannot approve her own submission: 403 with a stable code", { timeout: 60_000 }, async () => {
    const vera = await account("vera", "reviewer");
    const id = await submitted(vera, recordPack({ name: "Vera's own" }));
    await settleQueue();
    assert.equal(await status(id), "verified");
    const own = await call(base, "POST", `/api/submissions/${id}/review`, vera, { action: "approve" });
    assertRefused(own, [403], "approving one's own submission");
    assert.equal(own.json.error.code, "PGOLF_HTTP_FORBIDDEN");
    assert.equal(await status(id), "verified");
    assert.equal((await call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "approve" })).status, 200, "another reviewer can");
  });

  test("4b. a submission cannot be approved before every seed was reproduced, and is not ranked on its claim", { timeout: 60_000 }, async () => {
    await settleQueue();
    const eager = await account("eager");
    const id = await submitted(eager, recordPack({ name: "Trust me", seeds: [1, 2], bpb: 1.1 }));
    assert.equal(await status(id), "queued");
    const early = await call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "approve" });
    assertRefused(early, [409, 422], "approving before the reproduction");
    assert.equal(await status(id), "queued");
    await s.refresh();
    const board = (await call(base, "GET", "/api/leaderboard", null)).json as { tracks: { records: { id: string; folder: string }[] }[] };
    assert.ok(!board.tracks.some((t) => t.records.some((r) => r.id === id || r.folder.includes(id))), "the unreproduced claim is on the board");
  });

  test("4c. one upload holding nested record folders is refused at intake (it would be several leaderboard rows)", { timeout: 60_000 }, async () => {
    const nester = await account("nester");
    const fake = recordFiles({ name: "Fake top record", bpb: 0.5 });
    const extra: Record<string, Buffer> = {};
    for (const [p, c] of fake) extra[`inner/${p}`] = c;
    const before = blobFiles();
    const r = await upload(nester, recordPack({ name: "Honest outer record", extra }));
    assertRefused(r, [400, 422], "a pack holding a second record folder");
    assert.deepEqual((await call(base, "GET", "/api/submissions", nester)).json, [], "nothing was recorded");
    assert.deepEqual(blobFiles(), before, "nothing was stored");
  });

  // ---------- 5. identity on the board ----------

  test("5. the board shows the contest's track and the submitting account, not what submission.json says", { timeout: 60_000 }, async () => {
    const carol = await account("carol");
    const id = await submitted(carol, recordPack({ name: "Borrowed fame", author: "famous-golfer", track: "10min-16mb" }));
    await settleQueue();
    assert.equal(await status(id), "verified");
    assert.equal((await call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "approve" })).status, 200);
    await s.refresh();
    const board = (await call(base, "GET", "/api/leaderboard", null)).json as { tracks: { name: string; records: { id: string; folder: string; author: string | null; track: string }[] }[] };
    const rows = board.tracks.flatMap((t) => t.records.filter((r) => r.id === id || r.folder.includes(id)).map((r) => ({ board: t.name, track: r.track, author: r.author })));
    assert.deepEqual(rows, [{ board: "cpu-10min-2mb", track: "cpu-10min-2mb", author: "carol" }]);
  });

  // ---------- 6. login CSRF ----------

  test("6a. a GitHub sign-in callback only signs in the browser that started it (state bound to an HttpOnly, SameSite=Lax cookie)", { timeout: 60_000 }, async () => {
    oauth.as("mallory-gh", 6601);
    const attacker = new CookieJar();
    // the attacker starts a sign-in in her own browser and stops at the callback GitHub sends her to
    const callback = await toGitHubAndBack(base, attacker);
    // ...and gets the victim's browser to open it (a link, an image, a form)
    const victim = new CookieJar();
    const opened = await victim.get(callback);
    const cred = credentialOf(opened, victim);
    assert.equal(cred.urlToken, null, `the victim's browser was handed a session token: ${opened.headers.get("location")}`);
    assert.equal((await me(base, cred)).status, 401, "the victim's browser is signed in as the attacker");
    const stateCookie = attacker.setCookies.find((c) => /httponly/i.test(c) && /samesite=lax/i.test(c));
    assert.ok(stateCookie, `/auth/github set no HttpOnly, SameSite=Lax cookie: ${JSON.stringify(attacker.setCookies)}`);
    // the browser that started a sign-in still completes it
    const own = await signInWithGitHub(base, new CookieJar());
    assert.equal((await me(base, own)).json?.handle, "mallory-gh");
  });

  test("6b. a /signin#token= link does not sign a browser in", { skip: NO_CHROMIUM, timeout: 60_000 }, async () => {
    const attackerToken = await account("mallory");
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on("request", (req) => {
        const h = req.headers();
        if ((h.authorization ?? "").includes(attackerToken) || (h.cookie ?? "").includes(attackerToken)) sent.push(`${req.method()} ${req.url()}`);
      });
      // the victim follows the attacker's link, then goes on to submit a record
      await page.goto(`${base}/signin#token=${attackerToken}`);
      await page.waitForLoadState("networkidle");
      await page.goto(`${base}/submit`);
      await page.waitForLoadState("networkidle");
      const who = (await page.textContent("#who").catch(() => null)) ?? "";
      assert.doesNotMatch(who, /mallory/, "the page says the victim is signed in as the attacker");
      assert.deepEqual(sent, [], "the browser sends the attacker's token");
    } finally {
      await browser.close();
    }
  });

  // ---------- 7. durability ----------

  test("7. the embedded database runs with fsync on (a power loss cannot lose confirmed rows)", { timeout: 30_000 }, async () => {
    const db = s.contest!.db;
    assert.equal(db.kind, "pglite");
    const setting = async (name: string) => (await db.query<{ v: string }>(`SELECT setting AS v FROM pg_settings WHERE name = $1`, [name])).rows[0]?.v;
    assert.deepEqual({ fsync: await setting("fsync"), synchronous_commit: await setting("synchronous_commit") }, { fsync: "on", synchronous_commit: "on" });
  });

  // ---------- 8. bad input and error handling ----------

  test("8a. bad input gives a 4xx with a stable code, never a 500: NUL characters, lone surrogates, non-uuid ids, non-integer byte counts, a bad date in a heartbeat", { timeout: 60_000 }, async () => {
    await settleQueue();
    const nadia = await account("nadia");
    const box = await account("box-8a", "worker");
    const id = await submitted(nadia, recordPack({ name: "Target" }));
    const lease = await leaseNext(box);
    assert.equal(lease.job.submission_id, id);
    const result = (await claimedResult(box, lease))!;
    const beat = { instance: "inst-8a-000001", host: "rack-1", version: "0.1.0", started_at: new Date().toISOString(), state: "idle", job: null, cpus: 2, memory_bytes: 1 << 30, isolation: true, jobs_done: 0, jobs_failed: 0 };
    const NOT_A_UUID = "-".repeat(36); // 36 characters of [0-9a-f-], as the id pattern allows, but no uuid
    const cases: [string, () => Promise<Answer>][] = [
      ["a NUL in a review's reason", () => call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "request-changes", reason: "bad\u0000reason" })],
      ["a lone surrogate in a review's reason", () => call(base, "POST", `/api/submissions/${id}/review`, reviewer, { action: "request-changes", reason: "bad\ud800reason" })],
      ["a NUL in a heartbeat's host", () => call(base, "POST", "/api/worker/heartbeat", box, { ...beat, host: "rack\u00001" })],
      ["a lone surrogate in a heartbeat's host (raw JSON)", () => call(base, "POST", "/api/worker/heartbeat", box, `{"instance":"inst-8a-000002","host":"rack\\udc00","version":"0.1.0","started_at":"${beat.started_at}","state":"idle","job":null,"cpus":2,"memory_bytes":1,"isolation":true,"jobs_done":0,"jobs_failed":0}`)],
      ["a bad date in a heartbeat", () => call(base, "POST", "/api/worker/heartbeat", box, { ...beat, started_at: "yesterday-ish" })],
      ["a non-uuid submission id", () => call(base, "GET", `/api/submissions/${NOT_A_UUID}`, admin)],
      ["a non-uuid submission id (results)", () => call(base, "GET", `/api/submissions/${NOT_A_UUID}/results`, admin)],
      ["a non-uuid submission id (pack)", () => call(base, "GET", `/api/submissions/${NOT_A_UUID}/pack`, admin)],
      ["a non-uuid job id", () => call(base, "POST", "/api/worker/jobs/not-a-job-id", box, { result })],
      ["a non-integer byte count", () => call(base, "POST", `/api/worker/jobs/${lease.job.id}`, box, { result: { ...result, bytes_total: 2080.5 } })],
      ["a byte count past any integer column", () => call(base, "POST", `/api/worker/jobs/${lease.job.id}`, box, { result: { ...result, bytes_total: 1e300 } })],
      ["a record whose name holds a NUL", () => upload(nadia, recordPack({ name: "nul\u0000name" }))],
    ];
    const bad: string[] = [];
    for (const [what, run] of cases) {
      const a = await run();
      const stable = /^PGOLF_[A-Z0-9_]+$/.test(String(a.json?.error?.code));
      // a record with a NUL in its name may also be taken (201); everything else here is refused
      const ok = (a.status >= 400 && a.status < 500 && stable) || (what.startsWith("a record") && a.status === 201);
      if (!ok) bad.push(`${what}: ${a.status} ${a.text.slice(0, 160)}`);
    }
    assert.deepEqual(bad, []);
  });

  test("8a2. a JSON body of deeply nested brackets is a 400 at once: no stack overflow, no 500, no frozen server", { timeout: 60_000 }, async () => {
    const deep = "[".repeat(400_000) + "]".repeat(400_000); // valid JSON, 800 kB (under the 1 MiB JSON limit)
    const routes: [string, string, string][] = [
      ["POST", "/api/users", admin],
      ["POST", "/api/admin/contest", admin],
      ["POST", "/api/submissions", await account("deep-json")],
    ];
    for (const [method, p, token] of routes) {
      const t = performance.now();
      const r = await fetch(`${base}${p}`, { method: p === "/api/admin/contest" ? "PATCH" : method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: deep });
      const ms = performance.now() - t;
      const j = (await r.json()) as { error?: { code?: string } };
      console.log(`attacks: 400,000 nested brackets to ${p}: ${r.status} ${j.error?.code} in ${ms.toFixed(0)} ms`);
      assert.equal(r.status, 400, `${p}: ${r.status} ${JSON.stringify(j)}`);
      assert.equal(j.error?.code, "PGOLF_HTTP_BAD_REQUEST");
      assert.ok(ms < 1000, `${p}: ${ms.toFixed(0)} ms`);
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });

  test("8b. a pull request whose record cannot be submitted (a NUL in its name) is not told it passed", { timeout: 60_000 }, async () => {
    const { pr, payload } = pullRequest("nul-name", "octo-nul", recordFiles({ name: "nul\u0000name" }), 81);
    const sent = await sendWebhook(`${base}/webhooks/github`, { secret: WEBHOOK_SECRET, event: "pull_request", payload });
    assert.equal(sent.status, 202);
    await until(() => gh.statuses.some((x) => x.sha === pr.headSha && x.body.state !== "pending"), "a final commit status");
    // the intake goes on after the status (the submission itself): either it is recorded, or the pull request is told it failed
    const last = () => gh.statuses.filter((x) => x.sha === pr.headSha).at(-1)!.body as { state: string; description: string };
    const taken = async () => ((await call(base, "GET", "/api/review/queue", reviewer)).json as { author: string }[]).some((q) => q.author === "octo-nul");
    try {
      await until(async () => (await taken()) || last().state !== "success", "a submission, or a status that is not success", 20_000);
    } catch {
      assert.fail(`the pull request was told "${last().state}: ${last().description}", but no submission was recorded`);
    }
  });

  test("8c. every 5xx is logged with a request id the client is given", { timeout: 30_000 }, async () => {
    const db = s.contest!.db;
    const box = await account("box-8c", "worker");
    // a fault no input can cause: the workers table refuses every write
    await db.query(`CREATE OR REPLACE FUNCTION attacks_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
    await db.query(`CREATE TRIGGER attacks_fault BEFORE INSERT OR UPDATE ON workers FOR EACH ROW EXECUTE FUNCTION attacks_fault()`);
    const logged: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const tap =
      (w: typeof out) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        logged.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
        return (w as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      };
    let a: Answer;
    try {
      process.stdout.write = tap(out) as typeof process.stdout.write;
      process.stderr.write = tap(err) as typeof process.stderr.write;
      a = await call(base, "POST", "/api/worker/heartbeat", box, { instance: "inst-8c-000001", host: "rack-1", version: "0.1.0", started_at: new Date().toISOString(), state: "idle", job: null, cpus: 2, memory_bytes: 1, isolation: true, jobs_done: 0, jobs_failed: 0 });
      await sleep(100);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      await db.query(`DROP TRIGGER attacks_fault ON workers`);
      await db.query(`DROP FUNCTION attacks_fault()`);
    }
    assert.equal(a.status, 500, a.text);
    assert.equal(a.json?.error?.code, "PGOLF_INTERNAL");
    const requestId = a.headers.get("x-request-id") ?? a.json?.error?.request_id;
    assert.ok(requestId, `the 500 names no request id: ${a.text}`);
    assert.ok(
      logged.some((l) => l.includes(requestId) && /injected fault/.test(l)),
      `no log line names request ${requestId} and its cause; logged: ${JSON.stringify(logged.slice(0, 5))}`,
    );
  });

  test("8d. errors name no server paths", { timeout: 30_000 }, async () => {
    const pat = await account("pat");
    const answers = [
      await upload(pat, packOf(new Map([["README.md", Buffer.from("# not a record\n")]]))), // no submission.json, no log
      await upload(pat, packOf(new Map([["notes/README.md", Buffer.from("# deeper\n")]]))),
      await upload(pat, Buffer.from("PGPK not really a pack")),
    ];
    const paths = [os.tmpdir() + path.sep, DATA, work, process.cwd()];
    for (const a of answers) {
      assert.ok(a.status >= 400 && a.status < 500, `${a.status} ${a.text}`);
      for (const p of paths) assert.ok(!a.text.includes(p), `the error names ${p}: ${a.text}`);
      assert.doesNotMatch(a.text, /pgolf-intake-/, a.text);
    }
  });

  test("8d2. the board (leaderboard.json and its pages) names no server paths", { timeout: 30_000 }, async () => {
    await s.refresh();
    const lb = await call(base, "GET", "/api/leaderboard", null);
    assert.equal(lb.status, 200);
    const entries = (lb.json.tracks as { records: { folder: string; page: string }[] }[]).flatMap((t) => t.records);
    assert.ok(entries.length > 0, "earlier tests put approved records on the board");
    const pages = [lb, await call(base, "GET", "/", null), ...(await Promise.all(entries.slice(0, 3).map((e) => call(base, "GET", `/${e.page}`, null))))];
    const paths = [os.tmpdir() + path.sep, DATA, work, process.cwd()];
    for (const p of pages) for (const x of paths) assert.ok(!p.text.includes(x), `the board names ${x}: ${p.text.slice(0, 300)}`);
    for (const e of entries) assert.doesNotMatch(e.folder, /^(\/|\.\.)/, `an entry's folder is within its root: ${e.folder}`);
  });

  test("8e. a webhook body replayed under a new delivery id is not processed again", { timeout: 60_000 }, async () => {
    const { pr, payload } = pullRequest("replayed", "octo-replay", recordFiles({ name: "Replayed" }), 82);
    const body = Buffer.from(JSON.stringify(payload));
    const first = await sendWebhook(`${base}/webhooks/github`, { secret: WEBHOOK_SECRET, event: "pull_request", body });
    assert.equal(first.status, 202);
    await until(() => gh.comments.some((c) => c.number === pr.number), "the pull request's comment");
    await sleep(1000);
    const seen = gh.requests.length;
    const comments = gh.comments.length;
    // the same signed body, captured, sent again with a delivery id of the attacker's choosing
    const replay = await sendWebhook(`${base}/webhooks/github`, { secret: WEBHOOK_SECRET, event: "pull_request", body });
    assert.ok(replay.status >= 200 && replay.status < 300, `${replay.status} ${replay.text}`);
    await sleep(2000);
    assert.equal(gh.comments.length, comments, "the pull request was commented on again");
    assert.deepEqual(gh.requests.slice(seen), [], "GitHub's API was called again");
  });

  test("8f. a worker result of val_bpb -3 is refused, and nothing is recorded", { timeout: 60_000 }, async () => {
    await settleQueue();
    const owen = await account("owen");
    const box = await account("box-8f", "worker");
    const id = await submitted(owen, recordPack({ name: "Honest" }));
    const lease = await leaseNext(box);
    assert.equal(lease.job.submission_id, id);
    const result = (await claimedResult(box, lease))!;
    const r = await call(base, "POST", `/api/worker/jobs/${lease.job.id}`, box, { result: { ...result, val_bpb: -3 } });
    assertRefused(r, [400, 422], "val_bpb -3");
    assert.deepEqual(((await call(base, "GET", `/api/submissions/${id}/results`, owen)).json as { runs: unknown[] }).runs, []);
    // the job is still the worker's to report properly
    const ok = await call(base, "POST", `/api/worker/jobs/${lease.job.id}`, box, { result });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.recorded, true);
  });

  test("8g. GET /api/submissions/:id and its results without a session are 401", { timeout: 30_000 }, async () => {
    const quinn = await account("quinn");
    const id = await submitted(quinn, recordPack({ name: "Private until approved" }));
    assert.equal((await call(base, "GET", `/api/submissions/${id}`, quinn)).status, 200);
    for (const p of [`/api/submissions/${id}`, `/api/submissions/${id}/results`]) {
      const a = await call(base, "GET", p, null);
      assertRefused(a, [401], `GET ${p} without a token`);
      assert.equal(a.json.error.code, "PGOLF_HTTP_UNAUTHORIZED");
    }
  });

  // ---------- 9. found by reading ----------

  // POST /api/session/logout (to build): revokes the session that sends it
  test("9a. sign out revokes the session", { timeout: 30_000 }, async () => {
    oauth.as("octo-leaver", 9101);
    const cred = await signInWithGitHub(base);
    assert.equal((await me(base, cred)).json?.handle, "octo-leaver");
    const out = await call(base, "POST", "/api/session/logout", null, {}, cred.headers);
    assert.ok(out.status === 200 || out.status === 204, `sign out: ${out.status} ${out.text.slice(0, 200)}`);
    assert.equal((await me(base, cred)).status, 401, "the session still works after signing out");
  });

  // POST /api/me/token/rotate and DELETE /api/users/:handle/token (to build)
  test("9b. tokens can be rotated (the first admin's too) and revoked", { timeout: 30_000 }, async () => {
    const old = admin;
    const rotated = await call(base, "POST", "/api/me/token/rotate", old, {});
    assert.equal(rotated.status, 200, `rotate: ${rotated.status} ${rotated.text.slice(0, 200)}`);
    const fresh = rotated.json.token as string;
    assert.match(fresh, /^pg_[0-9a-f]{48}$/);
    admin = fresh;
    assert.equal((await call(base, "GET", "/api/me", old)).status, 401, "the old token still works");
    assert.equal((await call(base, "GET", "/api/me", fresh)).json.role, "admin");
    const dora = await account("dora");
    assert.equal((await call(base, "GET", "/api/me", dora)).status, 200);
    const revoked = await call(base, "DELETE", "/api/users/dora/token", admin);
    assert.ok(revoked.status === 200 || revoked.status === 204, `revoke: ${revoked.status} ${revoked.text.slice(0, 200)}`);
    assert.equal((await call(base, "GET", "/api/me", dora)).status, 401, "the revoked token still works");
  });

  test("9c. a GitHub identity is keyed by its numeric id: whoever takes a renamed account's login does not get the account", { timeout: 30_000 }, async () => {
    await account("gina", "reviewer", { github_login: "octo-gina" });
    oauth.as("octo-gina", 4242);
    const first = (await me(base, await signInWithGitHub(base))).json as { handle?: string; role?: string } | null;
    assert.deepEqual([first?.handle, first?.role], ["gina", "reviewer"]);
    // gina renames her GitHub account; someone else (another id) registers her old login
    oauth.as("octo-gina", 6666);
    const squatter = (await me(base, await signInWithGitHub(base))).json as { handle?: string; role?: string } | null;
    assert.notEqual(squatter?.handle, "gina", "the new owner of the login signed in as gina, a reviewer");
    // gina, under her new login (same id), is still gina
    oauth.as("gina-renamed", 4242);
    assert.equal((await me(base, await signInWithGitHub(base))).json?.handle, "gina");
  });

  test("9d. another site cannot act with a browser's session cookie (CSRF); a malformed Origin is refused, not a crash", { timeout: 30_000 }, async () => {
    oauth.as("octo-browser", 9202);
    const cred = await signInWithGitHub(base);
    assert.ok(cred.headers.cookie, "the sign-in set a session cookie");
    for (const origin of ["https://evil.example", "null", "not a url", `http://${new URL(base).host}.evil.example`]) {
      const out = await call(base, "POST", "/api/me/token/rotate", null, {}, { ...cred.headers, origin });
      assertRefused(out, [403], `a cookie-borne POST from Origin ${origin}`);
    }
    assert.equal((await me(base, cred)).json?.handle, "octo-browser", "the refused requests changed nothing");
    // the site's own pages may act with it
    const own = await call(base, "POST", "/api/session/logout", null, {}, { ...cred.headers, origin: base });
    assert.equal(own.status, 204, own.text);
    // a signed-out page asks who it is and gets 200 {user: null}, not an error
    assert.deepEqual((await call(base, "GET", "/api/session", null, undefined, cred.headers)).json, { user: null });
  });

  test("9e. /auth/github does not add a row per anonymous request", { timeout: 30_000 }, async () => {
    const before = await publicRows();
    for (let i = 0; i < 100; i++) await fetch(`${base}/auth/github`, { redirect: "manual" }).then((r) => r.arrayBuffer());
    const after = await publicRows();
    const grown = Object.entries(after).filter(([t, n]) => n > (before[t] ?? 0)).map(([t, n]) => `${t} +${n - (before[t] ?? 0)}`);
    // a rate limit may let a few through; 100 anonymous requests must not make 100 rows
    const added = Object.entries(after).reduce((a, [t, n]) => a + Math.max(0, n - (before[t] ?? 0)), 0);
    assert.ok(added <= 10, `100 anonymous requests added rows: ${grown.join(", ")}`);
  });

  test("9f. a worker can download only the packs of jobs it has leased", { timeout: 60_000 }, async () => {
    await settleQueue();
    const uma = await account("uma");
    const nosy = await account("box-nosy", "worker");
    const id = await submitted(uma, recordPack({ name: "Not yours to read" }));
    assertRefused(await call(base, "GET", `/api/submissions/${id}/pack`, nosy), [403], "a worker downloading a pack it has not leased");
    assert.equal((await call(base, "GET", `/api/submissions/${id}/pack`, reviewer)).status, 200, "reviewers read packs");
    const lease = await leaseNext(nosy);
    assert.equal(lease.job.submission_id, id);
    assert.equal((await call(base, "GET", `/api/submissions/${id}/pack`, nosy)).status, 200, "once leased, the worker downloads it");
  });

  test("9f2. reading a submission's files costs what was asked for: 30 clients that ask for its 48 MiB file and never read hold no copy of it, and a small file is read at once", { timeout: 120_000 }, async () => {
    const BIG = 48 * 1024 * 1024;
    const READERS = 30;
    const big = Buffer.alloc(BIG, 97);
    big.write("the big file's own end", BIG - 22);
    const readme = `# Big\n\n${"A record that carries one large file. ".repeat(18)}\n`;
    const xena = await account("xena");
    const id = await submitted(xena, recordPack({ name: "Big", readme, extra: { "big.txt": big } }));
    const small = async () => {
      const r = await call(base, "GET", `/api/submissions/${id}/files/README.md`, xena);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.equal(r.text, readme, "the small file's bytes");
      return r.ms;
    };
    const list = await call(base, "GET", `/api/submissions/${id}/files`, xena);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.find((f: { path: string }) => f.path === "big.txt"), { path: "big.txt", bytes: BIG, sha256: sha256(big) });
    for (let i = 0; i < 3; i++) await small();
    const { port } = new URL(base);
    collectGarbage();
    const rss0 = process.memoryUsage().rss;
    // each reader sends its request, reads the answer's first chunk (to see its status), then stops reading
    // (30 people, each from an address of their own: one address is sent at most 4 files at once, 9f3)
    const readers = await Promise.all(
      Array.from({ length: READERS }, (_, i) => {
        const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: `127.0.7.${i + 1}` });
        socket.on("error", () => {});
        const status = new Promise<number>((resolve) => {
          socket.once("data", (d: Buffer) => {
            socket.pause();
            resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString("latin1"))?.[1] ?? 0));
          });
          socket.once("close", () => resolve(0));
        });
        socket.write(`GET /api/submissions/${id}/files/big.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${xena}\r\n\r\n`);
        return status.then((st) => ({ socket, status: st }));
      }),
    );
    try {
      assert.deepEqual([...new Set(readers.map((r) => r.status))], [200], "every paused reader was answered");
      // the server writes what the sockets take, then waits on them
      await sleep(2000);
      const t = performance.now();
      const h = await fetch(`${base}/healthz`);
      await h.arrayBuffer();
      const healthMs = performance.now() - t;
      const smallMs: number[] = [];
      for (let i = 0; i < 10; i++) smallMs.push(await small());
      collectGarbage();
      const grown = process.memoryUsage().rss - rss0;
      smallMs.sort((a, b) => a - b);
      console.log(`attacks: ${READERS} paused readers of a ${BIG / 1048576} MiB file: RSS +${(grown / 1048576).toFixed(0)} MiB; /healthz ${h.status} in ${healthMs.toFixed(1)} ms; README read median ${smallMs[5].toFixed(1)} ms, slowest ${smallMs[9].toFixed(1)} ms`);
      assert.equal(h.status, 200);
      // a copy of the file per reader would be READERS x 48 MiB; what a paused reader may hold is a chunk or two
      assert.ok(grown < 150 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(0)} MiB with ${READERS} paused readers`);
      assert.ok(healthMs < 200, `/healthz took ${healthMs.toFixed(0)} ms with ${READERS} paused readers`);
      assert.ok(smallMs[5] < 50, `reading a 700-byte README took ${smallMs[5].toFixed(0)} ms (median)`);
    } finally {
      for (const r of readers) r.socket.destroy();
    }
    // a reader that reads gets the big file whole and intact, with the same headers as a small one
    const whole = await fetch(`${base}/api/submissions/${id}/files/big.txt`, { headers: { authorization: `Bearer ${xena}` } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-length"), String(BIG));
    assert.equal(whole.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(whole.headers.get("x-content-type-options"), "nosniff");
    assert.equal(whole.headers.get("content-security-policy"), "sandbox; default-src 'none'");
    assert.equal(whole.headers.get("cache-control"), "no-store");
    assert.equal(sha256(Buffer.from(await whole.arrayBuffer())), sha256(big), "the big file's bytes");
  });

  test("9f3. one address is sent at most 4 files at once, the server at most 32: past that a file is refused (503) before it is opened, and the slots come back when the readers hang up", { timeout: 120_000 }, async () => {
    const BIG = 8 * 1024 * 1024;
    const yara = await account("yara");
    const id = await submitted(yara, recordPack({ name: "Streams", extra: { "big.bin": Buffer.alloc(BIG, 7) } }));
    const { port } = new URL(base);
    const open = (from: string) => {
      const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: from });
      socket.on("error", () => undefined);
      const status = new Promise<number>((resolve) => {
        socket.once("data", (d: Buffer) => {
          socket.pause(); // never reads past the first chunk
          resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString("latin1"))?.[1] ?? 0));
        });
        socket.once("close", () => resolve(0));
      });
      socket.write(`GET /api/submissions/${id}/files/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${yara}\r\n\r\n`);
      return { socket, status };
    };
    const one = Array.from({ length: 10 }, () => open("127.0.8.1"));
    const oneStatus = await Promise.all(one.map((r) => r.status));
    assert.equal(oneStatus.filter((x) => x === 200).length, 4, `one address: ${oneStatus.join(" ")}`);
    assert.equal(oneStatus.filter((x) => x === 503).length, 6, `one address: ${oneStatus.join(" ")}`);
    // many addresses: 32 in all (4 held above)
    const many = Array.from({ length: 40 }, (_, i) => open(`127.0.8.${i + 10}`));
    const manyStatus = await Promise.all(many.map((r) => r.status));
    console.log(`attacks: paused readers of an 8 MiB file: 10 from one address -> ${oneStatus.filter((x) => x === 200).length} streamed, the rest 503; 40 more from 40 addresses -> ${manyStatus.filter((x) => x === 200).length} streamed`);
    assert.equal(manyStatus.filter((x) => x === 200).length, 28, `many addresses: ${manyStatus.join(" ")}`);
    for (const r of [...one, ...many]) r.socket.destroy();
    // hung up: the slots come back
    await until(async () => (await call(base, "GET", `/api/submissions/${id}/files/README.md`, yara)).status === 200, "a file read after the readers hung up", 10_000);
  });

  test("9g. results, reviews and submissions are append-only in the schema: UPDATE and DELETE through the db fail", { timeout: 60_000 }, async () => {
    await settleQueue();
    const vic = await account("vic");
    const reproduced = await submitted(vic, recordPack({ name: "Reproduced" }));
    await settleQueue();
    assert.equal((await call(base, "POST", `/api/submissions/${reproduced}/review`, reviewer, { action: "request-changes", reason: "say more" })).status, 200);
    const fresh = await submitted(vic, recordPack({ name: "Fresh" }));
    const db = s.contest!.db;
    const statements: [string, string][] = [
      [`UPDATE results SET val_bpb = 0.1 WHERE submission_id = $1`, reproduced],
      [`DELETE FROM results WHERE submission_id = $1`, reproduced],
      [`UPDATE reviews SET reason = 'never mind', action = 'approve' WHERE submission_id = $1`, reproduced],
      [`DELETE FROM reviews WHERE submission_id = $1`, reproduced],
      [`UPDATE submissions SET claimed = '{"name": "rewritten"}'::jsonb WHERE id = $1`, fresh],
      [`DELETE FROM submissions WHERE id = $1`, fresh],
    ];
    // the rows the statements aim at exist
    for (const [table, column, id] of [["results", "submission_id", reproduced], ["reviews", "submission_id", reproduced], ["submissions", "id", fresh]]) {
      assert.ok((await db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [id])).rows.length > 0, `no ${table} row for ${id}`);
    }
    const allowed: string[] = [];
    class Rollback extends Error {}
    for (const [sql, id] of statements) {
      try {
        await db.transaction(async (tx) => {
          // a statement that changes a row went through: undo it, and report it (a rule that does nothing instead is a refusal too)
          if ((await tx.query(sql, [id])).affectedRows > 0) throw new Rollback();
        });
      } catch (e) {
        if (e instanceof Rollback) allowed.push(sql);
        // the database refused it; a missing table or column would be the test's mistake, not a refusal
        else if (["42P01", "42703"].includes(String((e as { code?: unknown }).code))) throw e;
      }
    }
    assert.deepEqual(allowed, []);
  });

  test("9i. a crowd of uploads trickling their bodies cannot hold memory or the intake: past the admission limits they are refused before their bodies are read, and the slots come back when they hang up", { timeout: 60_000 }, async () => {
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, i) => account(`trickle-${i}`)));
    const { port } = new URL(base);
    // each account opens 3 uploads that declare 64 MiB and send 1 KiB: 36 bodies of 64 MiB would be 2.3 GiB held
    const sockets: { socket: net.Socket; answer: Promise<number> }[] = [];
    for (const token of crowd) {
      for (let k = 0; k < 3; k++) {
        // each account from an address of its own (one address may hold 8 uploads: 9m)
        const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: `127.0.3.${crowd.indexOf(token) + 1}` });
        const answer = statusLine(socket);
        socket.write(`POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
        socket.write(randomBytes(1024));
        sockets.push({ socket, answer });
      }
    }
    // the ones refused are answered at once, while the rest are still trickling
    const answered = await Promise.all(sockets.map((x) => Promise.race([x.answer, sleep(3000).then(() => -1)])));
    const health = performance.now();
    const h = await fetch(`${base}/healthz`);
    const healthMs = performance.now() - health;
    const refused = answered.filter((a) => a === 503).length;
    const held = answered.filter((a) => a === -1).length;
    console.log(`attacks: 36 uploads trickling 64 MiB bodies from 12 accounts: ${refused} refused at once (503), ${held} admitted; /healthz ${h.status} in ${healthMs.toFixed(1)} ms`);
    assert.equal(h.status, 200);
    // per account 2 at most (12 refused), and 18 in all (6 more)
    assert.equal(held, 18, `admitted: ${answered.join(" ")}`);
    assert.equal(refused, 18, `refused: ${answered.join(" ")}`);
    // hanging up frees the slots: an honest upload is taken again
    for (const x of sockets) x.socket.destroy();
    const honest = await account("after-the-crowd");
    await until(async () => (await upload(honest, recordPack({ name: "After the crowd" }))).status === 201, "an upload taken after the crowd hung up", 10_000);
  });

  test("9j. anonymous clients holding request bodies open cannot take memory without bound: past the server's limit they are refused before their bodies are read", { timeout: 60_000 }, async () => {
    const { port } = new URL(base);
    // 100 deliveries that declare 5 MB and send 1 KiB, from addresses of their own (127.0.0.2 and .3, 50
    // each, under the per-address connection limit: connection_guard.ts; the
    // webhook's forger limit, tested by 9h from 127.0.0.1, never sees them)
    const held: { socket: net.Socket; answer: Promise<number> }[] = [];
    for (let k = 0; k < 100; k++) {
      const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: `127.0.0.${2 + (k % 2)}` });
      const answer = statusLine(socket);
      socket.write(`POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\nX-GitHub-Delivery: held-${k}\r\nX-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nContent-Length: 5000000\r\n\r\n`);
      socket.write("{" + " ".repeat(1023));
      held.push({ socket, answer });
    }
    const answered = await Promise.all(held.map((x) => Promise.race([x.answer, sleep(3000).then(() => -1)])));
    const refused = answered.filter((a) => a === 503).length;
    const open = answered.filter((a) => a === -1).length;
    const t = performance.now();
    const h = await fetch(`${base}/healthz`);
    console.log(`attacks: 100 webhook bodies of 5 MB held open: ${open} being read, ${refused} refused at once (503); /healthz ${h.status} in ${(performance.now() - t).toFixed(1)} ms`);
    for (const x of held) x.socket.destroy();
    assert.equal(h.status, 200);
    assert.equal(open, 64, `bodies read at once: ${answered.join(" ")}`);
    assert.equal(refused, 36, `refused: ${answered.join(" ")}`);
    // bodies whose senders hung up free their places: GitHub's next delivery is read
    await until(async () => (await sendWebhook(`${base}/webhooks/github`, { secret: WEBHOOK_SECRET, event: "ping", payload: { zen: "Half measures are as bad as nothing at all." } })).status === 204, "a delivery taken after the holders hung up", 10_000);
  });

  test("9k. idle and slowloris connections from one address cannot take the server's sockets: past 64 they are refused at once, and the rest are closed at the headers timeout", { timeout: 60_000 }, async () => {
    const { port } = new URL(base);
    // 300 connections from one address (127.0.0.4); half send nothing, half a header line every second
    const crowd = Array.from({ length: 300 }, (_, k) => {
      const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: "127.0.0.4" });
      const t = performance.now();
      socket.on("error", () => undefined);
      const first = statusLine(socket);
      const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(performance.now() - t)));
      let drip: NodeJS.Timeout | undefined;
      if (k % 2 === 1) {
        socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 1000);
        socket.on("close", () => clearInterval(drip));
      }
      return { socket, first, closed };
    });
    const early = await Promise.all(crowd.map((c) => Promise.race([c.first, sleep(2000).then(() => -1)])));
    const refused = early.filter((a) => a === 503).length;
    const held = early.filter((a) => a === -1).length;
    const t = performance.now();
    const h = await fetch(`${base}/healthz`);
    const healthMs = performance.now() - t;
    assert.equal(h.status, 200, "another address is served");
    assert.equal(held, 64, `held: ${early.join(" ")}`);
    assert.equal(refused, 236, `refused at once: ${early.join(" ")}`);
    // the held ones never finish their headers: closed at the headers timeout (10 s, checked every second)
    const lived = await Promise.all(crowd.map((c) => Promise.race([c.closed, sleep(20_000).then(() => -1)])));
    for (const c of crowd) c.socket.destroy();
    const longest = Math.max(...lived);
    console.log(`attacks: 300 idle and slowloris connections from one address: ${refused} refused at once (503), ${held} held until the headers timeout (the longest lived ${(longest / 1000).toFixed(1)} s); /healthz from another address ${h.status} in ${healthMs.toFixed(1)} ms`);
    assert.ok(!lived.includes(-1) && longest < 13_000, `every held connection is closed by 13 s: the longest lived ${longest} ms`);
  });

  test("9l. connections pipelining thousands of requests they never read get at most 8 answers, and no route runs for the rest", { timeout: 60_000 }, async () => {
    const { port } = new URL(base);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const flood = Array.from({ length: 20 }, () => {
      const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: "127.0.0.5" });
      socket.on("error", () => undefined);
      socket.pause(); // does not read while the server works through what it sent
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.write(Buffer.from("GET /api/leaderboard HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(20_000)));
      return { socket, closed, answers: () => (text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length };
    });
    const t = performance.now();
    const h = await fetch(`${base}/healthz`);
    const healthMs = performance.now() - t;
    await sleep(1000);
    // now read what the server sent: a closed connection shows its answers, then its end
    for (const f of flood) f.socket.resume();
    const ended = await Promise.all(flood.map((f) => Promise.race([f.closed.then(() => true), sleep(10_000).then(() => false)])));
    lag.disable();
    const answers = flood.map((f) => f.answers());
    for (const f of flood) f.socket.destroy();
    console.log(`attacks: 20 connections pipelining 20,000 requests each: answers per connection ${Math.max(...answers)} at most, ${ended.filter(Boolean).length} closed by the server; /healthz ${h.status} in ${healthMs.toFixed(1)} ms; the event loop's longest delay ${(lag.max / 1e6).toFixed(0)} ms`);
    assert.equal(h.status, 200);
    assert.deepEqual([...new Set(ended)], [true], "every pipelining connection is closed by the server");
    assert.ok(Math.max(...answers) <= 8, `answers per connection: ${answers.join(" ")}`);
    // and the address is shut out for a while: its next connection is refused before it is read
    const again = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: "127.0.0.5" });
    again.on("error", () => undefined);
    again.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert.equal(await Promise.race([statusLine(again), sleep(3000).then(() => -1)]), 503);
    again.destroy();
  });

  test("9m. uploads trickled to hold the intake's slots are cut within seconds and their accounts wait, so re-grabbing them fails and an honest upload gets in; one address holds at most 8", { timeout: 90_000 }, async () => {
    const { port } = new URL(base);
    const holders = await Promise.all(Array.from({ length: 9 }, (_, i) => account(`regrab-${i}`)));
    const honest = await account("regrab-honest");
    let stop = false;
    const answers: Record<string, number> = {};
    // one slot holder: declares 60 MB, sends a byte a second, and opens again as soon as it is answered
    const hold = async (token: string, from: string) => {
      while (!stop) {
        const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: from });
        socket.on("error", () => undefined);
        socket.write(`POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 60000000\r\n\r\nPGPK`);
        const drip = setInterval(() => socket.writable && socket.write("\0"), 1000);
        const status = await Promise.race([statusLine(socket), until(() => stop, "stop", 90_000).then(() => -1)]);
        clearInterval(drip);
        socket.destroy();
        answers[status] = (answers[status] ?? 0) + 1;
        await sleep(20);
      }
    };
    // 9 accounts, each from an address of its own, 2 slots each: all 18 of the intake's slots
    const running = holders.flatMap((token, i) => [hold(token, `127.0.4.${i + 1}`), hold(token, `127.0.4.${i + 1}`)]);
    await sleep(1500);
    const t = performance.now();
    let tries = 0;
    let honestIn: Answer | null = null;
    while (performance.now() - t < 30_000) {
      tries++;
      const a = await upload(honest, recordPack({ name: `Honest ${tries}` }));
      if (a.status === 201) {
        honestIn = a;
        break;
      }
      assert.equal(a.status, 503, `the honest upload is refused only for room: ${a.text}`);
      await sleep(1000);
    }
    const waited = performance.now() - t;
    stop = true;
    await Promise.all(running);
    console.log(`attacks: 18 slots held by trickled uploads from 9 accounts, re-opened when cut: answers ${JSON.stringify(answers)}; the honest participant got in after ${(waited / 1000).toFixed(1)} s (${tries} tries)`);
    assert.ok(honestIn, `the honest participant got no upload in over 30 s: holders' answers ${JSON.stringify(answers)}`);
    assert.ok((answers[408] ?? 0) >= 9, `trickled bodies are cut (408): ${JSON.stringify(answers)}`);
    assert.ok((answers[429] ?? 0) >= 1, `a struck account re-grabbing is refused (429): ${JSON.stringify(answers)}`);
    // the cut says why, with a stable code, and the cooldown says when to come back
    const cut = await upload(holders[0], recordPack({ name: "Again" }));
    assertRefused(cut, [429], "a struck account");
    assert.equal(cut.json.error.code, "PGOLF_HTTP_RATE_LIMITED");
    assert.ok(Number(cut.headers.get("retry-after")) > 0, "Retry-After says when");
    // one address: 8 uploads at most at once, whatever the accounts
    const crowd = await Promise.all(Array.from({ length: 5 }, (_, i) => account(`one-address-${i}`)));
    const sockets = crowd.flatMap((token) =>
      [0, 1].map(() => {
        const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: "127.0.4.100" });
        socket.on("error", () => undefined);
        const answer = statusLine(socket);
        socket.write(`POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 60000000\r\n\r\nPGPK`);
        return { socket, answer };
      }),
    );
    const early = await Promise.all(sockets.map((x) => Promise.race([x.answer, sleep(2000).then(() => -1)])));
    for (const x of sockets) x.socket.destroy();
    assert.equal(early.filter((a) => a === -1).length, 8, `held from one address: ${early.join(" ")}`);
    assert.equal(early.filter((a) => a === 503).length, 2, `refused: ${early.join(" ")}`);
  });

  test("9n. forged webhook deliveries from rotating addresses are refused before their bodies are read: only GitHub's hook ranges (its /meta) are read", { timeout: 60_000 }, async () => {
    const { port } = new URL(base);
    // 200 forgers, each from an address of its own (the per-address forger limit never sees two),
    // each declaring a 5 MB body and sending 1 KiB of it
    const forgers = Array.from({ length: 200 }, (_, k) => {
      const socket = net.connect({ port: Number(port), host: "127.0.0.1", localAddress: `127.0.6.${k + 1}` });
      socket.on("error", () => undefined);
      const answer = statusLine(socket);
      socket.write(`POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\nX-GitHub-Delivery: rotating-${k}\r\nX-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nContent-Length: 5000000\r\n\r\n`);
      socket.write("{" + " ".repeat(1023));
      return { socket, answer };
    });
    const answered = await Promise.all(forgers.map((f) => Promise.race([f.answer, sleep(3000).then(() => -1)])));
    for (const f of forgers) f.socket.destroy();
    const counts: Record<string, number> = {};
    for (const a of answered) counts[a] = (counts[a] ?? 0) + 1;
    console.log(`attacks: 200 forged deliveries from 200 addresses outside GitHub's hook ranges: ${JSON.stringify(counts)} (403: refused before the body)`);
    assert.deepEqual(counts, { 403: 200 }, "each is refused at once, with 4.99 MB of its body never sent");
    // GitHub's own deliveries, from its ranges, are taken
    const ok = await sendWebhook(`${base}/webhooks/github`, { secret: WEBHOOK_SECRET, event: "ping", payload: { zen: "Design for failure." } });
    assert.equal(ok.status, 204);
  });

  // last: it shuts this test's address out of the webhook for a minute
  test("9h. an address that keeps forging webhook signatures is shut out; signed deliveries are never counted", { timeout: 60_000 }, async () => {
    const url = `${base}/webhooks/github`;
    const signed = [];
    for (let i = 0; i < 40; i++) signed.push((await sendWebhook(url, { secret: WEBHOOK_SECRET, event: "ping", payload: { zen: "Keep it logically awesome." } })).status);
    assert.deepEqual([...new Set(signed)], [204], "GitHub's own deliveries are all taken, however many");
    const forged = [];
    for (let i = 0; i < 40; i++) forged.push((await sendWebhook(url, { secret: "guessed", event: "pull_request", payload: { action: "opened" } })).status);
    assert.deepEqual(forged.slice(0, 30), Array(30).fill(401));
    assert.deepEqual([...new Set(forged.slice(30))], [429], `past 30 refusals a minute the forger is refused before its body is read: ${forged.join(" ")}`);
  });
});
