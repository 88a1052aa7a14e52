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
// The transfer is the shared client's: core/http_client.ts retries, backs off, honours Retry-After,
// times out and cancels; core/http_download.ts streams into `dest + ".part"`, resumes it with Range
// and If-Range after a cut connection or a crash (never a part of another version: the hub's etag is
// kept beside it), and renames it into place only once its size and sha256 have been checked. This
// file adds the hub's part: URLs, metadata, error answers, and pinning to the resolved commit.
//
// Why not @huggingface/hub (2.17.5, read for this): its `downloadFile` returns a lazy Blob and
// `downloadFileToCacheDir` streams into the hub cache's `blobs/<etag>.incomplete` from byte 0 on every
// call. Neither resumes a partial file with Range, checks a size or sha256 against a manifest,
// retries, honours Retry-After or times out a stalled body; `fileDownloadInfo` drops `X-Repo-Commit`
// (the commit every request here is pinned to), and the cache layout needs the `paths-info` API. What
// it would do here (a URL and one HEAD) is a few lines, so the hub's protocol stays in this file.
import { PgolfError, type ErrorCode } from "../core/error.js";
import { answerVerdict, fetchAttempt, transient, withRetries, type Attempt, type HttpOptions } from "../core/http_client.js";
import { downloadFile, type DownloadProgress } from "../core/http_download.js";

export type { DownloadProgress };

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
  /** First backoff delay in milliseconds, doubled on each further retry up to 10 s, with jitter (default 1000); see core/http_client.ts. */
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
/** Fix of a failure to connect: the endpoint is the user's to check. */
const UNREACHABLE_FIX = "check --hub-url (or HF_ENDPOINT) and your network connection";

// ---------------------------------------------------------------------------------------------
// URLs

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
// Answers

/** `W/"abc"` and `"abc"` -> `abc`. */
function normalizeEtag(v: string | null): string | undefined {
  if (v === null) return undefined;
  return v.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function intHeader(h: Headers, name: string): number | undefined {
  const v = h.get(name)?.trim();
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The shared client's options from the hub's: `retries` after the first attempt, `retryDelayMs` the first backoff. */
function httpOptions(o: HubRequestOptions): HttpOptions {
  return { attempts: (o.retries ?? 5) + 1, baseDelayMs: o.retryDelayMs ?? 1000, timeoutMs: o.timeoutMs, signal: o.signal, unreachableFix: UNREACHABLE_FIX };
}

/** Maps an error status to a PgolfError that says what is missing and what to do (transient when worth another attempt). */
function statusError(res: Response, url: string, method: string, ref: HubFileRef): PgolfError {
  const errorCode = res.headers.get("x-error-code") ?? undefined;
  const serverMessage = res.headers.get("x-error-message") ?? undefined;
  const requestId = res.headers.get("x-request-id") ?? undefined;
  const details = { url, status: res.status, ...(errorCode ? { hubErrorCode: errorCode } : {}), ...(serverMessage ? { serverMessage } : {}), ...(requestId ? { requestId } : {}) };
  const said = serverMessage ? ` (server: "${serverMessage}")` : "";
  const revision = ref.revision ?? "main";
  const make = (code: ErrorCode, problem: string, fix: string) => new PgolfError(code, problem + said, { file: url, fix, details });
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
  const v = answerVerdict(res, method);
  if (v.retry) return transient(make("FETCH_HTTP", `the server answered HTTP ${s} for ${ref.path}`, "the server had a temporary problem; run the command again later, downloads resume where they stopped"), v.afterMs);
  return make("FETCH_HTTP", `the server answered HTTP ${s} for ${ref.path}`, "check --hub-url (or HF_ENDPOINT) and the repository, revision and path");
}

function protocolError(problem: string, url: string): PgolfError {
  return new PgolfError("FETCH_HTTP", problem, { file: url, fix: "the server does not speak the hub's file protocol as expected; check --hub-url (or HF_ENDPOINT)" });
}

// ---------------------------------------------------------------------------------------------
// HEAD

function meta(url: string, location: string, size: number | undefined, etag: string | undefined, commit: string | undefined, linkedEtag: string | undefined): HubFileMeta {
  const sha256 = linkedEtag !== undefined && /^[0-9a-f]{64}$/.test(linkedEtag) ? linkedEtag : undefined;
  return { url, location, size, etag, commit, sha256 };
}

/** One HEAD with its redirects followed by hand: the hub's metadata is on the first answer, not the CDN's. */
async function headOnce(url: string, ref: HubFileRef, a: Attempt): Promise<HubFileMeta> {
  let current = url;
  let commit: string | undefined;
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await fetchAttempt(current, { method: "HEAD", redirect: "manual" }, a);
    await res.body?.cancel();
    commit ??= res.headers.get("x-repo-commit") ?? undefined;
    linkedEtag ??= normalizeEtag(res.headers.get("x-linked-etag"));
    linkedSize ??= intHeader(res.headers, "x-linked-size");
    const etag = linkedEtag ?? normalizeEtag(res.headers.get("etag"));
    if (isRedirect(res.status)) {
      const loc = res.headers.get("location");
      if (!loc) throw protocolError(`HTTP ${res.status} redirect without a Location header`, current);
      const next = new URL(loc, current).toString();
      // A redirect to another host with the LFS headers is the hub sending us to its CDN: the
      // metadata is complete, and huggingface_hub does not ask the CDN either. Relative redirects
      // (a renamed repository) and bare redirects (some mirrors) are followed.
      if (/^[a-z][a-z0-9+.-]*:/i.test(loc) && linkedSize !== undefined) return meta(url, next, linkedSize, etag, commit, linkedEtag);
      current = next;
      continue;
    }
    if (res.status >= 200 && res.status < 300) return meta(url, current, linkedSize ?? intHeader(res.headers, "content-length"), etag, commit, linkedEtag);
    throw statusError(res, url, "HEAD", ref);
  }
  throw protocolError(`more than ${MAX_REDIRECTS} redirects`, url);
}

/** Size, etag and commit of a file, with redirects followed and transient failures retried. */
export async function hubHead(ref: HubFileRef & HubRequestOptions): Promise<HubFileMeta> {
  const url = hubFileUrl(ref);
  return withRetries(url, "HEAD", (a) => headOnce(url, ref, a), httpOptions(ref));
}

// ---------------------------------------------------------------------------------------------
// GET with resume

/**
 * Downloads one file of a hub repository to `dest`: resumable, retried, verified and atomic.
 * A file already at `dest` is replaced only once the new one is complete and verified.
 */
export async function hubDownload(opts: HubDownloadOptions): Promise<HubDownloadResult> {
  const url = hubFileUrl(opts);
  const head = opts.meta ?? (await hubHead(opts));
  // Pin every request to the commit the revision resolved to: retries and resumes then read the
  // same snapshot even if the branch moves meanwhile.
  const getUrl = head.commit && /^[0-9a-f]{40}$/.test(head.commit) ? hubFileUrl({ ...opts, revision: head.commit }) : url;
  const r = await downloadFile({
    ...httpOptions(opts),
    url: getUrl,
    errorUrl: url,
    dest: opts.dest,
    what: opts.path,
    // without an etag a part cannot be matched to a version later, so it is never resumed
    version: head.etag,
    size: head.size,
    expectedSize: opts.expectedSize,
    expectedSha256: opts.expectedSha256 ?? head.sha256,
    expectedFrom: opts.expectedSha256 ? "caller" : "hub X-Linked-Etag",
    contentFix: "the remote file is not the expected version (the download was deleted); check --revision and --hub-url, and if it repeats the server sends a damaged file",
    onProgress: opts.onProgress,
    validate: opts.validate,
    answerError: (res) => statusError(res, url, "GET", opts),
  });
  return { ...r, etag: head.etag, commit: head.commit, url };
}

