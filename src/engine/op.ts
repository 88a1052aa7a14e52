// What an op is. One file per op under ops/: its shape rule, its reference kernel (plain TypeScript,
// obviously correct, the definition), its backward (written with other ops, so gradients are lazy
// graphs too) and its ONNX lowering (for the ort backend). Ops have one output.
import type { DType, HostArray } from "./dtype.js";
import type { Shape } from "./shape.js";
import { Tensor, type TensorMeta } from "./tensor.js";

export interface HostTensor {
  shape: Shape;
  dtype: DType;
  data: HostArray;
}

/** ONNX attribute values, tagged by kind. */
export type OnnxAttr = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

/** What an op's ONNX lowering may do: add nodes and constants to the graph being built. */
export interface OnnxEmitter {
  /** Adds a node; returns the name of its (first) output. */
  node(opType: string, inputs: string[], attrs?: Record<string, OnnxAttr>, domain?: string): string;
  /** An int64 constant tensor (axes, shapes, starts...), shared between uses. */
  int64(values: number[], shape?: number[]): string;
  /** A scalar constant of a float or int dtype, shared between uses. */
  scalar(value: number, dtype: DType): string;
}

export interface OpDef<A = Record<string, never>> {
  name: string;
  /** The output's shape and dtype; throws ENGINE_SHAPE / ENGINE_DTYPE naming the shapes. */
  infer(inputs: TensorMeta[], attrs: A): TensorMeta;
  /** Reference kernel: computes the output from host inputs. */
  reference(inputs: HostTensor[], attrs: A, out: TensorMeta): HostArray;
  /** Gradients of the inputs given the gradient of the output; undefined where none flows. */
  backward?(inputs: Tensor[], output: Tensor, grad: Tensor, attrs: A): Array<Tensor | undefined>;
  /** ONNX lowering: emits nodes computing the output from the named inputs; returns its name. */
  onnx(e: OnnxEmitter, inputs: string[], attrs: A, meta: { inputs: TensorMeta[]; output: TensorMeta }): string;
}

/** Applies `op` lazily: infers the output meta now, computes nothing. */
export function apply<A>(op: OpDef<A>, inputs: Tensor[], attrs: A): Tensor {
  const meta = op.infer(inputs, attrs);
  const requiresGrad = op.backward !== undefined && inputs.some((t) => t.requiresGrad);
  return new Tensor(meta, { node: { op, inputs, attrs }, requiresGrad });
}
