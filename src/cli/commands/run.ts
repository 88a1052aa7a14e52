import { prepareCourse } from "../../data/prepare.js";
import { defineCommand, str } from "../command.js";
import { describeCourse } from "./data-prepare.js";

// The main job. For now it prepares the embedded default course and prints its summary; training,
// packing and evaluation join it as they land (issue "baseline entry").
export default defineCommand({
  name: "run",
  summary: "The main job on the embedded default: prepare the course (then train, pack and evaluate as those land).",
  usage: "[--dir DIR]",
  options: { dir: { type: "string" } },
  async run(v) {
    const course = await prepareCourse({ dir: str(v, "dir") });
    return { course };
  },
  human: (r) => describeCourse(r.course),
});
