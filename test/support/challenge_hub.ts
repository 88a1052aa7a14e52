// The files of a stand-in for the contest's Hugging Face dataset repo, for tests of `pgolf data fetch`
// over test/support/hub_server.ts: the official repo layout and manifest format (the fields of
// cached_challenge_fineweb.py's manifest.json), holding a tokenizer and a val shard pgolf made from
// the embedded course (sotu-sp1024, built offline from an npm corpus in a few seconds) under the
// official names. The real files are in ../shared/fixtures/real; tests of their contents use those.
import * as fs from "node:fs";
import * as path from "node:path";
import { prepareCourse } from "../../src/data/prepare.js";
import { shardInfo } from "../../src/data/shard.js";

/** The dataset folder of the sp1024 variant in the repo (under the repo's datasets/ prefix). */
export const HUB_DATASET = "datasets/datasets/fineweb10B_sp1024";
export const HUB_VAL = `${HUB_DATASET}/fineweb_val_000000.bin`;
export const hubTrain = (i: number) => `${HUB_DATASET}/fineweb_train_${String(i).padStart(6, "0")}.bin`;

export interface ChallengeHub {
  /** Repo path -> local file, for withHubServer({ files }). Train shards are the caller's to add. */
  files: Record<string, string>;
  manifest: string;
  model: string;
  vocab: string;
  val: string;
  /** The val shard's tokens, documents (BOS count) and all-target byte-table bytes, as pgolf's course build counted them. */
  valTokens: number;
  valDocs: number;
  valTableBytes: number;
}

/**
 * An official-format manifest.json with the sp_bpe_1024 tokenizer and the fineweb10B_sp1024 dataset
 * of `filesTrain` train shards and one val shard of `tokensVal` tokens.
 */
export function challengeManifest(o: { filesTrain: number; tokensVal: number; docsVal: number }): Record<string, unknown> {
  const spec = { name: "sp_bpe_1024", dataset_suffix: "sp1024", vocab_size: 1024, builder: "demo_tokenizer_builders:build_sentencepiece_tokenizer" };
  const tokensTrain = o.filesTrain * 100_000_000;
  return {
    version: "10B",
    num_docs: o.docsVal + o.filesTrain * 80_000,
    num_val_docs: o.docsVal,
    shuffle_seed: 1337,
    shard_size: 100_000_000,
    append_eos: false,
    docs_jsonl: "docs_selected.jsonl",
    tokenizer_specs: [{ ...spec, _base_dir: "." }],
    tokenizers: [{ name: "sp_bpe_1024", kind: "sentencepiece_bpe", vocab_size: 1024, bos_id: 1, eos_id: 2, source_spec: spec, model_path: "tokenizers/fineweb_1024_bpe.model", vocab_path: "tokenizers/fineweb_1024_bpe.vocab" }],
    datasets: [
      {
        name: "fineweb10B_sp1024",
        tokenizer_name: "sp_bpe_1024",
        tokenizer_kind: "sentencepiece_bpe",
        path: "datasets/fineweb10B_sp1024",
        train_glob: "datasets/fineweb10B_sp1024/fineweb_train_*.bin",
        val_glob: "datasets/fineweb10B_sp1024/fineweb_val_*.bin",
        vocab_size: 1024,
        bos_id: 1,
        eos_id: 2,
        stats: { docs_val: o.docsVal, files_total: o.filesTrain + 1, files_val: 1, files_train: o.filesTrain, tokens_total: tokensTrain + o.tokensVal, tokens_val: o.tokensVal, tokens_train: tokensTrain },
      },
    ],
  };
}

/** Builds the embedded course under `work` and lays out the stand-in repo's files (195 train shards in its manifest). */
export async function challengeHub(work: string): Promise<ChallengeHub> {
  const c = await prepareCourse({ dir: path.join(work, "course") });
  const model = path.join(c.dir, "tokenizers", "sotu_1024_bpe.model");
  const vocab = path.join(c.dir, "tokenizers", "sotu_1024_bpe.vocab");
  const val = path.join(c.dir, "datasets", "sotu_sp1024", "sotu_val_000000.bin");
  const manifest = path.join(work, "manifest.json");
  fs.writeFileSync(manifest, JSON.stringify(challengeManifest({ filesTrain: 195, tokensVal: shardInfo(val).tokens, docsVal: c.docs_val }), null, 2) + "\n");
  return {
    files: {
      "datasets/manifest.json": manifest,
      "datasets/tokenizers/fineweb_1024_bpe.model": model,
      "datasets/tokenizers/fineweb_1024_bpe.vocab": vocab,
      [HUB_VAL]: val,
    },
    manifest,
    model,
    vocab,
    val,
    valTokens: c.tokens_val,
    valDocs: c.docs_val,
    valTableBytes: c.val_table_bytes,
  };
}
