// Turns a Subgraph (the lazy tensors one realize call needs) into an ONNX model: each leaf that is
// not a constant becomes a graph input, fed at every run; each constant leaf becomes an initializer
// (baked in by value); each node is lowered through its op's `onnx()`; the requested outputs become
// the graph outputs. Also computes the graph's structural key: two subgraphs with the same key
// compile to the same model bytes, so the ort backend reuses one compiled session for every
// training step built the same way.
import { createHash, type Hash } from "node:crypto";
import { PgolfError } from "../../core/error.js";
import { VERSION } from "../../core/version.js";
import type { DType, HostArray } from "../dtype.js";
import type { Subgraph } from "../graph.js";
import type { OnnxAttr, OnnxEmitter, OpDef } from "../op.js";
import { showShape, type Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import {
  AttributeType,
  encodeModel,
  IR_VERSION,
  TensorDataType,
  type AttributeProtoFields,
  type ModelProtoFields,
  type NodeProtoFields,
  type TensorProtoFields,
  type ValueInfoProtoFields,
} from "./onnx_proto.js";

/** The default-domain opset pgolf lowers to. */
export const OPSET = 18;
/** Operator domains an op's lowering may use, with the version imported for each. */
export const DOMAINS: Readonly<Record<string, number>> = { "": OPSET, "com.microsoft": 1 };

const BUG_FIX = "this is a bug in pgolf's ONNX lowering; run on the reference backend (setBackend(\"reference\")) meanwhile and report it";

export function onnxDataType(dtype: DType): number {
  switch (dtype) {
    case "float32":
      return TensorDataType.FLOAT;
    case "float64":
      return TensorDataType.DOUBLE;
    case "int32":
      return TensorDataType.INT32;
    case "bool":
      return TensorDataType.BOOL;
  }
}

/** A leaf is fed as a graph input unless it is a constant (then it is baked in as an initializer). */
export function isFedLeaf(leaf: Tensor): boolean {
  return !leaf.constant;
}

/** The name of the graph input of the k-th fed leaf (counted in leaf order, constants skipped). */
export function inputName(k: number): string {
  return `in${k}`;
}

export interface BuiltModel {
  bytes: Uint8Array;
  /** Graph input names, one per fed leaf, in `graph.leaves` order (constants skipped). */
  inputNames: string[];
  /** Graph output names, one per entry of `graph.outputs` (all distinct, even for a repeated tensor). */
  outputNames: string[];
  /** Counts, for tests and logs. */
  stats: { nodes: number; initializers: number };
}

/** Raw little-endian bytes of a host array (a view, no copy; JS typed arrays are little-endian on every platform Node supports). */
function bytesOf(a: HostArray | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function valueInfo(name: string, dtype: DType, shape: Shape): ValueInfoProtoFields {
  return { name, type: { tensor_type: { elem_type: onnxDataType(dtype), shape: { dim: shape.map((d) => ({ dim_value: d })) } } } };
}

function attribute(name: string, a: OnnxAttr): AttributeProtoFields {
  if ("i" in a) {
    if (!Number.isSafeInteger(a.i)) throw new PgolfError("ENGINE_BACKEND", `ONNX attribute ${name}: ${a.i} is not an integer`, { fix: BUG_FIX });
    return { name, type: AttributeType.INT, i: a.i };
  }
  if ("f" in a) return { name, type: AttributeType.FLOAT, f: a.f };
  if ("ints" in a) {
    if (!a.ints.every(Number.isSafeInteger)) throw new PgolfError("ENGINE_BACKEND", `ONNX attribute ${name}: [${a.ints.join(", ")}] are not all integers`, { fix: BUG_FIX });
    return { name, type: AttributeType.INTS, ints: [...a.ints] };
  }
  if ("floats" in a) return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
}

/**
 * Collects nodes and initializers while ops lower themselves. Value names are deterministic (a
 * counter in emission order), so the same subgraph always yields the same bytes.
 */
class GraphEmitter implements OnnxEmitter {
  readonly nodes: NodeProtoFields[] = [];
  readonly initializers: TensorProtoFields[] = [];
  readonly domains = new Set<string>([""]);
  /** Every value name defined so far (graph inputs, initializers, node outputs). */
  readonly defined = new Set<string>();
  private readonly shared = new Map<string, string>();
  private values = 0;
  /** The engine op being lowered (for node names and error messages). */
  current = "";

  define(name: string): void {
    this.defined.add(name);
  }

  node(opType: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, domain = ""): string {
    if (!(domain in DOMAINS)) {
      throw new PgolfError("ENGINE_BACKEND", `${this.current}: ONNX lowering uses operator domain "${domain}" (${opType})`, {
        fix: `lower to the default domain (opset ${OPSET}) or to ${Object.keys(DOMAINS).filter((d) => d).join(", ")}`,
      });
    }
    for (const i of inputs) {
      // "" is ONNX's name for an omitted optional input.
      if (i !== "" && !this.defined.has(i)) {
        throw new PgolfError("ENGINE_BACKEND", `${this.current}: ONNX lowering feeds ${opType} an undefined value "${i}"`, { fix: BUG_FIX });
      }
    }
    const out = `v${this.values++}`;
    const node: NodeProtoFields = { input: [...inputs], output: [out], name: `${this.current}/${opType}_${this.nodes.length}`, op_type: opType };
    if (domain !== "") {
      node.domain = domain;
      this.domains.add(domain);
    }
    const names = Object.keys(attrs);
    if (names.length > 0) node.attribute = names.map((n) => attribute(n, attrs[n]));
    this.nodes.push(node);
    this.define(out);
    return out;
  }

  /** Adds an initializer; `key` (when given) shares it between identical requests. */
  initializer(prefix: string, dataType: number, dims: readonly number[], raw: Uint8Array, key?: string): string {
    if (key !== undefined) {
      const prev = this.shared.get(key);
      if (prev) return prev;
    }
    const name = `${prefix}${this.initializers.length}`;
    this.initializers.push({ name, dims: [...dims], data_type: dataType, raw_data: raw });
    this.define(name);
    if (key !== undefined) this.shared.set(key, name);
    return name;
  }

  int64(values: number[], shape: number[] = [values.length]): string {
    if (!values.every(Number.isSafeInteger)) {
      throw new PgolfError("ENGINE_BACKEND", `${this.current}: int64 constant [${values.join(", ")}] holds a non-integer`, { fix: BUG_FIX });
    }
    if (shape.reduce((a, d) => a * d, 1) !== values.length) {
      throw new PgolfError("ENGINE_BACKEND", `${this.current}: int64 constant of ${values.length} values does not fit shape ${showShape(shape)}`, { fix: BUG_FIX });
    }
    const raw = bytesOf(BigInt64Array.from(values, (v) => BigInt(v)));
    return this.initializer("i64_", TensorDataType.INT64, shape, raw, `i64${showShape(shape)}${values.join(",")}`);
  }

  scalar(value: number, dtype: DType): string {
    const arr = dtype === "float32" ? new Float32Array([value]) : dtype === "float64" ? new Float64Array([value]) : dtype === "int32" ? new Int32Array([value]) : new Uint8Array([value ? 1 : 0]);
    const raw = bytesOf(arr);
    // Keyed by the stored bits: -0 and 0 stay apart, values equal after rounding share one.
    return this.initializer("s_", onnxDataType(dtype), [], raw, `${dtype}:${Buffer.from(raw).toString("hex")}`);
  }
}

/** Builds the ONNX model computing `graph.outputs` from its leaves. */
export function buildModel(graph: Subgraph): BuiltModel {
  const e = new GraphEmitter();
  const names = new Map<number, string>();
  const inputs: ValueInfoProtoFields[] = [];
  const inputNames: string[] = [];
  for (const leaf of graph.leaves) {
    if (!leaf.data) {
      throw new PgolfError("ENGINE_BACKEND", `${leaf} is neither realized nor computed by an op`, { fix: "create tensors with Tensor.from/zeros/constant or with ops" });
    }
    if (isFedLeaf(leaf)) {
      const name = inputName(inputNames.length);
      inputNames.push(name);
      inputs.push(valueInfo(name, leaf.dtype, leaf.shape));
      e.define(name);
      names.set(leaf.id, name);
    } else {
      names.set(leaf.id, e.initializer("c_", onnxDataType(leaf.dtype), leaf.shape, bytesOf(leaf.data)));
    }
  }
  graph.nodes.forEach((t, k) => {
    const { op, inputs: args, attrs } = t.node!;
    e.current = `${op.name}${k}`; // by position in the subgraph, so equal graphs give equal bytes
    const argNames = args.map((a) => {
      const n = names.get(a.id);
      if (n === undefined) throw new PgolfError("ENGINE_BACKEND", `${e.current}: input ${a} is not in the subgraph (nodes out of order)`, { fix: BUG_FIX });
      return n;
    });
    const out = op.onnx(e, argNames, attrs, { inputs: args.map((a) => ({ shape: a.shape, dtype: a.dtype })), output: { shape: t.shape, dtype: t.dtype } });
    if (!e.defined.has(out)) {
      throw new PgolfError("ENGINE_BACKEND", `${e.current}: ONNX lowering returned "${out}", which no node defines`, { fix: BUG_FIX });
    }
    names.set(t.id, out);
  });
  // Graph outputs must be distinct node outputs: a tensor requested twice, or a requested leaf
  // (graph input or initializer), gets its own Identity.
  e.current = "output";
  const outputNames: string[] = [];
  const outputs: ValueInfoProtoFields[] = [];
  const used = new Set<string>();
  const nodeOutputs = new Set(e.nodes.map((n) => n.output[0]));
  for (const t of graph.outputs) {
    let name = names.get(t.id);
    if (name === undefined) throw new PgolfError("ENGINE_BACKEND", `output ${t} is not in the subgraph`, { fix: "build the subgraph with collect(outputs)" });
    if (used.has(name) || !nodeOutputs.has(name)) name = e.node("Identity", [name]);
    used.add(name);
    outputNames.push(name);
    outputs.push(valueInfo(name, t.dtype, t.shape));
  }
  const model: ModelProtoFields = {
    ir_version: IR_VERSION,
    opset_import: [...e.domains].sort().map((domain) => ({ domain, version: DOMAINS[domain] })),
    producer_name: "pgolf",
    producer_version: VERSION,
    graph: { name: "pgolf", node: e.nodes, initializer: e.initializers, input: inputs, output: outputs },
  };
  return { bytes: encodeModel(model), inputNames, outputNames, stats: { nodes: e.nodes.length, initializers: e.initializers.length } };
}

// ---- structural key ----

const opIds = new WeakMap<OpDef<any>, number>();
let nextOpId = 0;

/** The op's name plus a per-definition number: two different OpDefs sharing a name never collide. */
function opTag(op: OpDef<any>): string {
  let id = opIds.get(op);
  if (id === undefined) {
    id = nextOpId++;
    opIds.set(op, id);
  }
  return `${op.name}#${id}`;
}

/** A canonical text form of op attributes (sorted keys; -0, NaN and infinities kept apart). */
function canonical(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || v === undefined || v === null) return String(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `[${Array.from(v as ArrayLike<unknown>, canonical).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  throw new PgolfError("ENGINE_BACKEND", `op attribute of type ${typeof v} cannot be part of a graph key`, { fix: "keep op attributes to numbers, strings, booleans, arrays and plain objects" });
}

/**
 * The structural key of a subgraph: every op (by definition), attribute, shape and dtype, the wiring
 * (by position, not by tensor id), which leaves are fed and the value of each constant leaf, and the
 * outputs. Equal keys mean `buildModel` yields the same bytes; leaf values that are fed do not count.
 */
export function graphKey(graph: Subgraph): string {
  const h: Hash = createHash("sha256");
  const local = new Map<number, number>();
  const parts: string[] = []; // hashed in one update: many small updates cost more than the text
  const meta = (t: Tensor) => `${t.dtype}[${t.shape.join(",")}]`;
  for (const leaf of graph.leaves) {
    local.set(leaf.id, local.size);
    if (isFedLeaf(leaf)) parts.push(`I${meta(leaf)};`);
    else {
      parts.push(`C${meta(leaf)}:`);
      h.update(parts.join(""));
      parts.length = 0;
      if (leaf.data) h.update(bytesOf(leaf.data));
      parts.push(";");
    }
  }
  for (const t of graph.nodes) {
    const { op, inputs, attrs } = t.node!;
    let wiring = "";
    for (const i of inputs) wiring += `${local.get(i.id) ?? `?${i.id}`},`;
    parts.push(`N${opTag(op)}(${wiring})${canonical(attrs)}->${meta(t)};`);
    local.set(t.id, local.size);
  }
  parts.push(`O${graph.outputs.map((o) => local.get(o.id) ?? `?${o.id}`).join(",")}`);
  h.update(parts.join(""));
  return h.digest("hex");
}
