import * as path from "node:path";
import { buildCourse } from "../../data/build.js";
import { DEFAULT_DATA_DIR } from "../../data/courses.js";
import { readDocuments } from "../../data/sources.js";
import { defineCommand, int, str, usage } from "../command.js";
import { describeCourse } from "./data-prepare.js";

export default defineCommand({
  name: "data build",
  summary: "Build a custom course from local text: a JSONL file, a Parquet file (FineWeb's format) or a folder of .txt files.",
  usage: "--from PATH --name NAME [--vocab 1024] [--val-docs N] [--text-field text] [--dir DIR] [--threads N]",
  options: {
    from: { type: "string" },
    name: { type: "string" },
    vocab: { type: "string" },
    "val-docs": { type: "string" },
    "text-field": { type: "string" },
    dir: { type: "string" },
    threads: { type: "string" },
  },
  async run(v) {
    const from = str(v, "from");
    const name = str(v, "name");
    if (!from || !name) throw usage("--from PATH and --name NAME are required");
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw usage(`course name "${name}" must be lowercase letters, digits, '.', '_' or '-'`);
    const vocab = int(v, "vocab") ?? 1024;
    if (vocab < 260 || vocab > 65536) throw usage("--vocab must be between 260 (bytes + 4 specials) and 65536 (uint16 shards)");
    const documents = await readDocuments(from, str(v, "text-field") ?? "text");
    const valDocs = int(v, "val-docs") ?? Math.max(1, Math.round(documents.length / 10));
    if (valDocs < 1 || valDocs >= documents.length) throw usage(`--val-docs must be between 1 and ${documents.length - 1} (the source has ${documents.length} documents)`);
    return buildCourse({
      name,
      dir: str(v, "dir") ?? DEFAULT_DATA_DIR,
      documents,
      split: { kind: "last", count: valDocs },
      vocabSize: vocab,
      tokenizerName: `${name.replace(/[^a-z0-9]/g, "_")}_${vocab}_bpe`,
      datasetName: `${name.replace(/[^a-z0-9]/g, "_")}_sp${vocab}`,
      shardPrefix: name.replace(/[^a-z0-9]/g, "_"),
      source: { kind: "local", path: path.basename(from), documents: documents.length },
      threads: int(v, "threads"),
    });
  },
  human: describeCourse,
});
