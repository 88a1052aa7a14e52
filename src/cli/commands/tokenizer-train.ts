import { trainTokenizer } from "../../data/train_tokenizer.js";
import { defineCommand, int, str, usage } from "../command.js";

export default defineCommand({
  name: "tokenizer train",
  summary: "Train a SentencePiece BPE tokenizer (the official builder's settings) and write PREFIX.model and PREFIX.vocab.",
  usage: "--from PATH --out PREFIX [--vocab 1024] [--text-field text] [--lossless (no normalization, whitespace kept: for an entry's own tokenizer)]",
  options: { from: { type: "string" }, out: { type: "string" }, vocab: { type: "string" }, "text-field": { type: "string" }, lossless: { type: "boolean" } },
  async run(v) {
    const from = str(v, "from");
    const out = str(v, "out");
    if (!from || !out) throw usage("--from PATH and --out PREFIX are required");
    return trainTokenizer({ from, out, vocabSize: int(v, "vocab"), textField: str(v, "text-field"), lossless: v.lossless === true });
  },
  human: (r) => `wrote ${r.model} and ${r.vocab} (vocab ${r.vocab_size}, ${r.documents} documents, ${r.seconds.toFixed(1)} s)`,
});
