import { buildCourseFromSource } from "../../data/build_from_source.js";
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
    return buildCourseFromSource({ from, name, vocab: int(v, "vocab"), valDocs: int(v, "val-docs"), textField: str(v, "text-field"), dir: str(v, "dir"), threads: int(v, "threads") });
  },
  human: describeCourse,
});
