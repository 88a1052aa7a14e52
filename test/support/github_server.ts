// A real HTTP server on 127.0.0.1 that speaks the part of GitHub's REST API the record intake uses,
// so the client and the intake are tested over real sockets and nothing talks to github.com:
//
//   GET  /repos/{o}/{r}/pulls/{n}/files        paginated (per_page, page; Link rel="next"/"last")
//   GET  /repos/{o}/{r}/git/trees/{sha}        by commit sha (its root tree) or tree sha; ?recursive=1
//   GET  /repos/{o}/{r}/git/blobs/{sha}        base64
//   GET  /repos/{o}/{r}/contents/{path}?ref=   file (base64; over 1 MB: content "" encoding "none"),
//                                              folder listing, or a symlink object
//   POST /repos/{o}/{r}/statuses/{sha}         recorded in `statuses` (422 past 140 characters)
//   POST /repos/{o}/{r}/issues/{n}/comments    recorded in `comments`
//
// and GitHub's OAuth web flow for signing in ("Sign in with GitHub"), as an app registered with
// `oauthApp(clientId, secret)` sees it, for the person `signIn(login)` made the browser's user:
//   GET  /login/oauth/authorize                 302 to redirect_uri?code=..&state=.. (consent assumed)
//   POST /login/oauth/access_token              code -> {access_token} (JSON with Accept: application/json;
//                                              a bad or reused code: 200 {error: "bad_verification_code"})
//   GET  /user                                  with that access token: {login, id}
//
// Every request must carry "Authorization: Bearer <token>" or "token <token>" (401 otherwise). Faults are injected per
// request pattern: an error status (with headers such as Retry-After) or a delay, N times. Also here:
// a GitHub-like pull_request payload and `sendWebhook`, which POSTs a signed delivery to a URL.
import { createHash, createHmac, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeFile {
  content: Buffer | string;
  /** 100644 (default), 100755, 120000 (symlink: content is the target), 160000 (submodule). */
  mode?: string;
}

type FileMap = Map<string, { content: Buffer; mode: string; sha: string }>;

export interface FakePullInit {
  number?: number;
  author?: string;
  title?: string;
  /** Path -> new file, or null to delete it. Applied on top of the repository's base files. */
  changes: Record<string, FakeFile | string | null>;
}

export interface FakePull {
  repo: string;
  number: number;
  author: string;
  title: string;
  baseSha: string;
  headSha: string;
  listed: { filename: string; status: string; sha: string | null }[];
}

export interface Fault {
  /** Matched against "METHOD /path?query". */
  match: RegExp;
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
  times: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  status: number;
}

export const gitBlobSha = (content: Buffer) => createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

export class GitHubServer {
  readonly token: string;
  url = "";
  readonly statuses: { repo: string; sha: string; body: any }[] = [];
  readonly comments: { repo: string; number: number; body: string }[] = [];
  readonly requests: LoggedRequest[] = [];
  /** What GET /meta lists as the ranges webhook deliveries come from (deliveries from tests: loopback). */
  hookRanges: string[] = ["127.0.0.0/8"];
  private readonly server: http.Server;
  private readonly repos = new Map<string, { baseSha: string }>();
  private readonly commits = new Map<string, FileMap>();
  private readonly trees = new Map<string, { commit: string; dir: string }>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly pulls = new Map<string, FakePull>();
  private readonly faults: Fault[] = [];
  private nextComment = 1000;
  private oauth: { clientId: string; secret: string } | null = null;
  private browserUser: string | null = null;
  private readonly codes = new Map<string, { login: string; redirectUri: string }>();
  private readonly userTokens = new Map<string, string>();

  private constructor(token: string) {
    this.token = token;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) this.json(req, res, 500, { message: String(e) });
      });
    });
  }

  static async start(opts: { token?: string } = {}): Promise<GitHubServer> {
    const s = new GitHubServer(opts.token ?? "ghs_test_token");
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Registers the OAuth app the contest server signs people in with. */
  oauthApp(clientId: string, secret: string): void {
    this.oauth = { clientId, secret };
  }

  /** The GitHub account the browser is signed in to (null: nobody, authorize answers 401). */
  signIn(login: string | null): void {
    this.browserUser = login;
  }

  private async oauthRoute(req: http.IncomingMessage, res: http.ServerResponse, u: URL): Promise<boolean> {
    if (req.method === "GET" && u.pathname === "/login/oauth/authorize") {
      if (!this.oauth || u.searchParams.get("client_id") !== this.oauth.clientId) return (this.json(req, res, 404, { message: "unknown client_id" }), true);
      if (!this.browserUser) return (this.json(req, res, 401, { message: "not signed in to GitHub" }), true);
      const redirectUri = u.searchParams.get("redirect_uri") ?? "";
      const code = randomUUID().replace(/-/g, "").slice(0, 20);
      this.codes.set(code, { login: this.browserUser, redirectUri });
      const to = new URL(redirectUri);
      to.searchParams.set("code", code);
      to.searchParams.set("state", u.searchParams.get("state") ?? "");
      res.writeHead(302, { location: to.toString() });
      res.end();
      this.requests.push({ method: "GET", url: req.url ?? "", status: 302 });
      return true;
    }
    if (req.method === "POST" && u.pathname === "/login/oauth/access_token") {
      const b = await this.readJson(req);
      const grant = this.codes.get(b?.code);
      if (!this.oauth || b?.client_id !== this.oauth.clientId || b?.client_secret !== this.oauth.secret) return (this.json(req, res, 200, { error: "incorrect_client_credentials" }), true);
      if (!grant || (b.redirect_uri && b.redirect_uri !== grant.redirectUri)) return (this.json(req, res, 200, { error: "bad_verification_code" }), true);
      this.codes.delete(b.code);
      const token = `gho_${randomUUID().replace(/-/g, "")}`;
      this.userTokens.set(token, grant.login);
      this.json(req, res, 200, { access_token: token, token_type: "bearer", scope: "" });
      return true;
    }
    if (req.method === "GET" && u.pathname === "/user") {
      const login = this.userTokens.get((req.headers.authorization ?? "").replace(/^(Bearer|token) /, ""));
      if (!login) return (this.json(req, res, 401, { message: "Bad credentials" }), true);
      this.json(req, res, 200, { login, id: 1000 + login.length, type: "User" });
      return true;
    }
    return false;
  }

  /** A repository whose default branch holds `files`. */
  addRepo(fullName: string, files: Record<string, FakeFile | string> = {}): string {
    const baseSha = this.commit(new Map(), files);
    this.repos.set(fullName, { baseSha });
    return baseSha;
  }

  addPull(repo: string, init: FakePullInit): FakePull {
    const r = this.repos.get(repo);
    if (!r) throw new Error(`no repo ${repo}`);
    const base = this.commits.get(r.baseSha)!;
    const number = init.number ?? this.pulls.size + 1;
    const headSha = this.commit(base, init.changes);
    const head = this.commits.get(headSha)!;
    const listed = Object.keys(init.changes)
      .sort()
      .map((p) => (head.has(p) ? { filename: p, status: base.has(p) ? "modified" : "added", sha: head.get(p)!.sha } : { filename: p, status: "removed", sha: null }));
    const pull: FakePull = { repo, number, author: init.author ?? "contestant", title: init.title ?? `Record #${number}`, baseSha: r.baseSha, headSha, listed };
    this.pulls.set(`${repo}#${number}`, pull);
    return pull;
  }

  /** The next `times` requests matching `match` answer `status` (with headers) and/or wait delayMs first. */
  fault(match: RegExp, f: Omit<Fault, "match" | "times"> & { times?: number }): void {
    this.faults.push({ match, times: f.times ?? 1, ...f });
  }

  private commit(parent: FileMap, changes: Record<string, FakeFile | string | null>): string {
    const files: FileMap = new Map(parent);
    for (const [p, f] of Object.entries(changes)) {
      if (f === null) {
        files.delete(p);
        continue;
      }
      const ff = typeof f === "string" ? { content: f } : f;
      const content = Buffer.isBuffer(ff.content) ? ff.content : Buffer.from(ff.content);
      const sha = gitBlobSha(content);
      this.blobs.set(sha, content);
      files.set(p, { content, mode: ff.mode ?? "100644", sha });
    }
    const id = sha1([...files].map(([p, f]) => `${f.mode} ${p} ${f.sha}`).sort().join("\n") + randomUUID());
    this.commits.set(id, files);
    return id;
  }

  private treeId(commit: string, dir: string): string {
    const id = sha1(`tree ${commit} ${dir}`);
    this.trees.set(id, { commit, dir });
    return id;
  }

  /** Entries under dir ("" = root), paths relative to dir. */
  private treeEntries(commit: string, dir: string, recursive: boolean): any[] {
    const files = this.commits.get(commit)!;
    const prefix = dir ? `${dir}/` : "";
    const out = new Map<string, any>();
    for (const [p, f] of files) {
      if (!p.startsWith(prefix)) continue;
      const rel = p.slice(prefix.length);
      const parts = rel.split("/");
      const dirsToAdd = recursive ? parts.length - 1 : Math.min(1, parts.length - 1);
      for (let i = 1; i <= dirsToAdd; i++) {
        const sub = parts.slice(0, i).join("/");
        if (!out.has(sub)) out.set(sub, { path: sub, mode: "040000", type: "tree", sha: this.treeId(commit, prefix + sub) });
      }
      if (parts.length === 1 || recursive) {
        const type = f.mode === "160000" ? "commit" : "blob";
        out.set(rel, { path: rel, mode: f.mode, type, sha: f.sha, ...(type === "blob" ? { size: f.content.length } : {}) });
      }
    }
    return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private json(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", status });
  }

  private async readJson(req: http.IncomingMessage): Promise<any> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", this.url);
    const key = `${req.method} ${u.pathname}${u.search}`;
    const fault = this.faults.find((f) => f.times > 0 && f.match.test(key));
    if (fault) {
      fault.times--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) return this.json(req, res, fault.status, { message: `injected ${fault.status}` }, fault.headers);
    }
    if (await this.oauthRoute(req, res, u)) return;
    // as GitHub: the address ranges its webhook deliveries come from (no token needed)
    if (req.method === "GET" && u.pathname === "/meta") return this.json(req, res, 200, { verifiable_password_authentication: false, hooks: this.hookRanges, web: [], api: [], git: [] });
    // as GitHub: "Bearer <token>" or "token <token>" (Octokit sends the latter for a plain token)
    if (req.headers.authorization !== `Bearer ${this.token}` && req.headers.authorization !== `token ${this.token}`) return this.json(req, res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });

    const m = /^\/repos\/([^/]+\/[^/]+)\/(.*)$/.exec(u.pathname);
    const repo = m ? decodeURIComponent(m[1]) : "";
    if (!m || !this.repos.has(repo)) return this.json(req, res, 404, { message: "Not Found" });
    const rest = m[2];
    let g: RegExpExecArray | null;

    if (req.method === "GET" && (g = /^pulls\/(\d+)\/files$/.exec(rest))) {
      const pull = this.pulls.get(`${repo}#${g[1]}`);
      if (!pull) return this.json(req, res, 404, { message: "Not Found" });
      const perPage = Math.min(100, Number(u.searchParams.get("per_page") ?? 30));
      const page = Math.max(1, Number(u.searchParams.get("page") ?? 1));
      const all = pull.listed;
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const items = all.slice((page - 1) * perPage, page * perPage).map((f) => ({
        ...f,
        additions: 1,
        deletions: 0,
        changes: 1,
        raw_url: `${this.url}/${repo}/raw/${pull.headSha}/${f.filename}`,
        contents_url: `${this.url}/repos/${repo}/contents/${f.filename}?ref=${pull.headSha}`,
      }));
      const link = (p: number) => {
        const l = new URL(u);
        l.searchParams.set("page", String(p));
        l.searchParams.set("per_page", String(perPage));
        return l.toString();
      };
      const links = page < last ? `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"` : "";
      return this.json(req, res, 200, items, links ? { link: links } : {});
    }
    if (req.method === "GET" && (g = /^git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      const ref = this.commits.has(g[1]) ? { commit: g[1], dir: "" } : this.trees.get(g[1]);
      if (!ref) return this.json(req, res, 404, { message: "Not Found" });
      const recursive = u.searchParams.has("recursive");
      return this.json(req, res, 200, { sha: this.treeId(ref.commit, ref.dir), url: u.toString(), tree: this.treeEntries(ref.commit, ref.dir, recursive), truncated: false });
    }
    if (req.method === "GET" && (g = /^git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const b = this.blobs.get(g[1]);
      if (!b) return this.json(req, res, 404, { message: "Not Found" });
      return this.json(req, res, 200, { sha: g[1], size: b.length, encoding: "base64", content: b.toString("base64") });
    }
    if (req.method === "GET" && rest.startsWith("contents/")) {
      const p = decodeURIComponent(rest.slice("contents/".length));
      const files = this.commits.get(u.searchParams.get("ref") ?? this.repos.get(repo)!.baseSha);
      if (!files) return this.json(req, res, 404, { message: "No commit found for the ref" });
      const f = files.get(p);
      const name = p.split("/").pop();
      if (f?.mode === "120000") return this.json(req, res, 200, { type: "symlink", target: f.content.toString(), size: f.content.length, name, path: p, sha: f.sha });
      if (f?.mode === "160000") return this.json(req, res, 200, { type: "submodule", size: 0, name, path: p, sha: f.sha });
      if (f) {
        const big = f.content.length > 1024 * 1024;
        const b64 = big ? "" : (f.content.toString("base64").match(/.{1,60}/g) ?? []).join("\n");
        return this.json(req, res, 200, { type: "file", encoding: big ? "none" : "base64", size: f.content.length, name, path: p, sha: f.sha, content: b64 });
      }
      const commit = [...this.commits].find(([, v]) => v === files)![0];
      const listing = this.treeEntries(commit, p, false);
      if (!listing.length) return this.json(req, res, 404, { message: "Not Found" });
      return this.json(
        req,
        res,
        200,
        listing.map((e) => ({ type: e.type === "tree" ? "dir" : e.mode === "120000" ? "symlink" : "file", size: e.size ?? 0, name: e.path, path: `${p}/${e.path}`, sha: e.sha })),
      );
    }
    if (req.method === "POST" && (g = /^statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const body = await this.readJson(req);
      if (!["error", "failure", "pending", "success"].includes(body?.state)) return this.json(req, res, 422, { message: "Validation Failed: state" });
      if (typeof body.description === "string" && body.description.length > 140) return this.json(req, res, 422, { message: "Validation Failed: description is too long (maximum is 140 characters)" });
      this.statuses.push({ repo, sha: g[1], body });
      return this.json(req, res, 201, { id: this.statuses.length, ...body });
    }
    if (req.method === "POST" && (g = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const body = await this.readJson(req);
      if (typeof body?.body !== "string" || body.body === "") return this.json(req, res, 422, { message: "Validation Failed: body" });
      if (body.body.length > 65536) return this.json(req, res, 422, { message: "Validation Failed: body is too long (maximum is 65536 characters)" });
      const id = this.nextComment++;
      this.comments.push({ repo, number: Number(g[1]), body: body.body });
      return this.json(req, res, 201, { id, html_url: `https://github.com/${repo}/pull/${g[1]}#issuecomment-${id}`, body: body.body });
    }
    return this.json(req, res, 404, { message: "Not Found" });
  }
}

/** A pull_request webhook payload shaped like GitHub's (the fields the intake reads, and a few more). */
export function pullRequestPayload(p: { repo: string; number: number; headSha: string; author: string; action?: string; title?: string }): Record<string, unknown> {
  const [owner] = p.repo.split("/");
  return {
    action: p.action ?? "opened",
    number: p.number,
    pull_request: {
      number: p.number,
      state: "open",
      title: p.title ?? `Record #${p.number}`,
      html_url: `https://github.com/${p.repo}/pull/${p.number}`,
      user: { login: p.author, type: "User" },
      head: { sha: p.headSha, ref: "record", repo: { full_name: `${p.author}/${p.repo.split("/")[1]}` } },
      base: { sha: "0".repeat(40), ref: "main", repo: { full_name: p.repo } },
    },
    repository: { full_name: p.repo, name: p.repo.split("/")[1], owner: { login: owner } },
    sender: { login: p.author },
  };
}

export interface SendWebhookOptions {
  secret: string;
  event: string;
  payload?: unknown;
  /** Raw body instead of JSON.stringify(payload). */
  body?: Buffer;
  deliveryId?: string;
  /** Override X-Hub-Signature-256 (null: leave it out). */
  signature?: string | null;
  headers?: Record<string, string>;
}

/** POSTs a webhook delivery as GitHub does: JSON body, X-Hub-Signature-256, X-GitHub-Delivery, X-GitHub-Event. */
export async function sendWebhook(url: string, o: SendWebhookOptions): Promise<{ status: number; text: string; deliveryId: string }> {
  const body = o.body ?? Buffer.from(JSON.stringify(o.payload ?? {}));
  const deliveryId = o.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/test",
    "x-github-delivery": deliveryId,
    "x-github-event": o.event,
    "x-github-hook-id": "1",
    ...o.headers,
  };
  const sig = o.signature === undefined ? `sha256=${createHmac("sha256", o.secret).update(body).digest("hex")}` : o.signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), deliveryId }));
      res.on("error", reject);
    });
    // The server may answer (413) and close before the whole body is sent: the answer is what counts.
    let answered = false;
    req.on("response", () => (answered = true));
    req.on("error", (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE" || code === "ECONNRESET") setTimeout(() => (answered ? undefined : reject(e)), 500);
      else reject(e);
    });
    req.end(body);
  });
}
