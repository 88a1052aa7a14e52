// A client for the Hugging Face hub's file protocol, enough to download files of public repos
// (what huggingface_hub's `hf_hub_download` does, without its cache):
//
//   HEAD/GET {endpoint}/{datasets/|spaces/|}{owner/name}/resolve/{revision}/{path}
//
// answers 200 with the bytes for files kept in git, and a 302 to a CDN for LFS files. The hub's own
// response carries the metadata: `X-Repo-Commit` (the commit the revision resolved to),
// `ETag` (git blob sha1) or, for LFS, `X-Linked-Etag` (the content's sha256) and `X-Linked-Size`.
// Errors come as 401/404 with `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound,
// GatedRepo) and `X-Error-Message`. Mirrors are reached by setting the endpoint (`HF_ENDPOINT`).
//
// Downloads stream into `dest + ".part"` and resume with `Range` after a cut connection or a crash;
// the remote etag is kept in `dest + ".part.json"` so that a part of an older version is never
// completed with bytes of a newer one. The file appears under its final name only once its size and
// sha256 have been checked.
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { isPgolfError, PgolfError, type ErrorCode } from "../core/error.js";
import { VERSION } from "../core/version.js";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

export type HubRepoType = "model" | "dataset" | "space";

/** One file of a hub repository. */
export interface HubFileRef {
  /** Hub base URL, e.g. https://huggingface.co or a mirror (see `resolveEndpoint`). */
  endpoint: string;
  /** "owner/name". */
  repo: string;
  /** Branch, tag or commit id; default "main". */
  revision?: string;
  /** Path of the file inside the repository, "/"-separated. */
  path: string;
  /** Default "dataset" (pgolf only reads dataset repos; the others differ only in the URL prefix). */
  repoType?: HubRepoType;
}

export interface HubRequestOptions {
  /** A request fails when the server sends nothing for this long, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /**
   * How many times a transient failure (connection reset or refused, timeout, 429, 5xx) is retried
   * before giving up (default 5). A download attempt that received bytes resets the count.
   */
  retries?: number;
  /** First backoff delay in milliseconds, doubled on each further retry up to 10 s (default 1000). */
  retryDelayMs?: number;
  /** Aborts the requests; a partial download is kept for resuming. */
  signal?: AbortSignal;
}

export interface HubFileMeta {
  /** The resolve URL that was asked. */
  url: string;
  /** Where the bytes are served: the CDN URL for LFS files, else `url` (after relative redirects). */
  location: string;
  /** File size in bytes (the real content's size for LFS files), when the server said. */
  size: number | undefined;
  /** Entity tag without quotes: git blob sha1, or the content sha256 for LFS files. */
  etag: string | undefined;
  /** Commit id the revision resolved to (`X-Repo-Commit`). */
  commit: string | undefined;
  /** The content's sha256 when the hub declared it (LFS files: `X-Linked-Etag`). */
  sha256: string | undefined;
}

export interface DownloadProgress {
  /** The destination file. */
  dest: string;
  /** Bytes of the file on disk so far (drops to 0 when a download has to restart). */
  received: number;
  /** File size in bytes, when known. */
  total: number | undefined;
}

export interface HubDownloadOptions extends HubFileRef, HubRequestOptions {
  /** Final path; the download goes to `dest + ".part"` and is renamed when complete and verified. */
  dest: string;
  /** Fails (before downloading, when the server reports the size) unless the file has this many bytes. */
  expectedSize?: number;
  /** Fails unless the content has this sha256 (hex). Without it the hub's LFS sha256 is checked when given. */
  expectedSha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Metadata from an earlier `hubHead` of the same file, to save a request. */
  meta?: HubFileMeta;
  /**
   * Runs on the complete, checksummed temporary file before it is renamed into place (e.g. a shard
   * header check). If it throws, the temporary file is deleted and the error passed on.
   */
  validate?: (tempFile: string) => void | Promise<void>;
}

export interface HubDownloadResult {
  /** The final path (`dest`). */
  path: string;
  bytes: number;
  sha256: string;
  /**
   * Byte offset at which the response that completed the file started: 0 when it came in one
   * piece (or had to restart), more when an interrupted download was resumed with `Range`.
   */
  resumedFrom: number;
  etag: string | undefined;
  commit: string | undefined;
  /** The resolve URL the file was downloaded from. */
  url: string;
}

const MAX_REDIRECTS = 10;
const MAX_BACKOFF_MS = 10_000;
/** A `Retry-After` longer than this (ms) is not waited for in full. */
const MAX_RETRY_AFTER_MS = 30_000;
const USER_AGENT = `pgolf/${VERSION}; node/${process.versions.node}`;

/** Errors worth retrying. Kept outside the error object so that its JSON form stays clean. */
const transient = new WeakSet<PgolfError>();
/** Seconds the server asked us to wait (`Retry-After`), per error. */
const retryAfterMs = new WeakMap<PgolfError, number>();

function markTransient(e: PgolfError, waitMs?: number): PgolfError {
  transient.add(e);
  if (waitMs !== undefined) retryAfterMs.set(e, waitMs);
  return e;
}

// ---------------------------------------------------------------------------------------------
// URLs

/** The hub base URL: explicit `--hub-url`, else `HF_ENDPOINT`, else https://huggingface.co. */
export function resolveEndpoint(hubUrl?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HF_ENDPOINT?.trim();
  const raw = hubUrl?.trim() || fromEnv || DEFAULT_HUB_ENDPOINT;
  const source = hubUrl?.trim() ? "--hub-url" : fromEnv ? "HF_ENDPOINT" : "the default hub URL";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PgolfError("USAGE", `${source} "${raw}" is not a URL`, {
      fix: "pass an http(s) URL such as https://huggingface.co or a mirror's address",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PgolfError("USAGE", `${source} "${raw}" is not an http(s) URL`, {
      fix: "pass an http(s) URL such as https://huggingface.co or a mirror's address",
    });
  }
  // A mirror may live under a path prefix; keep it, without the trailing slash.
  return raw.replace(/\/+$/, "");
}

const REPO_TYPE_PREFIX: Record<HubRepoType, string> = { model: "", dataset: "datasets/", space: "spaces/" };

function checkRepo(repo: string): void {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new PgolfError("USAGE", `"${repo}" is not a hub repository id`, {
      fix: 'write it as "owner/name", e.g. willdepueoai/parameter-golf',
    });
  }
}

/** `{endpoint}/{datasets/}{repo}/resolve/{revision}/{path}`, with revision and path segments URL-encoded. */
export function hubFileUrl(ref: HubFileRef): string {
  checkRepo(ref.repo);
  const endpoint = ref.endpoint.replace(/\/+$/, "");
  const revision = encodeURIComponent(ref.revision ?? "main"); // "refs/pr/1" -> "refs%2Fpr%2F1", as the hub expects
  const file = ref.path
    .split("/")
    .filter((s) => s.length > 0)
    .map(encodeURIComponent)
    .join("/");
  if (file.length === 0) throw new PgolfError("USAGE", "empty file path in a hub request", { fix: "name a file inside the repository" });
  return `${endpoint}/${REPO_TYPE_PREFIX[ref.repoType ?? "dataset"]}${ref.repo}/resolve/${revision}/${file}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
}

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function intHeader(h: http.IncomingHttpHeaders, name: string): number | undefined {
  const v = header(h, name);
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** `W/"abc"` and `"abc"` -> `abc`. */
function normalizeEtag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** One request, no redirects followed. Resolves on the response head; the caller owns the body. */
function send(method: "GET" | "HEAD", url: string, headers: Record<string, string>, opts: HubRequestOptions): Promise<RawResponse> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    let response: http.IncomingMessage | undefined;
    try {
      req = mod.request(
        u,
        {
          method,
          // identity: sizes and Range offsets must refer to the file's bytes, not a compressed form.
          headers: { "User-Agent": USER_AGENT, "Accept-Encoding": "identity", ...headers },
          // No connection reuse: a fresh socket per request, so that a reset of an idle pooled socket
          // never shows up as a failure of the next download.
          agent: false,
          signal: opts.signal,
        },
        (res) => {
          response = res;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
        },
      );
    } catch (e) {
      reject(networkError(e, url));
      return;
    }
    // Socket inactivity timeout: covers connecting, waiting for the head and stalls in the body.
    req.setTimeout(timeoutMs, () => {
      const err = Object.assign(new Error(`no data from the server for ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" });
      // The body stream, if already handed out, fails with this error rather than a bare "aborted".
      response?.destroy(err);
      req.destroy(err);
    });
    req.on("error", (e) => reject(networkError(e, url)));
    req.end();
  });
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);
const NOT_RETRIED = new Set(["ENOTFOUND", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID"]);

const cancels = new WeakSet<PgolfError>();

function cancelled(url: string, cause: unknown): PgolfError {
  const e = new PgolfError("FETCH_HTTP", "the download was cancelled", {
    file: url,
    fix: "run the command again; it resumes where it stopped",
    cause,
  });
  cancels.add(e);
  return e;
}

/**
 * Turns a socket-level error into a PgolfError (transient unless it cannot get better by waiting).
 * With `signal` aborted, whatever the sockets reported (often a reset), the cause is the cancel.
 */
function networkError(e: unknown, url: string, signal?: AbortSignal): PgolfError {
  if (signal?.aborted && !(isPgolfError(e) && cancels.has(e))) return cancelled(url, e);
  if (isPgolfError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "AbortError") return cancelled(url, e);
  const code = err?.code ?? "";
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (UNREACHABLE.has(code)) {
    const pe = new PgolfError("FETCH_UNREACHABLE", `could not connect to ${host} (${code})`, {
      file: url,
      fix: "check --hub-url (or HF_ENDPOINT) and your network connection",
      details: { code },
      cause: e,
    });
    return NOT_RETRIED.has(code) ? pe : markTransient(pe);
  }
  const pe = new PgolfError("FETCH_HTTP", `connection to ${host} failed: ${err?.message ?? String(e)}${code ? ` (${code})` : ""}`, {
    file: url,
    fix: "check your network connection and run the command again; downloads resume where they stopped",
    details: code ? { code } : undefined,
    cause: e,
  });
  return NOT_RETRIED.has(code) ? pe : markTransient(pe);
}

function retryAfter(h: http.IncomingHttpHeaders): number | undefined {
  const v = header(h, "retry-after");
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** Maps an error status to a PgolfError that says what is missing and what to do. */
function statusError(res: RawResponse, ref: HubFileRef): PgolfError {
  const errorCode = header(res.headers, "x-error-code");
  const serverMessage = header(res.headers, "x-error-message");
  const details = {
    url: res.url,
    status: res.status,
    ...(errorCode ? { hubErrorCode: errorCode } : {}),
    ...(serverMessage ? { serverMessage } : {}),
    ...(header(res.headers, "x-request-id") ? { requestId: header(res.headers, "x-request-id") } : {}),
  };
  const said = serverMessage ? ` (server: "${serverMessage}")` : "";
  const revision = ref.revision ?? "main";
  const make = (code: ErrorCode, problem: string, fix: string) => new PgolfError(code, problem + said, { file: res.url, fix, details });
  const s = res.status;
  if (errorCode === "EntryNotFound") {
    return make("FETCH_NOT_FOUND", `${ref.path} does not exist in ${ref.repo} at revision ${revision}`, "check the file path and --revision; the repository may have moved or removed the file");
  }
  if (errorCode === "RevisionNotFound") {
    return make("FETCH_NOT_FOUND", `revision "${revision}" does not exist in ${ref.repo}`, "the revision does not exist; pass --revision main, or a branch, tag or commit id of the repository");
  }
  if (errorCode === "RepoNotFound" || (s === 401 && !errorCode)) {
    return make("FETCH_NOT_FOUND", `repository ${ref.repo} was not found (HTTP ${s})`, "check the repository name and --hub-url; pgolf reads public repositories only, private ones answer like missing ones");
  }
  if (errorCode === "GatedRepo" || s === 401 || s === 403) {
    return make("FETCH_AUTH", `access to ${ref.repo} was refused (HTTP ${s})`, "pgolf downloads public repositories without credentials; use a public repository or mirror (--hub-url)");
  }
  if (s === 404) {
    return make("FETCH_NOT_FOUND", `${ref.path} was not found (HTTP 404, and not a hub error answer)`, "check --hub-url (or HF_ENDPOINT): it must point to a Hugging Face hub or a mirror of it, which has the file");
  }
  if (s === 408 || s === 429 || s >= 500) {
    return markTransient(
      make("FETCH_HTTP", `the server answered HTTP ${s} for ${ref.path}`, "the server had a temporary problem; run the command again later, downloads resume where they stopped"),
      retryAfter(res.headers),
    );
  }
  return make("FETCH_HTTP", `the server answered HTTP ${s} for ${ref.path}`, "check --hub-url (or HF_ENDPOINT) and the repository, revision and path");
}

function protocolError(problem: string, url: string, details?: Record<string, unknown>): PgolfError {
  return new PgolfError("FETCH_HTTP", problem, {
    file: url,
    fix: "the server does not speak the hub's file protocol as expected; check --hub-url (or HF_ENDPOINT)",
    details,
  });
}

function nextLocation(res: RawResponse): string {
  const loc = header(res.headers, "location");
  if (!loc) throw protocolError(`HTTP ${res.status} redirect without a Location header`, res.url);
  return new URL(loc, res.url).toString();
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Backoff before retry number `n` (1-based): retryDelayMs x 2^(n-1), capped, or what the server asked. */
function backoffMs(n: number, opts: HubRequestOptions, e: PgolfError): number {
  const base = Math.min((opts.retryDelayMs ?? 1000) * 2 ** (n - 1), MAX_BACKOFF_MS);
  const asked = retryAfterMs.get(e);
  return asked === undefined ? base : Math.min(Math.max(asked, base), MAX_RETRY_AFTER_MS);
}

function withAttempts(e: PgolfError, attempts: number): PgolfError {
  if (attempts <= 1) return e;
  return new PgolfError(e.code, `${e.message} (gave up after ${attempts} attempts)`, {
    file: e.file,
    fix: e.fix,
    details: { ...(e.details ?? {}), attempts },
    cause: e.cause,
  });
}

// ---------------------------------------------------------------------------------------------
// HEAD

async function headOnce(url: string, ref: HubFileRef, opts: HubRequestOptions): Promise<HubFileMeta> {
  let current = url;
  let commit: string | undefined;
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send("HEAD", current, {}, opts);
    res.body.resume();
    commit ??= header(res.headers, "x-repo-commit");
    linkedEtag ??= normalizeEtag(header(res.headers, "x-linked-etag"));
    linkedSize ??= intHeader(res.headers, "x-linked-size");
    if (isRedirect(res.status)) {
      const loc = header(res.headers, "location") ?? "";
      const next = nextLocation(res);
      // A redirect to another host with the LFS headers is the hub sending us to its CDN: the
      // metadata is complete, and huggingface_hub does not ask the CDN either. Relative redirects
      // (a renamed repository) and bare redirects (some mirrors) are followed.
      const absolute = /^[a-z][a-z0-9+.-]*:/i.test(loc);
      if (absolute && linkedSize !== undefined) {
        return meta(url, next, linkedSize, linkedEtag ?? normalizeEtag(header(res.headers, "etag")), commit, linkedEtag);
      }
      current = next;
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      const size = linkedSize ?? intHeader(res.headers, "content-length");
      return meta(url, current, size, linkedEtag ?? normalizeEtag(header(res.headers, "etag")), commit, linkedEtag);
    }
    throw statusError(res, ref);
  }
  throw protocolError(`more than ${MAX_REDIRECTS} redirects`, url);
}

function meta(url: string, location: string, size: number | undefined, etag: string | undefined, commit: string | undefined, linkedEtag: string | undefined): HubFileMeta {
  const sha256 = linkedEtag !== undefined && /^[0-9a-f]{64}$/.test(linkedEtag) ? linkedEtag : undefined;
  return { url, location, size, etag, commit, sha256 };
}

async function retrying<T>(url: string, what: () => Promise<T>, opts: HubRequestOptions): Promise<T> {
  const retries = opts.retries ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (e) {
      const pe = networkError(e, url, opts.signal);
      if (!transient.has(pe) || attempt > retries) throw withAttempts(pe, attempt);
      await sleep(backoffMs(attempt, opts, pe), opts.signal).catch((err: unknown) => {
        throw networkError(err, url, opts.signal);
      });
    }
  }
}

/** Size, etag and commit of a file, with redirects followed and transient failures retried. */
export async function hubHead(ref: HubFileRef & HubRequestOptions): Promise<HubFileMeta> {
  const url = hubFileUrl(ref);
  return retrying(url, () => headOnce(url, ref, ref), ref);
}

// ---------------------------------------------------------------------------------------------
// GET with resume

interface PartState {
  url: string;
  etag: string;
  size: number | null;
  commit: string | null;
}

function readPartState(file: string): PartState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as PartState;
    return typeof s.etag === "string" ? s : undefined;
  } catch {
    return undefined;
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

function writeError(e: unknown, file: string): PgolfError {
  return new PgolfError("FILE_WRITE", `could not write the download: ${(e as Error).message}`, {
    file,
    fix: "check that the directory is writable and the disk has space; run again to resume",
    cause: e,
  });
}

/** `bytes a-b/c` -> {start a, end b, total c (undefined for *)}. */
function parseContentRange(v: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = v === undefined ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? undefined : Number(m[3]) };
}

/** The sha256 state of the first `bytes` bytes of `file`. */
async function hashPrefix(file: string, bytes: number): Promise<Hash> {
  const h = createHash("sha256");
  if (bytes === 0) return h;
  for await (const chunk of fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h;
}

/**
 * Downloads one file of a hub repository to `dest`: resumable, retried, verified and atomic.
 * A file already at `dest` is replaced only once the new one is complete and verified.
 */
export async function hubDownload(opts: HubDownloadOptions): Promise<HubDownloadResult> {
  const url = hubFileUrl(opts);
  const dest = opts.dest;
  const part = `${dest}.part`;
  const stateFile = `${dest}.part.json`;
  const head = opts.meta ?? (await hubHead(opts));

  if (opts.expectedSize !== undefined && head.size !== undefined && head.size !== opts.expectedSize) {
    throw new PgolfError("SIZE_MISMATCH", `the server has ${head.size} bytes for ${opts.path}, ${opts.expectedSize} were expected`, {
      file: url,
      fix: "the remote file is not the expected version; check --revision and --hub-url",
      details: { expected: opts.expectedSize, actual: head.size },
    });
  }
  let total = head.size ?? opts.expectedSize;
  // Pin every request to the commit the revision resolved to: retries and resumes then read the
  // same snapshot even if the branch moves meanwhile.
  const getUrl = head.commit && /^[0-9a-f]{40}$/.test(head.commit) ? hubFileUrl({ ...opts, revision: head.commit }) : url;

  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
  } catch (e) {
    throw writeError(e, dest);
  }

  // Resume only a part of the same remote version (same etag and size); anything else starts over.
  let start = 0;
  const state = readPartState(stateFile);
  const have = fileSize(part);
  if (have !== undefined && have > 0 && head.etag && state?.etag === head.etag && state.size === (head.size ?? null) && (total === undefined || have <= total)) {
    start = have;
  }
  const newState: PartState = { url, etag: head.etag ?? "", size: head.size ?? null, commit: head.commit ?? null };
  try {
    // Without an etag a part cannot be matched to a version later, so it is never resumed (etag "").
    fs.writeFileSync(stateFile, JSON.stringify(newState) + "\n");
  } catch (e) {
    throw writeError(e, stateFile);
  }

  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(part, start > 0 ? "r+" : "w");
  } catch (e) {
    throw writeError(e, part);
  }
  let hasher = createHash("sha256");
  let pos = start; // bytes of the file on disk, all of them hashed
  let resumedFrom = start;
  let rangeUsable = true; // false once the server mishandled a Range request: from then on, whole-file requests only
  const report = () => opts.onProgress?.({ dest, received: pos, total });
  const restart = async () => {
    await fh.truncate(0);
    pos = 0;
    hasher = createHash("sha256");
    report();
  };

  try {
    hasher = await hashPrefix(part, start);
    report();
    const retries = opts.retries ?? 5;
    let failures = 0;
    for (let attempt = 1; total === undefined || pos < total; attempt++) {
      const before = pos;
      try {
        const done = await transferOnce();
        if (done) break;
      } catch (e) {
        const pe = networkError(e, url, opts.signal);
        if (!transient.has(pe)) throw withAttempts(pe, attempt);
        failures = pos > before ? 1 : failures + 1;
        if (failures > retries) {
          throw withAttempts(
            new PgolfError(pe.code, pe.message, {
              file: pe.file,
              fix: `${pe.fix ?? "run the command again"} (${pos} bytes are kept in ${part} and will be resumed)`,
              details: { ...(pe.details ?? {}), partialBytes: pos },
              cause: pe.cause,
            }),
            attempt,
          );
        }
        await sleep(backoffMs(failures, opts, pe), opts.signal);
      }
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    const pe = networkError(e, url, opts.signal); // also a cancel during a backoff wait
    // A content error makes the part useless; anything else (network, cancel, disk) keeps it for resuming.
    if (pe.code === "SIZE_MISMATCH" || pe.code === "FETCH_NOT_FOUND") discard(part, stateFile);
    throw pe;
  }
  await fh.close();

  const bytes = pos;
  const sha256 = hasher.digest("hex");
  const fail = (e: PgolfError): never => {
    discard(part, stateFile);
    throw e;
  };
  if (opts.expectedSize !== undefined && bytes !== opts.expectedSize) {
    fail(
      new PgolfError("SIZE_MISMATCH", `downloaded ${bytes} bytes of ${opts.path}, ${opts.expectedSize} were expected`, {
        file: url,
        fix: "the remote file is not the expected version; check --revision and --hub-url",
        details: { expected: opts.expectedSize, actual: bytes },
      }),
    );
  }
  const wantSha = opts.expectedSha256?.toLowerCase() ?? head.sha256;
  if (wantSha !== undefined && sha256 !== wantSha) {
    fail(
      new PgolfError("CHECKSUM_MISMATCH", `downloaded ${opts.path} has sha256 ${sha256}, ${wantSha} was expected`, {
        file: url,
        fix: "the download was deleted; run the command again, and if it repeats the server (--hub-url) sends a damaged file",
        details: { expected: wantSha, actual: sha256, expectedFrom: opts.expectedSha256 ? "caller" : "hub X-Linked-Etag" },
      }),
    );
  }
  if (opts.validate) {
    try {
      await opts.validate(part);
    } catch (e) {
      discard(part, stateFile);
      throw e;
    }
  }
  try {
    fs.renameSync(part, dest);
  } catch (e) {
    throw writeError(e, dest);
  }
  fs.rmSync(stateFile, { force: true });
  return { path: dest, bytes, sha256, resumedFrom, etag: head.etag, commit: head.commit, url };

  /** One GET from `pos`; appends what arrives. True when the file is complete. Throws on failure. */
  async function transferOnce(): Promise<boolean> {
    const headers: Record<string, string> = {};
    if (pos > 0 && rangeUsable) headers.Range = `bytes=${pos}-`;
    let res = await send("GET", getUrl, headers, opts);
    for (let hop = 0; isRedirect(res.status); hop++) {
      res.body.resume();
      if (hop >= MAX_REDIRECTS) throw protocolError(`more than ${MAX_REDIRECTS} redirects`, getUrl);
      res = await send("GET", nextLocation(res), headers, opts);
    }
    const body = res.body;
    let bodyStart: number;
    if (res.status === 206 && headers.Range) {
      const cr = parseContentRange(header(res.headers, "content-range"));
      if (!cr || cr.start !== pos || (total !== undefined && cr.total !== undefined && cr.total !== total)) {
        // The server answered a different range than asked: do not trust ranges with it again.
        body.destroy();
        rangeUsable = false;
        await restart();
        return false;
      }
      bodyStart = pos;
    } else if (res.status === 200) {
      // A whole file: either we asked for it, or the server ignored Range. Start over from byte 0.
      if (pos > 0) {
        rangeUsable = false;
        await restart();
      }
      bodyStart = 0;
    } else if (res.status === 416 && headers.Range) {
      // Range not satisfiable: the part does not fit the remote file. Start over.
      body.resume();
      rangeUsable = false;
      await restart();
      return false;
    } else {
      body.resume();
      throw statusError(res, opts);
    }
    resumedFrom = bodyStart;
    const length = intHeader(res.headers, "content-length");
    if (total === undefined && length !== undefined) total = bodyStart + length;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (total !== undefined && pos + chunk.length > total) {
          body.destroy();
          throw new PgolfError("SIZE_MISMATCH", `the server sent more than the ${total} bytes it declared for ${opts.path}`, {
            file: url,
            fix: "the remote file changed or the server is misbehaving; run the command again",
            details: { declared: total },
          });
        }
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, pos + off).catch((e: unknown) => {
            body.destroy();
            throw writeError(e, part);
          });
          off += bytesWritten;
        }
        hasher.update(chunk);
        pos += chunk.length;
        report();
      }
    } catch (e) {
      const pe = networkError(e, url, opts.signal);
      if (!transient.has(pe)) throw pe;
      const code = (e as NodeJS.ErrnoException)?.code;
      throw markTransient(
        new PgolfError("FETCH_HTTP", `the connection broke after ${pos} of ${total ?? "?"} bytes of ${opts.path}: ${(e as Error)?.message ?? String(e)}`, {
          file: url,
          fix: pe.fix,
          details: { received: pos, total, ...(code ? { code } : {}) },
          cause: e,
        }),
      );
    }
    if (total !== undefined && pos < total) {
      throw markTransient(
        new PgolfError("FETCH_HTTP", `the connection closed after ${pos} of ${total} bytes of ${opts.path}`, {
          file: url,
          fix: "check your network connection and run the command again; downloads resume where they stopped",
          details: { received: pos, total },
        }),
      );
    }
    total ??= pos; // no size anywhere: the end of the body is the end of the file
    return true;
  }
}

function discard(part: string, stateFile: string): void {
  fs.rmSync(part, { force: true });
  fs.rmSync(stateFile, { force: true });
}
