import * as path from "node:path";
import { writeFileAtomic } from "../../core/atomic.js";
import { readDocuments } from "../../data/sources.js";
import { trainBpe } from "../../data/tokenizer/bpe_model_trainer.js";
import { trainingPieces } from "../../data/training_text.js";
import { defineCommand, int, str, usage } from "../command.js";

export default defineCommand({
  name: "tokenizer train",
  summary: "Train a SentencePiece BPE tokenizer (the official builder's settings) and write PREFIX.model and PREFIX.vocab.",
  usage: "--from PATH --out PREFIX [--vocab 1024] [--text-field text]",
  options: { from: { type: "string" }, out: { type: "string" }, vocab: { type: "string" }, "text-field": { type: "string" } },
  async run(v) {
    const from = str(v, "from");
    const out = str(v, "out");
    if (!from || !out) throw usage("--from PATH and --out PREFIX are required");
    const vocabSize = int(v, "vocab") ?? 1024;
    const docs = await readDocuments(from, str(v, "text-field") ?? "text");
    const t0 = performance.now();
    // trainBpe's default normalization table is the pinned nmt_nfkc one, as `pgolf data prepare` uses.
    const r = trainBpe(docs.flatMap((d) => trainingPieces(d.text)), { vocabSize });
    const model = `${out}.model`;
    const vocab = `${out}.vocab`;
    await writeFileAtomic(model, r.model);
    await writeFileAtomic(vocab, r.vocab);
    return { model: path.resolve(model), vocab: path.resolve(vocab), vocab_size: vocabSize, documents: docs.length, seconds: (performance.now() - t0) / 1000 };
  },
  human: (r) => `wrote ${r.model} and ${r.vocab} (vocab ${r.vocab_size}, ${r.documents} documents, ${r.seconds.toFixed(1)} s)`,
});
