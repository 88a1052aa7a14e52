// Builds a course from documents: a fixed validation split (by document), a BPE tokenizer trained on
// the training documents only, shards of [BOS] + ids per document in the official layout, document
// hashes for disjointness, and a manifest that pins every file by sha256. Everything is deterministic:
// the same documents and options give byte-identical files on any machine. The course appears under
// its final name only when complete (built in a temporary folder, then renamed).
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { PgolfError } from "../core/error.js";
import { sha256 } from "../core/hash.js";
import { stableJson } from "../core/json.js";
import { VERSION } from "../core/version.js";
import { countTargetBytes } from "./bytes.js";
import { encodeDocHashes, findLeaks, hashDocumentText, type DocHash } from "./doc_hashes.js";
import { encodeDocuments } from "./encode_pool.js";
import { MANIFEST_NAME, PGOLF_MANIFEST_FORMAT, type CourseManifest, type ManifestFile } from "./manifest.js";
import { ShardWriter } from "./shard.js";
import type { SourceDocument } from "./sources.js";
import { trainBpe } from "./tokenizer/bpe_model_trainer.js";
import { trainingPieces } from "./training_text.js";
import { SentencePieceTokenizer } from "./tokenizer/sentencepiece.js";

/** How documents are assigned to validation. */
export type SplitRule =
  /** Document i is validation when i % every === remainder (the SOTU peer's rule: 10, 9). */
  | { kind: "every"; every: number; remainder: number }
  /** The last `count` documents are validation. */
  | { kind: "last"; count: number };

export interface BuildCourseOptions {
  /** Course name; the course folder is `<dir>/<name>`. */
  name: string;
  /** Parent folder of courses (default "data"). */
  dir: string;
  documents: SourceDocument[];
  split: SplitRule;
  vocabSize: number;
  /** e.g. "sotu_1024_bpe" -> tokenizers/sotu_1024_bpe.model */
  tokenizerName: string;
  /** e.g. "sotu_sp1024" -> datasets/sotu_sp1024/ */
  datasetName: string;
  /** Shard file prefix, e.g. "sotu" -> sotu_train_000000.bin */
  shardPrefix: string;
  /** Tokens per shard (the official export uses 100,000,000). */
  shardSize?: number;
  /** Where the documents came from, recorded in the manifest. */
  source: Record<string, unknown>;
  threads?: number;
}

export interface CourseSummary {
  course: string;
  dir: string;
  manifest: string;
  docs_train: number;
  docs_val: number;
  tokens_train: number;
  tokens_val: number;
  vocab_size: number;
  val_raw_bytes: number;
  val_table_bytes: number;
  files: number;
  bytes_on_disk: number;
  seconds: number;
  built: boolean;
}

export function isValidation(rule: SplitRule, index: number, total: number): boolean {
  if (rule.kind === "every") return index % rule.every === rule.remainder;
  return index >= total - rule.count;
}

function posix(p: string): string {
  return p.split(path.sep).join("/");
}

export async function buildCourse(opts: BuildCourseOptions): Promise<CourseSummary> {
  const t0 = performance.now();
  const { documents } = opts;
  const shardSize = opts.shardSize ?? 100_000_000;
  const isVal = documents.map((_, i) => isValidation(opts.split, i, documents.length));
  const train = documents.filter((_, i) => !isVal[i]);
  const val = documents.filter((_, i) => isVal[i]);
  if (train.length === 0 || val.length === 0) {
    throw new PgolfError("CONFIG_INVALID", `the split leaves ${train.length} training and ${val.length} validation documents; both must be non-empty`, {
      fix: "use more documents or a different --val-docs",
    });
  }

  // 1. Tokenizer, trained on the training documents only (cut into pieces SentencePiece accepts),
  // with trainBpe's default normalization table: the pinned nmt_nfkc one, the same on every Node.
  const trained = trainBpe(train.flatMap((d) => trainingPieces(d.text)), { vocabSize: opts.vocabSize });
  const tok = SentencePieceTokenizer.fromBytes(trained.model, `${opts.tokenizerName}.model`);

  // 2. Encode every document on all cores.
  const ids = await encodeDocuments(trained.model, `${opts.tokenizerName}.model`, documents.map((d) => d.text), {
    threads: opts.threads,
    label: `encode ${opts.name}`,
  });

  // 3. Write everything into a temporary folder beside the final one.
  const finalDir = path.join(opts.dir, opts.name);
  fs.mkdirSync(opts.dir, { recursive: true });
  // Leftovers of an interrupted build (Ctrl-C, crash) of this course: never a course, only debris.
  for (const n of fs.readdirSync(opts.dir)) {
    if (n.startsWith(`.tmp-${opts.name}-`)) fs.rmSync(path.join(opts.dir, n), { recursive: true, force: true });
  }
  const tmpDir = fs.mkdtempSync(path.join(opts.dir, `.tmp-${opts.name}-`));
  try {
    const files: ManifestFile[] = [];
    const addFile = (rel: string, role: ManifestFile["role"], data: Uint8Array, tokens?: number) => {
      files.push({ path: posix(rel), role, bytes: data.byteLength, sha256: sha256(data), ...(tokens !== undefined ? { tokens } : {}) });
    };
    const modelRel = path.join("tokenizers", `${opts.tokenizerName}.model`);
    const vocabRel = path.join("tokenizers", `${opts.tokenizerName}.vocab`);
    await writeFileAtomic(path.join(tmpDir, modelRel), trained.model);
    await writeFileAtomic(path.join(tmpDir, vocabRel), trained.vocab);
    addFile(modelRel, "tokenizer", trained.model);
    addFile(vocabRel, "vocab", Buffer.from(trained.vocab, "utf8"));

    const datasetRel = path.join("datasets", opts.datasetName);
    const writeSplit = (split: "train" | "val"): { tokens: number; stream?: Int32Array } => {
      let shardIndex = 0;
      let writer: ShardWriter | undefined;
      let total = 0;
      const keep: number[] | undefined = split === "val" ? [] : undefined;
      const open = () => {
        const name = `${opts.shardPrefix}_${split}_${String(shardIndex++).padStart(6, "0")}.bin`;
        writer = ShardWriter.create(path.join(tmpDir, datasetRel, name), { vocabSize: tok.vocabSize });
      };
      const close = () => {
        if (!writer) return;
        const info = writer.commit();
        const data = fs.readFileSync(info.file);
        addFile(path.relative(tmpDir, info.file), split, data, info.tokens);
        writer = undefined;
      };
      const put = (seq: ArrayLike<number>) => {
        // Documents may span shards, as in the official exporter.
        let off = 0;
        while (off < seq.length) {
          if (!writer) open();
          const room = shardSize - writer!.tokens;
          const n = Math.min(room, seq.length - off);
          const part = Array.prototype.slice.call(seq, off, off + n) as number[];
          writer!.append(part);
          keep?.push(...part);
          off += n;
          total += n;
          if (writer!.tokens >= shardSize) close();
        }
      };
      documents.forEach((_, i) => {
        if (isVal[i] !== (split === "val")) return;
        put([tok.bosId]);
        put(ids[i]);
      });
      close();
      return { tokens: total, stream: keep ? Int32Array.from(keep) : undefined };
    };
    const trainOut = writeSplit("train");
    const valOut = writeSplit("val");
    // the raw text of each split, in stream order: an entry's own tokenizer is trained and scored on it
    for (const split of ["train", "val"] as const) {
      const rel = path.join("text", `${split}.jsonl`);
      const data = Buffer.from(documents.filter((_, i) => isVal[i] === (split === "val")).map((d) => JSON.stringify({ text: d.text }) + "\n").join(""), "utf8");
      await writeFileAtomic(path.join(tmpDir, rel), data);
      addFile(rel, split === "val" ? "text-val" : "text-train", data);
    }

    // 4. Document hashes, and proof that no validation document is in training.
    const hashes: DocHash[] = documents.map((_, i) => ({ split: isVal[i] ? "val" : "train", hash: hashDocumentText(tok.decode(ids[i])) }));
    const leaks = findLeaks(hashes);
    if (leaks.length > 0) {
      const names = documents.filter((_, i) => isVal[i] && leaks.includes(hashes[i].hash)).map((d) => d.id);
      throw new PgolfError("COURSE_LEAK", `${leaks.length} validation document(s) also occur in training: ${names.slice(0, 5).join(", ")}`, {
        fix: "remove duplicate documents from the source before building",
        details: { documents: names },
      });
    }
    const hashBytes = encodeDocHashes(hashes);
    await writeFileAtomic(path.join(tmpDir, "doc_hashes.bin"), hashBytes);
    addFile("doc_hashes.bin", "doc-hashes", hashBytes);

    // 5. Byte accounting of the validation split: canonical and by the reference table.
    const valRaw = val.reduce((a, d) => a + Buffer.byteLength(d.text, "utf8"), 0);
    const valTable = countTargetBytes(valOut.stream!, tok.byteTable()).bytes;

    const docsTrain = train.length;
    const docsVal = val.length;
    const trainFiles = files.filter((f) => f.role === "train").length;
    const valFiles = files.filter((f) => f.role === "val").length;
    const manifest: CourseManifest = {
      version: `pgolf-${opts.name}`,
      num_docs: documents.length,
      num_val_docs: docsVal,
      shuffle_seed: null,
      shard_size: shardSize,
      append_eos: false,
      tokenizers: [
        {
          name: opts.tokenizerName,
          kind: "sentencepiece_bpe",
          vocab_size: tok.vocabSize,
          bos_id: tok.bosId,
          eos_id: tok.eosId,
          model_path: posix(modelRel),
          vocab_path: posix(vocabRel),
        },
      ],
      datasets: [
        {
          name: opts.datasetName,
          tokenizer_name: opts.tokenizerName,
          tokenizer_kind: "sentencepiece_bpe",
          path: posix(datasetRel),
          train_glob: posix(path.join(datasetRel, `${opts.shardPrefix}_train_*.bin`)),
          val_glob: posix(path.join(datasetRel, `${opts.shardPrefix}_val_*.bin`)),
          vocab_size: tok.vocabSize,
          bos_id: tok.bosId,
          eos_id: tok.eosId,
          stats: {
            docs_total: documents.length,
            docs_val: docsVal,
            docs_train: docsTrain,
            files_total: trainFiles + valFiles,
            files_val: valFiles,
            files_train: trainFiles,
            tokens_total: trainOut.tokens + valOut.tokens,
            tokens_val: valOut.tokens,
            tokens_train: trainOut.tokens,
          },
        },
      ],
      pgolf: {
        format: PGOLF_MANIFEST_FORMAT,
        course: opts.name,
        created_by: `pgolf ${VERSION}`,
        source: opts.source,
        split: { rule: describeSplit(opts.split), val_docs: docsVal, train_docs: docsTrain },
        val_bytes: { raw_utf8: valRaw, table: valTable, table_seq_len: null },
        files,
      },
    };
    await writeFileAtomic(path.join(tmpDir, MANIFEST_NAME), stableJson(manifest));

    // 6. Swap the finished course into place.
    const old = fs.existsSync(finalDir) ? `${tmpDir}-old` : undefined;
    if (old) fs.renameSync(finalDir, old);
    fs.renameSync(tmpDir, finalDir);
    if (old) fs.rmSync(old, { recursive: true, force: true });

    return {
      course: opts.name,
      dir: finalDir,
      manifest: path.join(finalDir, MANIFEST_NAME),
      docs_train: docsTrain,
      docs_val: docsVal,
      tokens_train: trainOut.tokens,
      tokens_val: valOut.tokens,
      vocab_size: tok.vocabSize,
      val_raw_bytes: valRaw,
      val_table_bytes: valTable,
      files: files.length + 1,
      bytes_on_disk: files.reduce((a, f) => a + f.bytes, 0),
      seconds: (performance.now() - t0) / 1000,
      built: true,
    };
  } catch (e) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

export function describeSplit(rule: SplitRule): string {
  return rule.kind === "every"
    ? `documents in source order; document i is validation when i % ${rule.every} == ${rule.remainder}`
    : `documents in source order; the last ${rule.count} are validation`;
}
