import { countShardTargetBytes } from "../../data/bytes.js";
import { loadTokenizer } from "../../data/tokenizer/load.js";
import { defineCommand, int, str, usage } from "../command.js";

export default defineCommand({
  name: "data bytes",
  summary: "Count the bytes a shard's targets stand for with the reference byte table (as eval_val does); all targets unless --seq-len.",
  usage: "--model FILE --shard FILE [--seq-len N]",
  options: { model: { type: "string" }, shard: { type: "string" }, "seq-len": { type: "string" } },
  async run(v) {
    const model = str(v, "model");
    const shard = str(v, "shard");
    if (!model || !shard) throw usage("--model FILE and --shard FILE are required");
    const seqLen = int(v, "seq-len");
    if (seqLen !== undefined && seqLen <= 0) throw usage("--seq-len must be positive");
    return countShardTargetBytes(shard, loadTokenizer(model).byteTable(), seqLen);
  },
  human: (r) => `${r.targets} targets, ${r.bytes} bytes, ${r.tokens_per_byte.toFixed(10)} tokens/byte`,
});
