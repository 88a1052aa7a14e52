import { shardInfo } from "../../data/shard.js";
import { defineCommand } from "../command.js";

export default defineCommand({
  name: "shard info",
  summary: "Validate a challenge .bin shard and print its header (magic, version, token count).",
  usage: "FILE [--json]",
  options: {},
  positionals: [1, 1],
  async run(_v, [file]) {
    const info = shardInfo(file);
    return { file: info.file, magic: info.magic, version: info.version, tokens: info.tokens, bytes: info.bytes };
  },
  human: (r) => `${r.file}: magic ${r.magic}, version ${r.version}, ${r.tokens} tokens, ${r.bytes} bytes`,
});
