// The ONNX model format (onnx/onnx.proto, proto2): the subset pgolf writes, declared in readable
// .proto text and compiled at load time by protobufjs. Field numbers are ONNX's own, so the bytes
// load in onnxruntime (and in the `onnx` Python package, for inspection). Only what a single-graph
// model of dense tensors needs is declared: no functions, sparse tensors, sequences or training info;
// fields not declared here are skipped when decoding.
import protobuf from "protobufjs";
import { PgolfError } from "../../core/error.js";

const PROTO = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
    SPARSE_TENSOR = 11; SPARSE_TENSORS = 12; TYPE_PROTO = 13; TYPE_PROTOS = 14;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7;
    STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13;
    COMPLEX64 = 14; COMPLEX128 = 15; BFLOAT16 = 16;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  // Little-endian, fixed width; bool is one byte per element. pgolf writes every tensor this way.
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const ModelProtoType = root.lookupType("onnx.ModelProto");

/** IR version 8 is the first that carries opset 18 (ONNX 1.13). */
export const IR_VERSION = 8;

/** TensorProto.DataType numbers (the element types pgolf uses, plus INT64 for shapes and axes). */
export const TensorDataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType numbers. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

// Plain-object forms of the messages, as protobufjs encodes them (field names as in the .proto;
// int64 fields as JS numbers, which must be safe integers).

export interface AttributeProtoFields {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface TensorProtoFields {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface ValueInfoProtoFields {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value: number }> } } };
}

export interface NodeProtoFields {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeProtoFields[];
}

export interface GraphProtoFields {
  name: string;
  node: NodeProtoFields[];
  initializer: TensorProtoFields[];
  input: ValueInfoProtoFields[];
  output: ValueInfoProtoFields[];
  doc_string?: string;
}

export interface ModelProtoFields {
  ir_version: number;
  opset_import: Array<{ domain: string; version: number }>;
  producer_name: string;
  producer_version?: string;
  doc_string?: string;
  graph: GraphProtoFields;
}

/** Serializes a model to the bytes onnxruntime loads. */
export function encodeModel(model: ModelProtoFields): Uint8Array {
  try {
    return ModelProtoType.encode(model).finish();
  } catch (e) {
    throw new PgolfError("ENGINE_BACKEND", `could not serialize the ONNX model: ${(e as Error).message}`, {
      fix: "this is a bug in pgolf's ONNX graph builder; run on the reference backend (setBackend(\"reference\")) meanwhile and report it",
      cause: e,
    });
  }
}

/**
 * Parses model bytes back into plain objects (int64 fields as numbers, bytes as Uint8Array). For
 * tests and inspection: onnxruntime reads the bytes itself.
 */
export function decodeModel(bytes: Uint8Array): ModelProtoFields {
  let msg: protobuf.Message;
  try {
    msg = ModelProtoType.decode(bytes);
  } catch (e) {
    throw new PgolfError("ENGINE_BACKEND", `not an ONNX model: ${(e as Error).message}`, { fix: "pass the bytes of an ONNX ModelProto", cause: e });
  }
  return ModelProtoType.toObject(msg, { longs: Number, enums: Number, arrays: true }) as ModelProtoFields;
}
