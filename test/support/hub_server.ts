// A real HTTP server on 127.0.0.1 that speaks the Hugging Face hub's file protocol for one repo,
// backed by local files, so that the hub client and the dataset fetcher are tested over real sockets:
//
//   HEAD/GET /datasets/{owner/name}/resolve/{revision}/{path}   (/{owner/name}/... for model repos)
//     - small files: 200 with the bytes, ETag = git blob sha1, X-Repo-Commit, Accept-Ranges, Range -> 206
//     - LFS files (.bin by default): 302 to an absolute /cdn/{sha256} URL, with X-Linked-Etag (the
//       content sha256), X-Linked-Size and X-Repo-Commit, as the real hub does
//     - errors: 401 RepoNotFound, 404 RevisionNotFound / EntryNotFound, with X-Error-Code and X-Error-Message
//   HEAD/GET /cdn/{sha256}   the "CDN": bytes with Range support, no hub headers
//
// Every change of the file map makes a new commit; "main" points at the newest, older commits stay
// readable by id (like git). Faults can be injected per file: cut the connection after N body bytes,
// answer an error status, ignore Range. Every request is logged. `close()` stops the server and
// drops open connections.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface HubServerOptions {
  /** Repository id, default "willdepueoai/parameter-golf". */
  repo?: string;
  /** Default "dataset" (URLs under /datasets/). */
  repoType?: "dataset" | "model";
  /** Repository path -> absolute path of the local file served for it. */
  files: Record<string, string>;
  /** Which files are stored in LFS and redirected to the CDN path; default: names ending in .bin. */
  lfs?: (repoPath: string) => boolean;
}

export interface RequestLogEntry {
  method: string;
  /** Request path (and query) as received. */
  url: string;
  /** The repository file this request was about, when there was one. */
  repoPath?: string;
  range?: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

interface FileEntry {
  file: string;
  size: number;
  sha256: string;
  /** git blob sha1 of the content (small files) or of the LFS pointer (LFS files): the hub's ETag. */
  gitSha1: string;
  lfs: boolean;
}

interface Fault {
  cutAfterBytes?: number;
  cutTimes?: number;
  /** Instead of closing the connection after the bytes, keep it open and send nothing more. */
  stall?: boolean;
  failStatus?: number;
  failTimes?: number;
  failMethods?: string[];
  ignoreRange?: boolean;
}

function gitBlobSha1(content: Buffer | string): string {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

function describeFile(file: string, lfs: boolean): FileEntry {
  const content = fs.readFileSync(file);
  const sha256 = createHash("sha256").update(content).digest("hex");
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`;
  return { file, size: content.length, sha256, gitSha1: gitBlobSha1(lfs ? pointer : content), lfs };
}

/** Parses a single-range `Range` header against a file size: [start, end] inclusive, or "unsatisfiable". */
function parseRange(v: string, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(v.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2])); // suffix range: the last N bytes
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

export class HubServer {
  readonly repo: string;
  readonly repoType: "dataset" | "model";
  /** http://127.0.0.1:PORT, the endpoint to pass to the client. */
  url = "";
  readonly requests: RequestLogEntry[] = [];
  private readonly server: http.Server;
  private readonly lfs: (p: string) => boolean;
  private readonly commits = new Map<string, Map<string, FileEntry>>();
  private readonly branches = new Map<string, string>();
  private readonly faults = new Map<string, Fault>();

  constructor(opts: HubServerOptions) {
    this.repo = opts.repo ?? "willdepueoai/parameter-golf";
    this.repoType = opts.repoType ?? "dataset";
    this.lfs = opts.lfs ?? ((p) => p.endsWith(".bin"));
    this.commit(new Map(Object.entries(opts.files).map(([p, f]) => [p, describeFile(f, this.lfs(p))])));
    this.server = http.createServer((req, res) => {
      const entry: RequestLogEntry = { method: req.method ?? "", url: req.url ?? "", range: req.headers.range, status: 0, bytes: 0 };
      this.requests.push(entry);
      this.handle(req, res, entry);
      entry.status = res.statusCode; // every branch writes its head synchronously
    });
  }

  /** Id of the commit "main" points at. */
  get head(): string {
    return this.branches.get("main")!;
  }

  /** Serves `file` under `repoPath` from a new commit on main (a new version: new etag). */
  setFile(repoPath: string, file: string): void {
    const files = new Map(this.commits.get(this.head)!);
    files.set(repoPath, describeFile(file, this.lfs(repoPath)));
    this.commit(files);
  }

  /** Removes `repoPath` in a new commit on main. */
  removeFile(repoPath: string): void {
    const files = new Map(this.commits.get(this.head)!);
    files.delete(repoPath);
    this.commit(files);
  }

  /** The first `times` body-carrying responses for `repoPath` close the connection after `afterBytes` body bytes. */
  cutConnection(repoPath: string, afterBytes: number, times = 1): void {
    Object.assign(this.fault(repoPath), { cutAfterBytes: afterBytes, cutTimes: times, stall: false });
  }

  /** Like `cutConnection`, but the connection stays open and silent (a stalled transfer); `close()` ends it. */
  stallAfter(repoPath: string, afterBytes: number, times = 1): void {
    Object.assign(this.fault(repoPath), { cutAfterBytes: afterBytes, cutTimes: times, stall: true });
  }

  /** The next `times` resolve requests for `repoPath` (of the given methods, default any) answer `status`. */
  failNext(repoPath: string, status = 500, times = 1, methods?: ("GET" | "HEAD")[]): void {
    Object.assign(this.fault(repoPath), { failStatus: status, failTimes: times, failMethods: methods });
  }

  /** Answers 200 with the whole file to every request for `repoPath`, whatever its Range header. */
  ignoreRange(repoPath: string, on = true): void {
    this.fault(repoPath).ignoreRange = on;
  }

  /** GET requests that carried file bytes, for `repoPath` or all files. */
  downloads(repoPath?: string): RequestLogEntry[] {
    return this.requests.filter((r) => r.method === "GET" && r.bytes > 0 && (repoPath === undefined || r.repoPath === repoPath));
  }

  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        resolve(this);
      });
    });
  }

  /** Stops accepting connections, drops open ones, resolves when the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private fault(repoPath: string): Fault {
    let f = this.faults.get(repoPath);
    if (!f) this.faults.set(repoPath, (f = {}));
    return f;
  }

  private commit(files: Map<string, FileEntry>): void {
    const h = createHash("sha1").update(`${this.commits.size}\n`);
    for (const [p, e] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${p}\0${e.sha256}\n`);
    const id = h.digest("hex");
    this.commits.set(id, files);
    this.branches.set("main", id);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, entry: RequestLogEntry): void {
    if (req.method !== "GET" && req.method !== "HEAD") return this.error(res, 405, undefined, "Method not allowed");
    const { pathname } = new URL(req.url ?? "/", "http://x");
    const parts = pathname.split("/").slice(1).map(decodeURIComponent);

    if (parts[0] === "cdn" && parts.length === 2) {
      for (const files of [this.commits.get(this.head)!, ...this.commits.values()]) {
        for (const [repoPath, e] of files) {
          if (e.sha256 === parts[1]) {
            entry.repoPath = repoPath;
            return this.serveBytes(req, res, e, repoPath, entry, {});
          }
        }
      }
      return this.error(res, 404, undefined, "no such object");
    }

    // /{datasets/}owner/name/resolve/revision/path...
    const prefix = this.repoType === "dataset" ? 1 : 0;
    if ((prefix && parts[0] !== "datasets") || parts[prefix + 2] !== "resolve" || parts.length < prefix + 5) {
      return this.error(res, 404, undefined, "Not found");
    }
    const repo = `${parts[prefix]}/${parts[prefix + 1]}`;
    const revision = parts[prefix + 3];
    const repoPath = parts.slice(prefix + 4).join("/");
    entry.repoPath = repoPath;
    if (repo !== this.repo) return this.error(res, 401, "RepoNotFound", "Repository not found");
    const commit = this.branches.get(revision) ?? (this.commits.has(revision) ? revision : undefined);
    if (commit === undefined) return this.error(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const e = this.commits.get(commit)!.get(repoPath);
    if (!e) return this.error(res, 404, "EntryNotFound", `Entry not found`);

    const f = this.faults.get(repoPath);
    if (f?.failTimes && (!f.failMethods || f.failMethods.includes(req.method as "GET" | "HEAD"))) {
      f.failTimes--;
      return this.error(res, f.failStatus ?? 500, undefined, "Internal error (injected)");
    }
    const hubHeaders = { "X-Repo-Commit": commit, ETag: `"${e.gitSha1}"` };
    if (e.lfs) {
      const location = `${this.url}/cdn/${e.sha256}`;
      const body = `Found. Redirecting to ${location}`;
      res.writeHead(302, {
        ...hubHeaders,
        Location: location,
        "X-Linked-Etag": `"${e.sha256}"`,
        "X-Linked-Size": String(e.size),
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    this.serveBytes(req, res, e, repoPath, entry, hubHeaders);
  }

  private serveBytes(req: http.IncomingMessage, res: http.ServerResponse, e: FileEntry, repoPath: string, entry: RequestLogEntry, extra: Record<string, string>): void {
    const f = this.faults.get(repoPath);
    const headers: Record<string, string | number> = {
      ...extra,
      "Accept-Ranges": "bytes",
      "Content-Type": repoPath.endsWith(".json") ? "application/json" : "application/octet-stream",
    };
    if (!("ETag" in headers)) headers.ETag = `"cdn-${e.sha256.slice(0, 32)}"`; // the CDN's own etag, unlike the hub's
    let start = 0;
    let end = e.size - 1;
    let status = 200;
    const range = req.headers.range && !f?.ignoreRange ? parseRange(req.headers.range, e.size) : undefined;
    if (range === "unsatisfiable") {
      res.writeHead(416, { ...headers, "Content-Range": `bytes */${e.size}`, "Content-Length": 0 });
      res.end();
      return;
    }
    if (range) {
      ({ start, end } = range);
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${e.size}`;
    }
    const length = Math.max(0, end - start + 1);
    headers["Content-Length"] = length;
    res.writeHead(status, headers);
    if (req.method === "HEAD" || length === 0) {
      res.end();
      return;
    }
    if (f?.cutTimes && f.cutAfterBytes !== undefined && f.cutAfterBytes < length) {
      f.cutTimes--;
      // Send exactly the first N body bytes, then drop the connection once they left the process
      // (or, for a stall, send nothing more).
      const n = f.cutAfterBytes;
      const buf = Buffer.alloc(n);
      const fd = fs.openSync(e.file, "r");
      try {
        fs.readSync(fd, buf, 0, n, start);
      } finally {
        fs.closeSync(fd);
      }
      entry.bytes = n;
      res.write(buf, () => {
        if (!f.stall) setImmediate(() => res.socket?.destroy());
      });
      return;
    }
    const stream = fs.createReadStream(e.file, { start, end });
    stream.on("data", (c) => (entry.bytes += c.length));
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  }

  private error(res: http.ServerResponse, status: number, code: string | undefined, message: string): void {
    const body = JSON.stringify({ error: message });
    res.writeHead(status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
      "X-Error-Message": message,
      ...(code ? { "X-Error-Code": code } : {}),
    });
    res.end(body);
  }
}

/** Starts a hub server on a random port of 127.0.0.1. Close it with `close()`. */
export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  return new HubServer(opts).listen();
}

/** Runs `fn` with a fresh server and always closes it, also when `fn` throws. */
export async function withHubServer<T>(opts: HubServerOptions, fn: (server: HubServer) => Promise<T>): Promise<T> {
  const server = await startHubServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}
