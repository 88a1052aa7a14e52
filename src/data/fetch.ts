// Fetches the original contest data from its Hugging Face dataset repo, as
// openai/parameter-golf's data/cached_challenge_fineweb.py does, into the same local layout:
//
//   remote (repo willdepueoai/parameter-golf, root "datasets/")   local (dir/)
//   datasets/manifest.json                                       manifest.json
//   datasets/tokenizers/fineweb_1024_bpe.{model,vocab}           tokenizers/...
//   datasets/datasets/fineweb10B_sp1024/fineweb_val_000000.bin   datasets/fineweb10B_sp1024/...
//   datasets/datasets/fineweb10B_sp1024/fineweb_train_000000.bin ...
//
// The manifest drives everything: the variant names the dataset (sp1024 -> fineweb10B_sp1024), the
// dataset entry gives the shard counts (stats.files_val, stats.files_train) and its tokenizer, the
// tokenizer entry gives the artifact paths (model_path, vocab_path, path). Val shards are all
// fetched, train shards 0..N-1. A local manifest.json is used as is, like the reference script.
//
// Files already present are re-verified (shard header and size, and the sha256 recorded when pgolf
// downloaded them, in dir/.pgolf-fetch.json) and kept when valid; the others are downloaded with
// resume, checked (shards with `shardInfo` before they get their name) and recorded.
import * as fs from "node:fs";
import * as path from "node:path";
import { isPgolfError, PgolfError } from "../core/error.js";
import { sha256File } from "../core/hash.js";
import { writeJsonAtomic } from "../core/json.js";
import { Progress } from "../core/progress.js";
import { hubDownload, hubFileUrl, hubHead, resolveEndpoint, type HubFileMeta, type HubRequestOptions } from "./hub.js";
import { shardInfo } from "./shard.js";

export const CHALLENGE_REPO = "willdepueoai/parameter-golf";
/** Folder of the repo that holds the export (`MATCHED_FINEWEB_REMOTE_ROOT_PREFIX` in the reference script). */
export const CHALLENGE_REMOTE_ROOT = "datasets";
/** Sizes and sha256 of the files pgolf downloaded into a data dir, for re-verification. */
export const FETCH_RECORD = ".pgolf-fetch.json";
/** Parallel HEAD requests while sizing the download (each is one small round trip). */
const HEAD_CONCURRENCY = 8;

export type ChallengeFileRole = "manifest" | "tokenizer" | "train" | "val";

export interface ManifestDatasetEntry {
  name: string;
  tokenizer_name: string;
  path?: string;
  vocab_size?: number;
  bos_id?: number;
  stats: { files_train: number; files_val: number; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ManifestTokenizerEntry {
  name: string;
  kind?: string;
  vocab_size?: number;
  model_path?: string;
  vocab_path?: string;
  path?: string;
  [key: string]: unknown;
}

/** The official export manifest (`datasets/manifest.json`); fields pgolf does not use are kept as they are. */
export interface ChallengeManifest {
  version?: string;
  datasets: ManifestDatasetEntry[];
  tokenizers: ManifestTokenizerEntry[];
  [key: string]: unknown;
}

export interface PlannedFile {
  role: ChallengeFileRole;
  /** Path relative to the data dir; the remote path is `{remote root}/{path}` unless `remote` is set. */
  path: string;
  /** Path under the remote root when it differs from the local `path` (the official manifest kept beside pgolf's own). */
  remote?: string;
}

export interface ChallengePlan {
  dataset: ManifestDatasetEntry;
  tokenizer: ManifestTokenizerEntry;
  /** Tokenizer artifacts, then val shards, then train shards (the manifest itself not included). */
  files: PlannedFile[];
}

export interface FetchProgress {
  phase: "verify" | "download";
  /** The file being worked on, relative to the data dir. */
  path: string;
  role: ChallengeFileRole;
  /** Bytes verified or downloaded so far in this phase, over all files. */
  done: number;
  /** Bytes to verify or download in this phase (downloads: as the server reported them). */
  total: number;
}

export interface FetchChallengeOptions extends HubRequestOptions {
  /** Hub URL (`--hub-url`); default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  repo?: string;
  revision?: string;
  /** Tokenizer family: sp<VOCAB> (sp1024, sp4096...) or byte260. */
  variant?: string;
  /** How many train shards to fetch (the first N); val shards are always all fetched. */
  trainShards: number;
  /** The data dir that receives manifest.json, tokenizers/ and datasets/. */
  dir: string;
  /**
   * Local name of the downloaded official manifest (default "manifest.json", as the reference script
   * keeps it); pgolf courses keep it as "manifest.official.json" beside their own manifest.json.
   */
  manifestPath?: string;
  /** Folder of the repo that holds the export; default "datasets". */
  remoteRoot?: string;
  onProgress?: (p: FetchProgress) => void;
  /** The progress bar on stderr; default: on when stderr is a terminal (and not CI). */
  progress?: boolean;
}

export interface FetchedFile {
  role: ChallengeFileRole;
  /** Relative to the data dir, "/"-separated. */
  path: string;
  bytes: number;
  sha256: string;
  /** present: kept after re-verification; downloaded: was missing; replaced: was present but not valid. */
  status: "present" | "downloaded" | "replaced";
  /** For downloads: the byte offset a resumed transfer started from (see `hubDownload`). */
  resumedFrom?: number;
  /** For replaced files: what was wrong with the local copy. */
  replacedBecause?: string;
}

export interface FetchChallengeResult {
  dir: string;
  endpoint: string;
  repo: string;
  revision: string;
  variant: string;
  /** Dataset name in the manifest, e.g. fineweb10B_sp1024. */
  dataset: string;
  manifest: ChallengeManifest;
  /** The manifest first, then tokenizer files, val shards, train shards. */
  files: FetchedFile[];
  /** Bytes transferred by this run. */
  downloadedBytes: number;
}

interface RecordEntry {
  bytes: number;
  sha256: string;
  etag?: string;
  commit?: string;
  url: string;
}

interface FetchRecord {
  format: 1;
  files: Record<string, RecordEntry>;
}

// ---------------------------------------------------------------------------------------------
// The manifest

/** sp1024 -> fineweb10B_sp1024, byte260 -> fineweb10B_byte260 (the reference script's mapping). */
export function datasetNameForVariant(variant: string): string {
  if (variant === "byte260") return "fineweb10B_byte260";
  if (/^sp\d+$/.test(variant)) return `fineweb10B_${variant}`;
  throw new PgolfError("USAGE", `unknown variant "${variant}"`, {
    fix: "pass --variant sp<VOCAB_SIZE> (e.g. sp1024, the official one) or byte260",
  });
}

function manifestError(problem: string, source: string): PgolfError {
  return new PgolfError("FETCH_MANIFEST", problem, {
    file: source,
    fix: "the dataset manifest is not in the layout of the official export; check --repo, --revision and --hub-url",
  });
}

const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Parses and checks the parts of the official manifest that fetching relies on. */
export function parseChallengeManifest(text: string, source: string): ChallengeManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw manifestError(`manifest is not valid JSON: ${(e as Error).message}`, source);
  }
  const o = m as Partial<ChallengeManifest> | null;
  if (!o || typeof o !== "object" || !Array.isArray(o.datasets) || !Array.isArray(o.tokenizers)) {
    throw manifestError("manifest has no `datasets` and `tokenizers` lists", source);
  }
  for (const d of o.datasets) {
    if (!d || typeof d.name !== "string" || typeof d.tokenizer_name !== "string" || !d.stats || !isCount(d.stats.files_train) || !isCount(d.stats.files_val)) {
      throw manifestError(`dataset entry ${JSON.stringify((d as { name?: unknown })?.name ?? d)} lacks name, tokenizer_name or stats.files_train/files_val counts`, source);
    }
  }
  for (const t of o.tokenizers) {
    if (!t || typeof t.name !== "string") throw manifestError("a tokenizer entry has no name", source);
  }
  return o as ChallengeManifest;
}

/** A manifest-provided relative path, normalized; refuses anything that would leave the data dir. */
function safeRelative(p: string, source: string): string {
  const norm = path.posix.normalize(p.replace(/^\.\//, ""));
  if (p.length === 0 || norm.startsWith("/") || norm === ".." || norm.startsWith("../") || /[\\\0]/.test(p) || /^[a-zA-Z]:/.test(p)) {
    throw manifestError(`manifest path "${p}" is not a relative path inside the export`, source);
  }
  return norm;
}

const shardName = (split: "train" | "val", i: number) => `fineweb_${split}_${String(i).padStart(6, "0")}.bin`;

/** The files `fetchChallengeFiles` fetches for a variant and train shard count, from the manifest. */
function checkTrainShards(trainShards: number): void {
  if (!Number.isInteger(trainShards) || trainShards < 0) {
    throw new PgolfError("USAGE", `--train-shards must be a whole number >= 0, got ${trainShards}`, { fix: "pass e.g. --train-shards 1" });
  }
}

export function planChallengeFiles(manifest: ChallengeManifest, variant: string, trainShards: number, source = "manifest.json"): ChallengePlan {
  checkTrainShards(trainShards);
  const name = datasetNameForVariant(variant);
  const dataset = manifest.datasets.find((d) => d.name === name);
  if (!dataset) {
    const have = manifest.datasets.map((d) => d.name);
    throw new PgolfError("USAGE", `variant ${variant}: dataset ${name} is not in the manifest (it has ${have.join(", ") || "none"})`, {
      file: source,
      fix: `pass --variant ${have.map((h) => h.replace(/^fineweb10B_/, "")).join(" or ") || "of a dataset the repository has"}, or a --repo that has ${name}`,
      details: { variant, dataset: name, available: have },
    });
  }
  const maxTrain = dataset.stats.files_train;
  if (trainShards > maxTrain) {
    throw new PgolfError("USAGE", `--train-shards ${trainShards} is more than the ${maxTrain} training shards of ${name} in the manifest`, {
      file: source,
      fix: `pass --train-shards ${maxTrain} or fewer`,
      details: { requested: trainShards, available: maxTrain },
    });
  }
  const tokenizer = manifest.tokenizers.find((t) => t.name === dataset.tokenizer_name);
  if (!tokenizer) throw manifestError(`tokenizer ${dataset.tokenizer_name} of dataset ${name} is not in the manifest`, source);
  const artifacts = (["model_path", "vocab_path", "path"] as const).map((k) => tokenizer[k]).filter((v): v is string => typeof v === "string" && v.length > 0);
  if (artifacts.length === 0) throw manifestError(`tokenizer entry ${tokenizer.name} names no file (model_path, vocab_path or path)`, source);

  const files: PlannedFile[] = artifacts.map((a) => ({ role: "tokenizer" as const, path: safeRelative(a, source) }));
  for (let i = 0; i < dataset.stats.files_val; i++) files.push({ role: "val", path: `datasets/${name}/${shardName("val", i)}` });
  for (let i = 0; i < trainShards; i++) files.push({ role: "train", path: `datasets/${name}/${shardName("train", i)}` });
  return { dataset, tokenizer, files };
}

// ---------------------------------------------------------------------------------------------
// Local verification

type LocalState = { state: "missing" } | { state: "valid"; bytes: number; sha256: string } | { state: "invalid"; reason: string };

function readRecord(file: string): FetchRecord {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as FetchRecord;
    if (r.format === 1 && r.files && typeof r.files === "object") return r;
  } catch {
    // no record yet, or a damaged one: files are then verified by their structure only
  }
  return { format: 1, files: {} };
}

/** Checks a local file: shards by header and size, the manifest by parsing, all by the recorded sha256. */
async function checkLocal(abs: string, role: ChallengeFileRole, recorded: RecordEntry | undefined, onBytes: (n: number) => void): Promise<LocalState> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    return { state: "missing" };
  }
  if (!stat.isFile()) return { state: "invalid", reason: "not a regular file" };
  if (stat.size === 0) return { state: "invalid", reason: "empty file" };
  try {
    if (role === "train" || role === "val") shardInfo(abs);
    if (role === "manifest") parseChallengeManifest(fs.readFileSync(abs, "utf8"), abs);
  } catch (e) {
    return { state: "invalid", reason: (e as Error).message };
  }
  const sha256 = await sha256File(abs);
  onBytes(stat.size);
  if (recorded && (recorded.sha256 !== sha256 || recorded.bytes !== stat.size)) {
    return { state: "invalid", reason: `content changed since it was downloaded (sha256 ${sha256}, recorded ${recorded.sha256})` };
  }
  return { state: "valid", bytes: stat.size, sha256 };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fetch

/**
 * Fetches the manifest, the variant's tokenizer files, its val shards and the first `trainShards`
 * train shards into `dir`, in the official layout. Present, valid files are kept (re-verified).
 */
export async function fetchChallengeFiles(opts: FetchChallengeOptions): Promise<FetchChallengeResult> {
  const endpoint = resolveEndpoint(opts.endpoint);
  const repo = opts.repo ?? CHALLENGE_REPO;
  const revision = opts.revision ?? "main";
  const variant = opts.variant ?? "sp1024";
  const remoteRoot = (opts.remoteRoot ?? CHALLENGE_REMOTE_ROOT).replace(/^\/+|\/+$/g, "");
  const dir = opts.dir;
  // Fail on a bad variant or count before any network traffic.
  datasetNameForVariant(variant);
  checkTrainShards(opts.trainShards);

  const remotePath = (rel: string) => (remoteRoot ? `${remoteRoot}/${rel}` : rel);
  const ref = (rel: string) => ({ endpoint, repo, revision, path: remotePath(rel), repoType: "dataset" as const });
  const net: HubRequestOptions = { timeoutMs: opts.timeoutMs, retries: opts.retries, retryDelayMs: opts.retryDelayMs, signal: opts.signal };
  const recordPath = path.join(dir, FETCH_RECORD);
  const record = readRecord(recordPath);
  let recordChanged = false;
  const results: FetchedFile[] = [];
  let downloadedBytes = 0;

  // One file from the hub into dir, checked, recorded.
  const download = async (file: PlannedFile, meta: HubFileMeta | undefined, onReceived: (n: number) => void, replacedBecause?: string): Promise<FetchedFile> => {
    const abs = path.join(dir, file.path);
    const url = hubFileUrl(ref(file.remote ?? file.path));
    const isShard = file.role === "train" || file.role === "val";
    let last = 0;
    let first = true; // the first report is what a resumed .part already holds: not transferred now
    const r = await hubDownload({
      ...ref(file.remote ?? file.path),
      ...net,
      dest: abs,
      meta,
      onProgress: (p) => {
        const delta = p.received - last;
        last = p.received;
        onReceived(delta);
        if (!first && delta > 0) downloadedBytes += delta;
        first = false;
      },
      validate: (tmp) => {
        try {
          if (isShard) shardInfo(tmp);
          if (file.role === "manifest") parseChallengeManifest(fs.readFileSync(tmp, "utf8"), url);
        } catch (e) {
          if (!isPgolfError(e)) throw e;
          throw new PgolfError(e.code, `the server sent a damaged ${isShard ? "shard" : "file"} ${file.path}: ${e.message}`, {
            file: url,
            fix: "the download was deleted; run the command again, and if it repeats check that --hub-url points to the official repository or a faithful mirror",
            details: { ...(e.details ?? {}), dest: abs },
            cause: e,
          });
        }
      },
    });
    record.files[file.path] = { bytes: r.bytes, sha256: r.sha256, etag: r.etag, commit: r.commit, url: r.url };
    await writeJsonAtomic(recordPath, record);
    return {
      role: file.role,
      path: file.path,
      bytes: r.bytes,
      sha256: r.sha256,
      status: replacedBecause === undefined ? "downloaded" : "replaced",
      resumedFrom: r.resumedFrom,
      ...(replacedBecause === undefined ? {} : { replacedBecause }),
    };
  };

  // 1. The manifest: the local one if valid (as the reference script does), else the remote one.
  const manifestFile: PlannedFile = { role: "manifest", path: opts.manifestPath ?? "manifest.json", remote: "manifest.json" };
  const manifestAbs = path.join(dir, manifestFile.path);
  const localManifest = await checkLocal(manifestAbs, "manifest", record.files[manifestFile.path], () => undefined);
  if (localManifest.state === "valid") {
    results.push({ role: "manifest", path: manifestFile.path, bytes: localManifest.bytes, sha256: localManifest.sha256, status: "present" });
    if (!record.files[manifestFile.path]) {
      record.files[manifestFile.path] = { bytes: localManifest.bytes, sha256: localManifest.sha256, url: hubFileUrl(ref(manifestFile.remote ?? manifestFile.path)) };
      recordChanged = true;
    }
  } else {
    results.push(await download(manifestFile, undefined, () => undefined, localManifest.state === "invalid" ? localManifest.reason : undefined));
  }
  const manifest = parseChallengeManifest(fs.readFileSync(manifestAbs, "utf8"), manifestAbs);
  const plan = planChallengeFiles(manifest, variant, opts.trainShards, manifestAbs);

  // 2. Re-verify what is already there.
  const presentBytes = plan.files.reduce((a, f) => a + (fs.statSync(path.join(dir, f.path), { throwIfNoEntry: false })?.size ?? 0), 0);
  const verifyBar = presentBytes > 0 ? new Progress("verify", presentBytes, { unit: "MB", scale: 1e6, enabled: opts.progress }) : undefined;
  const local: LocalState[] = [];
  for (const f of plan.files) {
    local.push(
      await checkLocal(path.join(dir, f.path), f.role, record.files[f.path], (n) => {
        verifyBar?.tick(n);
        opts.onProgress?.({ phase: "verify", path: f.path, role: f.role, done: verifyBar?.done ?? 0, total: presentBytes });
      }),
    );
  }
  verifyBar?.finish();

  // 3. Size the downloads (a missing file fails here, before any large transfer), then download.
  const todo = plan.files.map((f, i) => ({ f, s: local[i] })).filter(({ s }) => s.state !== "valid");
  const metas = await mapLimit(todo, HEAD_CONCURRENCY, ({ f }) => hubHead({ ...ref(f.path), ...net }));
  const total = metas.reduce((a, m) => a + (m.size ?? 0), 0);
  const bar = todo.length > 0 ? new Progress("fetch", total, { unit: "MB", scale: 1e6, enabled: opts.progress }) : undefined;
  const fetched = new Map<string, FetchedFile>();
  try {
    for (let i = 0; i < todo.length; i++) {
      const { f, s } = todo[i];
      const r = await download(
        f,
        metas[i],
        (n) => {
          bar?.tick(n);
          opts.onProgress?.({ phase: "download", path: f.path, role: f.role, done: bar?.done ?? 0, total });
        },
        s.state === "invalid" ? s.reason : undefined,
      );
      fetched.set(f.path, r);
    }
  } finally {
    bar?.finish();
  }

  // Files that were valid but not downloaded by pgolf (e.g. by the reference script) join the
  // record (above for the manifest), so that later runs notice if they change.
  plan.files.forEach((f, i) => {
    const s = local[i];
    if (s.state !== "valid") return void results.push(fetched.get(f.path)!);
    results.push({ role: f.role, path: f.path, bytes: s.bytes, sha256: s.sha256, status: "present" });
    if (!record.files[f.path]) {
      record.files[f.path] = { bytes: s.bytes, sha256: s.sha256, url: hubFileUrl(ref(f.path)) };
      recordChanged = true;
    }
  });
  if (recordChanged) await writeJsonAtomic(recordPath, record);
  return { dir, endpoint, repo, revision, variant, dataset: plan.dataset.name, manifest, files: results, downloadedBytes };
}
