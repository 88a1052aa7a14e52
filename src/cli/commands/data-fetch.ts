import { fetchCourse } from "../../data/fetch_course.js";
import { defineCommand, int, str, usage } from "../command.js";
import { describeCourse } from "./data-prepare.js";

export default defineCommand({
  name: "data fetch",
  summary: "Download the original contest's course (manifest-driven, resumable, verified) from the Hugging Face hub or a mirror.",
  usage: "--course fineweb-sp1024 --train-shards N [--hub-url URL] [--revision REV] [--dir DIR]",
  options: { course: { type: "string" }, "train-shards": { type: "string" }, "hub-url": { type: "string" }, revision: { type: "string" }, dir: { type: "string" } },
  async run(v) {
    const n = int(v, "train-shards");
    if (n === undefined) throw usage("--train-shards N is required (the first N of the 195 training shards, 200 MB each)");
    return fetchCourse({ course: str(v, "course"), dir: str(v, "dir"), trainShards: n, hubUrl: str(v, "hub-url"), revision: str(v, "revision") });
  },
  human: (r) => `${describeCourse(r)}\n  fetched from ${r.endpoint}: ${(r.downloaded_bytes / 1e6).toFixed(1)} MB downloaded${r.resumed ? `, ${r.resumed} file(s) resumed` : ""}`,
});
