// The pgolf library: what an entry imports as "pgolf" (as train_gpt.py imports torch), and what
// tools build on. The workflows behind the CLI's commands are exported by "pgolf/contest" (src/contest.ts).

// core
export { PgolfError, isPgolfError, ERROR_CODES, type ErrorCode } from "./core/error.js";
export { TRACKS, track, DEFAULT_TRACK, type Track } from "./core/track.js";
export { Rng, mulberry32 } from "./core/random.js";
export { VERSION } from "./core/version.js";

// engine
export { Tensor, type TensorMeta } from "./engine/tensor.js";
export { realize, read } from "./engine/realize.js";
export { grad } from "./engine/autograd.js";
export { setBackend, setThreads, getThreads, backendName } from "./engine/backend.js";
export * from "./engine/ops/index.js";
export { Adam, type AdamGroup } from "./engine/optim/adam.js";
export { Muon } from "./engine/optim/muon.js";
export { newtonSchulz5 } from "./engine/optim/newton_schulz.js";
export { clipGradNorm } from "./engine/optim/clip.js";
export { Hyper } from "./engine/optim/hyper.js";
export { applyUpdates, type Optimizer, type Update } from "./engine/optim/optimizer.js";
export { lrMultiplier, muonMomentum } from "./engine/optim/schedule.js";
export { WeightAverage, type WeightAverageKind, type WeightAverageOptions } from "./engine/optim/weight_average.js";
export { toFloat16, fromFloat16, toBFloat16, fromBFloat16 } from "./engine/half.js";

// nn and model
export { Module } from "./nn/module.js";
export { Linear } from "./nn/linear.js";
export { LoraAdapter } from "./nn/lora.js";
export { Embedding } from "./nn/embedding.js";
export { CausalSelfAttention } from "./nn/attention.js";
export { MLP } from "./nn/mlp.js";
export { Block } from "./nn/block.js";
export { GPT } from "./model/gpt.js";
export { gptConfig, GPT_CONFIGS, type GPTConfig } from "./model/config.js";
export { LoraTTT, type LoraTTTOptions } from "./model/test_time_training.js";

// data
export { readShard, writeShard, shardInfo, ShardReader, ShardWriter } from "./data/shard.js";
export { TokenStream } from "./data/token_stream.js";
export { tokenizeDocuments } from "./data/tokenize_documents.js";
export { SentencePieceTokenizer } from "./data/tokenizer/sentencepiece.js";
export { Byte260Tokenizer } from "./data/tokenizer/byte260.js";
export { loadTokenizer } from "./data/tokenizer/load.js";
export { trainBpe } from "./data/tokenizer/bpe_model_trainer.js";
export type { Tokenizer, ByteTable } from "./data/tokenizer/tokenizer.js";
export { countShardTargetBytes, countTargetBytes, compareDocumentBytes, scoredTargets } from "./data/bytes.js";
export { prepareCourse } from "./data/prepare.js";
export { buildCourse } from "./data/build.js";
export { fetchCourse } from "./data/fetch_course.js";
export { verifyCourse } from "./data/verify.js";
export { courseSafety, safetyOn, memorizationBound } from "./data/course_safety.js";
export { openCourse, readValTokens, type Course } from "./data/course.js";

// train and eval
export { TrainStep, REFERENCE_OPTIMIZER, type OptimizerConfig } from "./train/train_step.js";
export { logLines } from "./train/log_lines.js";
export type { TrainContext, LoadContext, EntryModel, EntryModule, Clock } from "./entry/contract.js";
export { trainSeed } from "./train/harness.js";
export { readEntryConfig, type EntryConfig } from "./entry/entry_config.js";
export { evalWindow, windowStart, type EvalWindow } from "./entry/eval_window.js";
export { sandboxSupport, type Confinement } from "./entry/sandbox.js";
export { benchTrain } from "./train/bench_train.js";
export { evaluateTokens } from "./eval/evaluate.js";
export { windowedScore } from "./eval/windowed_score.js";

// artifacts
export { exportGPT, importGPT } from "./artifact/export_gpt.js";
export { gptqQuantizeRows } from "./artifact/gptq.js";
export { collectHessians, type Hessians } from "./model/hessians.js";
export { encodeArtifact, decodeArtifact } from "./artifact/container.js";
export { compress, decompress, compressBest, compressFramed, decompressFramed } from "./artifact/compress.js";
export { quantizeStateDict, dequantizeStateDict, packIntN, unpackIntN } from "./artifact/quantize_int8.js";
export { codeBytes, codeFiles } from "./entry/code_bytes.js";
export { initEntry } from "./train/init_entry.js";
export { runSeeds, scoreArtifact } from "./eval/run_seeds.js";
