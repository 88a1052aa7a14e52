// `pgolf tokenizer train` as one library call: a SentencePiece BPE tokenizer trained with the official
// builder's settings on local text, written as PREFIX.model and PREFIX.vocab. The normalization table
// is the pinned one (trainBpe's default), so the same text gives byte-identical files on any Node version.
import * as path from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { readDocuments } from "./sources.js";
import { trainBpe } from "./tokenizer/bpe_model_trainer.js";
import { trainingPieces } from "./training_text.js";

export interface TrainTokenizerOptions {
  /** JSONL, Parquet or a folder of .txt files. */
  from: string;
  /** Output prefix: PREFIX.model and PREFIX.vocab. */
  out: string;
  /** Vocabulary size (default 1,024, the contest's SP1024). */
  vocabSize?: number;
  textField?: string;
  /**
   * Lossless: no normalization, whitespace kept, byte fallback, so that decode(encode(text)) is the
   * text itself. An entry's own tokenizer must be (the evaluator divides by the raw text's bytes).
   */
  lossless?: boolean;
}

export interface TrainedTokenizer {
  model: string;
  vocab: string;
  vocab_size: number;
  documents: number;
  seconds: number;
}

export async function trainTokenizer(o: TrainTokenizerOptions): Promise<TrainedTokenizer> {
  const vocabSize = o.vocabSize ?? 1024;
  const docs = await readDocuments(o.from, o.textField ?? "text");
  const t0 = performance.now();
  // trainBpe's default normalization table is the pinned nmt_nfkc one, as `pgolf data prepare` uses
  const lossless = o.lossless ? ({ normalization: "identity", removeExtraWhitespaces: false, byteFallback: true } as const) : {};
  const r = trainBpe(docs.flatMap((d) => trainingPieces(d.text)), { vocabSize, ...lossless });
  const model = `${o.out}.model`;
  const vocab = `${o.out}.vocab`;
  await writeFileAtomic(model, r.model);
  await writeFileAtomic(vocab, r.vocab);
  return { model: path.resolve(model), vocab: path.resolve(vocab), vocab_size: vocabSize, documents: docs.length, seconds: (performance.now() - t0) / 1000 };
}
