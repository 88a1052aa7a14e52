// The SentencePiece ModelProto (sentencepiece_model.proto, proto2), declared in readable .proto text
// and compiled at load time by protobufjs. Field numbers and defaults are SentencePiece's own, so
// models written here load in SentencePiece and the reverse.
import protobuf from "protobufjs";
import { PgolfError } from "../../core/error.js";

const PROTO = `
syntax = "proto2";
package sentencepiece;

message TrainerSpec {
  repeated string input = 1;
  optional string input_format = 7;
  optional string model_prefix = 2;
  enum ModelType { UNIGRAM = 1; BPE = 2; WORD = 3; CHAR = 4; }
  optional ModelType model_type = 3 [default = UNIGRAM];
  optional int32 vocab_size = 4 [default = 8000];
  repeated string accept_language = 5;
  optional int32 self_test_sample_size = 6 [default = 0];
  optional bool enable_differential_privacy = 50 [default = false];
  optional float differential_privacy_noise_level = 51 [default = 0.0];
  optional uint64 differential_privacy_clipping_threshold = 52 [default = 0];
  optional float character_coverage = 10 [default = 0.9995];
  optional uint64 input_sentence_size = 11 [default = 0];
  optional bool shuffle_input_sentence = 19 [default = true];
  optional int32 mining_sentence_size = 12;
  optional int32 training_sentence_size = 13;
  optional int32 seed_sentencepiece_size = 14 [default = 1000000];
  optional float shrinking_factor = 15 [default = 0.75];
  optional int32 max_sentence_length = 18 [default = 4192];
  optional int32 num_threads = 16 [default = 16];
  optional int32 num_sub_iterations = 17 [default = 2];
  optional int32 max_sentencepiece_length = 20 [default = 16];
  optional bool split_by_unicode_script = 21 [default = true];
  optional bool split_by_number = 23 [default = true];
  optional bool split_by_whitespace = 22 [default = true];
  optional bool treat_whitespace_as_suffix = 24 [default = false];
  optional bool allow_whitespace_only_pieces = 26 [default = false];
  optional bool split_digits = 25 [default = false];
  optional string pretokenization_delimiter = 53 [default = ""];
  repeated string control_symbols = 30;
  repeated string user_defined_symbols = 31;
  optional string required_chars = 36;
  optional bool byte_fallback = 35 [default = false];
  optional bool vocabulary_output_piece_score = 32 [default = true];
  optional bool hard_vocab_limit = 33 [default = true];
  optional bool use_all_vocab = 34 [default = false];
  optional int32 unk_id = 40 [default = 0];
  optional int32 bos_id = 41 [default = 1];
  optional int32 eos_id = 42 [default = 2];
  optional int32 pad_id = 43 [default = -1];
  optional string unk_piece = 45 [default = "<unk>"];
  optional string bos_piece = 46 [default = "<s>"];
  optional string eos_piece = 47 [default = "</s>"];
  optional string pad_piece = 48 [default = "<pad>"];
  optional string unk_surface = 44 [default = " ⁇ "];
  optional bool train_extremely_large_corpus = 49 [default = false];
  optional string seed_sentencepieces_file = 54 [default = ""];
  extensions 200 to max;
}

message NormalizerSpec {
  optional string name = 1;
  optional bytes precompiled_charsmap = 2;
  optional bool add_dummy_prefix = 3 [default = true];
  optional bool remove_extra_whitespaces = 4 [default = true];
  optional bool escape_whitespaces = 5 [default = true];
  optional string normalization_rule_tsv = 6;
  extensions 200 to max;
}

message SelfTestData {
  message Sample {
    optional string input = 1;
    optional string expected = 2;
  }
  repeated Sample samples = 1;
  extensions 200 to max;
}

message ModelProto {
  message SentencePiece {
    enum Type { NORMAL = 1; UNKNOWN = 2; CONTROL = 3; USER_DEFINED = 4; BYTE = 6; UNUSED = 5; }
    optional string piece = 1;
    optional float score = 2;
    optional Type type = 3 [default = NORMAL];
    extensions 200 to max;
  }
  repeated SentencePiece pieces = 1;
  optional TrainerSpec trainer_spec = 2;
  optional NormalizerSpec normalizer_spec = 3;
  optional SelfTestData self_test_data = 4;
  optional NormalizerSpec denormalizer_spec = 5;
  extensions 200 to max;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const ModelProtoType = root.lookupType("sentencepiece.ModelProto");

/** Piece types, numbered as in the proto. */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
export type PieceTypeNumber = (typeof PieceType)[keyof typeof PieceType];

export const ModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;

export interface ModelPiece {
  piece: string;
  score: number;
  type: PieceTypeNumber;
}

/** Trainer settings as stored in the model (only what pgolf reads or writes is typed). */
export interface TrainerSpecFields {
  model_type: number;
  vocab_size: number;
  byte_fallback: boolean;
  split_digits: boolean;
  treat_whitespace_as_suffix: boolean;
  unk_id: number;
  bos_id: number;
  eos_id: number;
  pad_id: number;
  unk_piece: string;
  bos_piece: string;
  eos_piece: string;
  pad_piece: string;
  unk_surface: string;
  [key: string]: unknown;
}

export interface NormalizerSpecFields {
  name: string;
  precompiled_charsmap: Uint8Array;
  add_dummy_prefix: boolean;
  remove_extra_whitespaces: boolean;
  escape_whitespaces: boolean;
  normalization_rule_tsv: string;
}

export interface ModelProtoFields {
  pieces: ModelPiece[];
  trainer_spec: TrainerSpecFields;
  normalizer_spec: NormalizerSpecFields;
  denormalizer_spec?: NormalizerSpecFields;
  self_test_data?: { samples: { input: string; expected: string }[] };
}

/** Decodes a `.model` file's bytes; fills proto2 defaults for absent fields. */
export function decodeModelProto(bytes: Uint8Array, file = "<model>"): ModelProtoFields {
  let msg: protobuf.Message;
  try {
    msg = ModelProtoType.decode(bytes);
  } catch (e) {
    throw new PgolfError("TOKENIZER_PARSE", `not a SentencePiece model: ${(e as Error).message}`, {
      file,
      fix: "pass a SentencePiece .model file (not the .vocab text file)",
      cause: e,
    });
  }
  const obj = ModelProtoType.toObject(msg, { defaults: true, longs: Number, enums: Number, bytes: Array }) as Record<string, unknown>;
  const pieces = (obj.pieces as Record<string, unknown>[]).map((p) => ({
    piece: String(p.piece),
    score: Number(p.score),
    type: Number(p.type) as PieceTypeNumber,
  }));
  const normalizer = (obj.normalizer_spec ?? {}) as Record<string, unknown>;
  const fixBytes = (n: Record<string, unknown>): NormalizerSpecFields =>
    ({ ...n, precompiled_charsmap: Uint8Array.from((n.precompiled_charsmap as number[]) ?? []) }) as unknown as NormalizerSpecFields;
  const out: ModelProtoFields = {
    pieces,
    trainer_spec: (obj.trainer_spec ?? {}) as TrainerSpecFields,
    normalizer_spec: fixBytes(normalizer),
  };
  // Absent messages decode as null with defaults: true; check the wire message instead.
  const raw = msg as unknown as Record<string, unknown>;
  if (raw.denormalizer_spec) out.denormalizer_spec = fixBytes(obj.denormalizer_spec as Record<string, unknown>);
  if (raw.self_test_data) out.self_test_data = obj.self_test_data as ModelProtoFields["self_test_data"];
  if (!raw.trainer_spec) out.trainer_spec = ModelProtoType.lookupType("sentencepiece.TrainerSpec").toObject(
    ModelProtoType.lookupType("sentencepiece.TrainerSpec").create({}), { defaults: true, longs: Number, enums: Number },
  ) as TrainerSpecFields;
  if (!raw.normalizer_spec) out.normalizer_spec = fixBytes(
    ModelProtoType.lookupType("sentencepiece.NormalizerSpec").toObject(
      ModelProtoType.lookupType("sentencepiece.NormalizerSpec").create({}), { defaults: true, bytes: Array },
    ) as Record<string, unknown>,
  );
  return out;
}

/** Encodes model fields to `.model` bytes. Only fields present in the object are written. */
export function encodeModelProto(model: {
  pieces: ModelPiece[];
  trainer_spec?: Record<string, unknown>;
  normalizer_spec?: Record<string, unknown>;
  denormalizer_spec?: Record<string, unknown>;
}): Uint8Array {
  const err = ModelProtoType.verify(model);
  if (err) throw new PgolfError("TOKENIZER_TRAIN", `model would not be a valid ModelProto: ${err}`, { fix: "this is a bug in pgolf's trainer: report it with the training options and text that caused it" });
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}
