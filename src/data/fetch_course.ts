// `pgolf data fetch`: the original contest's course, downloaded from the Hugging Face dataset repo
// (or a mirror) into `<dir>/<course>/` with the official layout. The downloaded official manifest is
// kept as manifest.official.json; pgolf writes manifest.json = the official fields plus its `pgolf`
// block pinning every local file by sha256.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { stableJson } from "../core/json.js";
import { VERSION } from "../core/version.js";
import type { CourseSummary } from "./build.js";
import { targetBytes } from "./bytes.js";
import { courseSpec, DEFAULT_DATA_DIR } from "./courses.js";
import { fetchChallengeFiles } from "./fetch.js";
import { MANIFEST_NAME, PGOLF_MANIFEST_FORMAT, type CourseManifest, type ManifestFile } from "./manifest.js";
import { ShardReader } from "./shard.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

export const OFFICIAL_MANIFEST_NAME = "manifest.official.json";

export interface FetchCourseOptions {
  course?: string;
  dir?: string;
  trainShards: number;
  hubUrl?: string;
  revision?: string;
  /** Passed to the hub client (tests use short ones). */
  retries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

export interface FetchCourseSummary extends CourseSummary {
  endpoint: string;
  downloaded_bytes: number;
  resumed: number;
}

/** Streams shards once: token count, documents (BOS count), and the val byte-table total. */
function scanShards(files: string[], tok: SentencePieceTokenizer, countBytes: boolean): { tokens: number; docs: number; bytes: number } {
  const table = tok.byteTable();
  let tokens = 0;
  let docs = 0;
  let bytes = 0;
  let prev = -1;
  for (const f of files) {
    const r = ShardReader.open(f, { vocabSize: tok.vocabSize });
    try {
      for (const { tokens: chunk } of r.chunks(1 << 20)) {
        for (let i = 0; i < chunk.length; i++) {
          const t = chunk[i];
          if (t === tok.bosId) docs++;
          if (countBytes && prev >= 0) bytes += targetBytes(table, prev, t);
          prev = t;
        }
        tokens += chunk.length;
      }
    } finally {
      r.close();
    }
  }
  return { tokens, docs, bytes };
}

export async function fetchCourse(opts: FetchCourseOptions): Promise<FetchCourseSummary> {
  const t0 = performance.now();
  const name = opts.course ?? "fineweb-sp1024";
  const spec = courseSpec(name);
  if (spec.kind !== "fetched") {
    throw new PgolfError("USAGE", `course "${name}" is built locally, not fetched`, { fix: `run \`pgolf data prepare --course ${name}\`` });
  }
  const courseDir = path.join(opts.dir ?? DEFAULT_DATA_DIR, name);
  const fetched = await fetchChallengeFiles({
    endpoint: opts.hubUrl,
    repo: spec.repo,
    revision: opts.revision ?? spec.revision,
    variant: spec.variant,
    trainShards: opts.trainShards,
    dir: courseDir,
    manifestPath: OFFICIAL_MANIFEST_NAME,
    retries: opts.retries,
    retryDelayMs: opts.retryDelayMs,
    timeoutMs: opts.timeoutMs,
  });

  const files: ManifestFile[] = fetched.files.map((f) => {
    const role: ManifestFile["role"] =
      f.role === "manifest" ? "official-manifest" : f.role === "tokenizer" ? (f.path.endsWith(".model") ? "tokenizer" : "vocab") : f.role;
    const file: ManifestFile = { path: f.path, role, bytes: f.bytes, sha256: f.sha256 };
    if (f.role === "train" || f.role === "val") file.tokens = (f.bytes - 1024) / 2;
    return file;
  });
  const model = files.find((f) => f.role === "tokenizer");
  if (!model) throw new PgolfError("FETCH_MANIFEST", "the official manifest names no .model tokenizer for this variant", { fix: "the hub's manifest lacks the tokenizer: fetch from the official repository (--hub-url unset) or pin another --revision", file: path.join(courseDir, OFFICIAL_MANIFEST_NAME) });
  const tok = SentencePieceTokenizer.fromFile(path.join(courseDir, model.path));
  const abs = (role: string) => files.filter((f) => f.role === role).map((f) => path.join(courseDir, f.path));
  const train = scanShards(abs("train"), tok, false);
  const val = scanShards(abs("val"), tok, true);

  const official = JSON.parse(fs.readFileSync(path.join(courseDir, OFFICIAL_MANIFEST_NAME), "utf8")) as Record<string, unknown>;
  const manifest: CourseManifest = {
    ...(official as unknown as CourseManifest),
    pgolf: {
      format: PGOLF_MANIFEST_FORMAT,
      course: name,
      created_by: `pgolf ${VERSION}`,
      source: { kind: "hub", repo: fetched.repo, revision: fetched.revision, variant: fetched.variant, dataset: fetched.dataset, train_shards: opts.trainShards },
      split: { rule: "the official export's split: its validation shard(s) hold the first 50,000 documents of the shuffled selection", val_docs: val.docs, train_docs: train.docs },
      val_bytes: { raw_utf8: null, table: val.bytes, table_seq_len: null },
      files,
    },
  };
  await writeFileAtomic(path.join(courseDir, MANIFEST_NAME), stableJson(manifest));
  return {
    course: name,
    dir: courseDir,
    manifest: path.join(courseDir, MANIFEST_NAME),
    docs_train: train.docs,
    docs_val: val.docs,
    tokens_train: train.tokens,
    tokens_val: val.tokens,
    vocab_size: tok.vocabSize,
    val_raw_bytes: 0,
    val_table_bytes: val.bytes,
    files: files.length + 1,
    bytes_on_disk: files.reduce((a, f) => a + f.bytes, 0),
    seconds: (performance.now() - t0) / 1000,
    built: fetched.downloadedBytes > 0,
    endpoint: fetched.endpoint,
    downloaded_bytes: fetched.downloadedBytes,
    resumed: fetched.files.filter((f) => (f.resumedFrom ?? 0) > 0).length,
  };
}
