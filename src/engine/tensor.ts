// The tensor: either realized (host data) or lazy (an op applied to input tensors, not yet computed).
// Ops only build the graph; `realize` (realize.ts) hands the unrealized part to a backend, which runs
// it node by node (reference) or compiles it into one ONNX session (ort). Autograd works on the lazy
// graph, so a whole training step (forward, backward, optimizer) can run as a single session.
import { PgolfError } from "../core/error.js";
import { allocate, dtypeOf, type DType, type HostArray } from "./dtype.js";
import type { OpDef } from "./op.js";
import { numel, showShape, type Shape } from "./shape.js";

export interface TensorMeta {
  shape: Shape;
  dtype: DType;
}

export interface OpNode {
  op: OpDef<any>;
  inputs: Tensor[];
  attrs: any;
}

let nextId = 0;

export class Tensor implements TensorMeta {
  /** Creation order: unique, and a valid topological order of the graph. */
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
  /** The op that produces this tensor, while it is lazy. */
  node: OpNode | undefined;
  /** Host data (row-major), once realized. */
  data: HostArray | undefined;
  /** A constant is baked into compiled graphs (and their cache key) instead of fed as an input. */
  readonly constant: boolean;
  /** Gradients flow to this tensor. */
  requiresGrad: boolean;
  /** Optional name (parameter names such as `blocks.0.attn.c_q.weight`). */
  name: string | undefined;

  constructor(meta: TensorMeta, init: { node?: OpNode; data?: HostArray; constant?: boolean; requiresGrad?: boolean; name?: string }) {
    this.id = nextId++;
    this.shape = Object.freeze([...meta.shape]);
    this.dtype = meta.dtype;
    this.node = init.node;
    this.data = init.data;
    this.constant = init.constant ?? false;
    this.requiresGrad = init.requiresGrad ?? false;
    this.name = init.name;
    if (this.data && this.data.length !== numel(this.shape)) {
      throw new PgolfError("ENGINE_SHAPE", `tensor data has ${this.data.length} elements, shape ${showShape(this.shape)} needs ${numel(this.shape)}`, { fix: "pass data with as many elements as the shape holds (the product of its dimensions)" });
    }
  }

  get size(): number {
    return numel(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get realized(): boolean {
    return this.data !== undefined;
  }

  /** A realized tensor from host data (copied unless `copy: false`). */
  static from(data: HostArray | ArrayLike<number>, shape: Shape, opts: { dtype?: DType; requiresGrad?: boolean; name?: string; copy?: boolean } = {}): Tensor {
    const isTyped = ArrayBuffer.isView(data);
    const dtype = opts.dtype ?? (isTyped ? dtypeOf(data as HostArray) : "float32");
    let arr: HostArray;
    if (isTyped && dtypeOf(data as HostArray) === dtype && opts.copy === false) arr = data as HostArray;
    else {
      arr = allocate(dtype, data.length);
      for (let i = 0; i < data.length; i++) arr[i] = (data as ArrayLike<number>)[i];
    }
    return new Tensor({ shape, dtype }, { data: arr, requiresGrad: opts.requiresGrad, name: opts.name });
  }

  /** A constant: baked into compiled graphs by value (use for fixed numbers, not learning rates). */
  static constant(data: ArrayLike<number>, shape: Shape, dtype: DType = "float32"): Tensor {
    const arr = allocate(dtype, data.length);
    for (let i = 0; i < data.length; i++) arr[i] = data[i];
    return new Tensor({ shape, dtype }, { data: arr, constant: true });
  }

  static scalar(value: number, dtype: DType = "float32"): Tensor {
    return Tensor.constant([value], [], dtype);
  }

  static zeros(shape: Shape, dtype: DType = "float32", opts: { requiresGrad?: boolean; name?: string } = {}): Tensor {
    return new Tensor({ shape, dtype }, { data: allocate(dtype, numel(shape)), ...opts });
  }

  /** Replaces the data of a realized tensor in place (an optimizer step writing new parameter values). */
  assign(data: HostArray): void {
    if (data.length !== this.size || dtypeOf(data) !== this.dtype) {
      throw new PgolfError("ENGINE_SHAPE", `assign: ${dtypeOf(data)}[${data.length}] does not fit ${this.dtype}${showShape(this.shape)}`, { fix: "assign an array of the tensor's dtype and element count" });
    }
    this.data = data;
    this.node = undefined;
  }

  toString(): string {
    return `Tensor(${this.name ?? `#${this.id}`}, ${this.dtype}${showShape(this.shape)}${this.realized ? "" : ", lazy"})`;
  }
}
