// The package's "pgolf/contest" export: the workflows behind the CLI's commands, one function each,
// for tools and scripts that drive pgolf as the CLI does. It is apart from the main entry ("pgolf"),
// which entries import inside the sandbox, because the server, the leaderboard and the record
// checks load packages an entry may not (Hono, PGlite, ajv, the lineage parsers).
//
// Every command of the CLI is a thin shell over one function exported here, from "pgolf" or from
// "pgolf/lineage" (src/cli/thin_shells.test.ts checks it).

// participants: play
export { runMainJob, type MainJobOptions, type MainJobResult } from "./submission/main_job.js";
export { initEntry } from "./train/init_entry.js";
export { trainEntry } from "./eval/train_entry.js";
export { scoreEntry } from "./artifact/score_entry.js";
export { packEntry, type PackEntryOptions, type PackEntryResult } from "./artifact/pack_entry.js";
export { compareRuns, type CompareOptions, type CompareResult } from "./submission/compare.js";
export { submitRecord, expandSeedDirs, provenanceOf, type SubmitOptions, type SubmitResult } from "./server/submit_record.js";

// data and tokenizers
export { prepareCourse } from "./data/prepare.js";
export { fetchCourse } from "./data/fetch_course.js";
export { buildCourseFromSource, type BuildFromSourceOptions } from "./data/build_from_source.js";
export { verifyCourse } from "./data/verify.js";
export { countBytes, type CountBytesOptions } from "./data/count_bytes.js";
export { shardInfo } from "./data/shard.js";
export { trainTokenizer, type TrainTokenizerOptions, type TrainedTokenizer } from "./data/train_tokenizer.js";
export { encodeTexts, type EncodeTextsOptions } from "./data/encode_texts.js";
export { loadTokenizer } from "./data/tokenizer/load.js";
export { benchTrain } from "./train/bench_train.js";

// organizers and reviewers: audit and host
export { checkWithLineage } from "./lineage/check_with_lineage.js";
export { lineage } from "./lineage/lineage.js";
export { buildLeaderboard } from "./leaderboard/build.js";
export { serveContest, type ServeOptions, type ServingContest } from "./server/serve_contest.js";
export { runWorker } from "./server/worker.js";
export { uploadRecord } from "./server/upload_client.js";
