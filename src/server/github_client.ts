// The GitHub REST API, just what the record intake needs: a pull request's files, git trees, file
// contents (contents API, blob API for files over 1 MB), commit statuses and issue comments.
//
// Statuses and comments go through @octokit/rest (typed endpoints). The reads a hostile pull request
// controls (its file list, trees, file contents and blobs) go through the small transport below,
// for a measured reason: Octokit buffers every answer whole, with no cap, and follows a Link header's
// next page to any host with the token. Measured with the local GitHub of the tests in another
// process (bench/github_reads.ts, AMD EPYC Zen 5): a 48 MiB file read by octokit.rest.git.getBlob
// raised the process's peak memory by 230 MiB (JSON text, base64, decoded bytes) before any check
// could look at its size; this transport refused it at its cap, +5 MiB. The transport has token auth (Authorization:
// Bearer), pagination by Link headers (only followed to the configured origin, so the token never
// leaves it) and a cap on every response body. Retries, backoff, Retry-After and the timeout per
// attempt are the shared client's (core/http_client.ts), with GitHub's rate limits read as the wait
// they ask for (Retry-After, x-ratelimit-reset, a minute for a secondary limit without either).
// Octokit's requests take the same path: its `request.fetch` is `send` below, so Octokit's own
// retry and throttling plugins are not used and one policy covers both.
import { Octokit } from "@octokit/rest";
import { isPgolfError, PgolfError } from "../core/error.js";
import { answerVerdict, fetchAttempt, readBody, transient, withRetries, type HttpOptions } from "../core/http_client.js";

export const GITHUB_API_URL = "https://api.github.com";
const API_VERSION = "2022-11-28";

export interface GitHubClientOptions {
  token: string;
  /** Default https://api.github.com. */
  baseUrl?: string;
  /** Per attempt, headers and body; default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 4. */
  retries?: number;
  /** First backoff, doubled per retry (with jitter); default 1 s. */
  backoffMs?: number;
  /** Longest wait the client accepts (Retry-After or rate-limit reset); longer fails at once with GITHUB_RATE_LIMITED. Default 60 s. */
  maxWaitMs?: number;
  /** Cap on a JSON response body; default 8 MiB. */
  maxResponseBytes?: number;
  userAgent?: string;
}

/** One entry of GET /repos/{owner}/{repo}/pulls/{n}/files. */
export interface PullFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  sha: string | null;
  previous_filename?: string;
  raw_url?: string;
  contents_url?: string;
  additions?: number;
  deletions?: number;
}

/** One entry of a git tree: mode 100644/100755 blob, 120000 symlink, 040000 tree, 160000 commit (submodule). */
export interface TreeEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
}

export interface Tree {
  sha: string;
  tree: TreeEntry[];
  truncated: boolean;
}

export interface FileContent {
  path: string;
  sha: string;
  size: number;
  content: Buffer;
}

export type StatusState = "error" | "failure" | "pending" | "success";

export interface CommitStatus {
  state: StatusState;
  context: string;
  /** At most 140 characters (GitHub's limit). */
  description?: string;
  target_url?: string;
}

interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  maxBytes?: number;
}

interface Response<T> {
  status: number;
  headers: Headers;
  data: T;
}

const splitRepo = (repo: string): string => {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new PgolfError("USAGE", `not a repository "owner/name": ${repo}`, { fix: "name the repository as owner/name, e.g. openai/parameter-golf" });
  return repo;
};
const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

/** The rel="next" URL of a Link header. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return null;
}

export class GitHubClient {
  readonly baseUrl: string;
  private readonly octokit: Octokit;
  private readonly token: string;
  /** The shared client's policy with this client's numbers. */
  private readonly http: HttpOptions;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(opts: GitHubClientOptions) {
    if (!opts.token) throw new PgolfError("GITHUB_AUTH", "no GitHub token given", { fix: "set the server's GitHub token (a GitHub App installation token or a fine-grained token with pull request read and status/issue write)" });
    this.token = opts.token;
    this.baseUrl = (opts.baseUrl ?? GITHUB_API_URL).replace(/\/+$/, "");
    this.http = { attempts: (opts.retries ?? 4) + 1, baseDelayMs: opts.backoffMs ?? 1000, maxRetryAfterMs: opts.maxWaitMs ?? 60_000, timeoutMs: opts.timeoutMs ?? 30_000, unreachableFix: "check the network and GitHub's status, then redeliver the webhook" };
    this.maxResponseBytes = opts.maxResponseBytes ?? 8 * 1024 * 1024;
    this.userAgent = opts.userAgent ?? "pgolf-server";
    this.octokit = new Octokit({
      auth: this.token,
      baseUrl: this.baseUrl,
      userAgent: this.userAgent,
      // Octokit's requests through this client's transport: its policy, no redirects, a capped answer
      request: { fetch: (url: string, init: RequestInit) => this.octokitFetch(url, init) },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  // ---------- the endpoints ----------

  /** Every file of a pull request (GitHub lists at most 3000), following pagination; GITHUB_PR_TOO_MANY_FILES past maxFiles. */
  async listPullFiles(repo: string, number: number, opts: { maxFiles?: number } = {}): Promise<PullFile[]> {
    return this.paginate<PullFile>(`/repos/${splitRepo(repo)}/pulls/${number}/files`, opts.maxFiles ?? 3000, (n) => {
      throw new PgolfError("GITHUB_PR_TOO_MANY_FILES", `the pull request changes more than ${n} files`, { details: { limit: n }, fix: "a record pull request adds one folder of a few files" });
    });
  }

  /** A git tree by tree sha, commit sha or ref; recursive lists the whole subtree. */
  async getTree(repo: string, treeish: string, opts: { recursive?: boolean } = {}): Promise<Tree> {
    const r = await this.request<Tree>("GET", `/repos/${splitRepo(repo)}/git/trees/${encodeURIComponent(treeish)}`, { query: opts.recursive ? { recursive: 1 } : undefined });
    return r.data;
  }

  /** A blob's bytes (up to 100 MB on GitHub), refused past maxBytes. */
  async getBlob(repo: string, sha: string, opts: { maxBytes?: number } = {}): Promise<Buffer> {
    const maxBytes = opts.maxBytes ?? this.maxResponseBytes;
    const r = await this.request<{ content: string; encoding: string; size: number }>("GET", `/repos/${splitRepo(repo)}/git/blobs/${encodeURIComponent(sha)}`, { maxBytes: base64Cap(maxBytes) });
    if (r.data.size > maxBytes) throw tooLarge(sha, r.data.size, maxBytes);
    return decode(r.data.content, r.data.encoding, sha);
  }

  /**
   * A regular file's bytes at ref, by the contents API (base64), or the blob API when the file is over
   * 1 MB (the contents API then sends no content). GITHUB_PR_SYMLINK for a symlink or submodule,
   * GITHUB_PR_FILE_TOO_LARGE past maxBytes, SIZE_MISMATCH when the bytes are not the declared size.
   */
  async getFileContent(repo: string, filePath: string, ref: string, opts: { maxBytes?: number } = {}): Promise<FileContent> {
    const maxBytes = opts.maxBytes ?? this.maxResponseBytes;
    const r = await this.request<any>("GET", `/repos/${splitRepo(repo)}/contents/${encodePath(filePath)}`, { query: { ref }, maxBytes: base64Cap(Math.min(maxBytes, 1024 * 1024)) + 64 * 1024 });
    const d = r.data;
    if (Array.isArray(d) || d?.type === "dir") throw new PgolfError("FETCH_NOT_FOUND", `${filePath} is a folder, not a file`, { fix: "a record's files are regular files; remove the folder from the pull request or move its files up", file: filePath });
    if (d?.type !== "file") throw new PgolfError("GITHUB_PR_SYMLINK", `${filePath} is a ${d?.type ?? "non-file"}, not a regular file`, { fix: "commit the file itself instead of a link or submodule", file: filePath, details: { paths: [filePath], type: d?.type } });
    const size = Number(d.size);
    if (!Number.isSafeInteger(size) || size < 0) throw new PgolfError("GITHUB_API", `${filePath}: the contents API gave no size`, { fix: "GitHub's contents API answered without a size: check PGOLF_GITHUB_API_URL points at GitHub's API, then retry the delivery", file: filePath });
    if (size > maxBytes) throw tooLarge(filePath, size, maxBytes);
    const content = d.encoding === "base64" && typeof d.content === "string" && (d.content !== "" || size === 0) ? decode(d.content, "base64", filePath) : await this.getBlob(repo, d.sha, { maxBytes });
    if (content.length !== size) throw new PgolfError("SIZE_MISMATCH", `${filePath}: got ${content.length} bytes, GitHub declared ${size}`, { fix: "the download was cut short or changed; redeliver the webhook from the repository's settings", file: filePath });
    return { path: filePath, sha: d.sha, size, content };
  }

  /** The address ranges GitHub sends webhook deliveries from (GET /meta, `hooks`). */
  async hookRanges(): Promise<string[]> {
    const r = await this.request<{ hooks?: unknown }>("GET", "/meta");
    const hooks = r.data.hooks;
    if (!Array.isArray(hooks) || !hooks.every((h) => typeof h === "string")) throw new PgolfError("GITHUB_API", "GET /meta has no list of hook ranges", { fix: "check the server's GitHub API URL (PGOLF_GITHUB_API_URL)" });
    return hooks as string[];
  }

  async createStatus(repo: string, sha: string, status: CommitStatus): Promise<void> {
    const [owner, name] = splitRepo(repo).split("/");
    const description = status.description === undefined ? undefined : truncate(status.description, 140);
    await this.write(`POST /repos/${repo}/statuses`, () => this.octokit.rest.repos.createCommitStatus({ owner, repo: name, sha, state: status.state, context: status.context, description, target_url: status.target_url }));
  }

  /** Posts a comment on a pull request (issue comments API); returns its id and URL. */
  async createComment(repo: string, number: number, body: string): Promise<{ id: number; html_url: string | null }> {
    const [owner, name] = splitRepo(repo).split("/");
    const r = await this.write(`POST /repos/${repo}/issues/${number}/comments`, () => this.octokit.rest.issues.createComment({ owner, repo: name, issue_number: number, body }));
    return { id: r.data.id, html_url: r.data.html_url ?? null };
  }

  /**
   * An Octokit write. Its fetch is `send`, which retries a POST as the policy says (after a 503, a 429
   * or a secondary rate limit; never blind after a timeout: the write may have been applied) and
   * throws the transport's errors, which Octokit hands back as the cause of its own.
   */
  private async write<T>(where: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      if (isPgolfError(e)) throw e;
      if (isPgolfError(cause)) throw cause;
      throw new PgolfError("FETCH_UNREACHABLE", `${where}: ${(e as Error).message ?? String(e)}`, { fix: "check the network and GitHub's status, then redeliver the webhook", cause: e });
    }
  }

  /** fetch for Octokit: the transport's `send`, its answer handed back as a Response. */
  private async octokitFetch(url: string, init: RequestInit): Promise<globalThis.Response> {
    const r = await this.send(init.method ?? "GET", url, new Headers(init.headers), init.body ?? undefined, this.maxResponseBytes);
    return new globalThis.Response(r.status === 204 || r.status === 304 ? null : new Uint8Array(r.body), { status: r.status, headers: r.headers });
  }

  // ---------- the transport ----------

  /** GETs every page of a list endpoint (per_page=100, Link rel="next"). */
  async paginate<T>(path: string, maxItems: number, onTooMany: (n: number) => never): Promise<T[]> {
    const out: T[] = [];
    let url: string | null = this.url(path, { per_page: 100 });
    while (url !== null) {
      const r: Response<T[]> = await this.requestUrl<T[]>("GET", url, {});
      if (!Array.isArray(r.data)) throw new PgolfError("GITHUB_API", `GET ${path}: expected a list`, { fix: "check that PGOLF_GITHUB_API_URL points at GitHub's REST API", file: url });
      out.push(...r.data);
      if (out.length > maxItems) onTooMany(maxItems);
      url = nextLink(r.headers.get("link"));
      if (url !== null && new URL(url).origin !== new URL(this.baseUrl).origin) throw new PgolfError("GITHUB_API", `GET ${path}: the next page is on another host (${new URL(url).origin})`, { fix: "check that PGOLF_GITHUB_API_URL points at GitHub's REST API (a page link to another host is not followed)", file: url });
    }
    return out;
  }

  async request<T>(method: "GET" | "POST", path: string, opts: RequestOptions = {}): Promise<Response<T>> {
    return this.requestUrl<T>(method, this.url(path, opts.query), opts);
  }

  private url(path: string, query?: Record<string, string | number>): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async requestUrl<T>(method: "GET" | "POST", url: string, opts: RequestOptions): Promise<Response<T>> {
    const headers = new Headers({ accept: "application/vnd.github+json", authorization: `Bearer ${this.token}`, "user-agent": this.userAgent, "x-github-api-version": API_VERSION });
    if (opts.body !== undefined) headers.set("content-type", "application/json");
    const r = await this.send(method, url, headers, opts.body === undefined ? undefined : JSON.stringify(opts.body), opts.maxBytes ?? this.maxResponseBytes);
    let data: T;
    try {
      data = (r.body.length === 0 ? null : JSON.parse(r.body.toString("utf8"))) as T;
    } catch (e) {
      throw new PgolfError("GITHUB_API", `${method} ${new URL(url).pathname}: the answer is not JSON`, { fix: "check that PGOLF_GITHUB_API_URL points at GitHub's REST API, not a web page or proxy", file: url, cause: e });
    }
    return { status: r.status, headers: r.headers, data };
  }

  /** One request by the shared policy, its answer read under the cap: a 2xx (or 304), else the error it stands for. */
  private async send(method: string, url: string, headers: Headers, body: RequestInit["body"] | undefined, maxBytes: number): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const where = `${method} ${new URL(url).pathname}`;
    return withRetries(
      url,
      method,
      async (a) => {
        const res = await fetchAttempt(url, { method, headers, body, redirect: "error" }, a);
        const text = await readBody(res, a, maxBytes, (n) => new PgolfError("GITHUB_API", `${where}: the answer is ${n} bytes or more, over the cap of ${maxBytes}`, { fix: "the answer is larger than a record's file may be; check the pull request's files", file: url, details: { status: res.status } }));
        if ((res.status >= 200 && res.status < 300) || res.status === 304) return { status: res.status, headers: res.headers, body: text };
        throw answerError(res, method, where, url, errorMessage(text));
      },
      this.http,
    );
  }
}

/** The error a GitHub answer stands for, transient with the wait it asks when worth another attempt. */
function answerError(res: globalThis.Response, method: string, where: string, url: string, message: string): PgolfError {
  const h = res.headers;
  const after = h.get("retry-after");
  const rateLimited = res.status === 429 || (res.status === 403 && (after !== null || h.get("x-ratelimit-remaining") === "0" || /rate limit/i.test(message)));
  const e = httpError(res.status, where, url, message, rateLimited);
  if (rateLimited) {
    const v = answerVerdict(res, method);
    if (v.afterMs !== undefined) return transient(e, v.afterMs);
    const reset = Number(h.get("x-ratelimit-reset"));
    if (h.get("x-ratelimit-remaining") === "0" && Number.isFinite(reset) && reset > 0) return transient(e, Math.max(0, reset * 1000 - Date.now()) + 1000);
    return transient(e, 60_000); // a secondary limit without a hint: GitHub asks for at least a minute
  }
  const v = answerVerdict(res, method);
  return v.retry ? transient(e, v.afterMs) : e;
}

/** base64 of n bytes plus JSON framing. */
const base64Cap = (n: number) => Math.ceil(n / 3) * 4 + Math.ceil(n / 45) * 2 + 64 * 1024;

function decode(content: string, encoding: string, what: string): Buffer {
  if (encoding === "base64") return Buffer.from(content.replace(/\s+/g, ""), "base64");
  if (encoding === "utf-8" || encoding === "utf8") return Buffer.from(content, "utf8");
  throw new PgolfError("GITHUB_API", `${what}: unknown content encoding "${encoding}"`, { fix: "commit the file as plain content; GitHub's contents API encodes files in base64" });
}

function tooLarge(what: string, size: number, limit: number): PgolfError {
  return new PgolfError("GITHUB_PR_FILE_TOO_LARGE", `${what} is ${size} bytes, over the limit of ${limit}`, { file: what, details: { paths: [what], size, limit }, fix: "keep large artifacts out of the record folder" });
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function errorMessage(text: Buffer): string {
  try {
    const m = JSON.parse(text.toString("utf8")).message;
    if (typeof m === "string") return m.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.toString("utf8").slice(0, 300) || "no message";
}

function httpError(status: number, where: string, url: string, message: string, rateLimited: boolean): PgolfError {
  const init = { file: url, details: { status } };
  if (rateLimited) return new PgolfError("GITHUB_RATE_LIMITED", `${where}: ${status} ${message}`, { ...init, fix: "retry later or use a token with a higher rate limit" });
  if (status === 401) return new PgolfError("GITHUB_AUTH", `${where}: 401 ${message}`, { ...init, fix: "renew the server's GitHub token" });
  if (status === 403) return new PgolfError("GITHUB_AUTH", `${where}: 403 ${message}`, { ...init, fix: "give the token access to the repository (contents and pull requests read, statuses and issues write)" });
  if (status === 404) return new PgolfError("FETCH_NOT_FOUND", `${where}: 404 ${message}`, { ...init, fix: "check the repository, pull request and commit; a private repository answers 404 to a token without access" });
  return new PgolfError("GITHUB_API", `${where}: ${status} ${message}`, { ...init, fix: "check GitHub's status and redeliver the webhook" });
}
