import { countBytes } from "../../data/count_bytes.js";
import { defineCommand, int, str, usage } from "../command.js";

export default defineCommand({
  name: "data bytes",
  summary:
    "Count the bytes a shard's targets stand for with the reference byte table (as eval_val does; all targets unless --seq-len), or with --docs compare canonical raw-UTF-8 and byte-table counts over documents and say where they differ.",
  usage: "--model FILE (--shard FILE [--seq-len N] | --docs PATH)",
  options: { model: { type: "string" }, shard: { type: "string" }, "seq-len": { type: "string" }, docs: { type: "string" } },
  async run(v) {
    const model = str(v, "model");
    if (!model) throw usage("--model FILE is required");
    return countBytes({ model, shard: str(v, "shard"), seqLen: int(v, "seq-len"), docs: str(v, "docs") });
  },
  human: (r) =>
    "targets" in r
      ? `${r.targets} targets, ${r.bytes} bytes, ${r.tokens_per_byte.toFixed(10)} tokens/byte`
      : `${r.documents} documents: ${r.raw_bytes} bytes raw UTF-8, ${r.table_bytes} by the byte table, ${r.decoded_bytes} decoded; ${r.differing_count} document(s) differ${r.differing[0] ? ` (first: #${r.differing[0].index}, ${r.differing[0].reason})` : ""}`,
});
