// Linear layer without bias (the reference's CastedLinear): y = x W^T, W of shape [out, in] as in
// torch. x [..., in] is flattened to [N, in] so the weight gradient is one GEMM over all N rows
// (x^T g), not a batch of GEMMs summed afterwards.
import type { Rng } from "../core/random.js";
import type { DType } from "../engine/dtype.js";
import { add, fakeQuant, matmul, reshape, transpose } from "../engine/ops/index.js";
import { Tensor } from "../engine/tensor.js";
import { uniformInit } from "./init.js";
import type { LoraAdapter } from "./lora.js";
import { Module } from "./module.js";

export class Linear extends Module {
  readonly weight: Tensor;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Quantization-aware training: the forward sees the weight quantized to these bits as the export stores it (0: off). */
  qatBits = 0;
  /** Calibration (model/hessians.ts): when set, each forward hands it its input rows x [N, in], lazy. */
  inputHook: ((x: Tensor) => void) | undefined;
  /** Test-time training (model/test_time_training.ts): a low-rank term added to the output (nn/lora.ts). */
  lora: LoraAdapter | undefined;

  constructor(inFeatures: number, outFeatures: number, opts: { rng: Rng; zeroInit?: boolean; dtype?: DType }) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const w = opts.zeroInit
      ? Tensor.zeros([outFeatures, inFeatures], opts.dtype)
      : uniformInit([outFeatures, inFeatures], 1 / Math.sqrt(inFeatures), opts.rng, opts.dtype);
    this.weight = this.param("weight", w);
  }

  /** The weight the forward uses: fake-quantized during QAT (gradients pass straight through). */
  forwardWeight(): Tensor {
    return this.qatBits > 0 ? fakeQuant(this.weight, this.qatBits) : this.weight;
  }

  /** x [..., in] -> [..., out] */
  forward(x: Tensor): Tensor {
    const lead = x.shape.slice(0, -1);
    const rows = reshape(x, [-1, this.inFeatures]);
    this.inputHook?.(rows);
    let y = matmul(rows, transpose(this.forwardWeight()));
    if (this.lora) y = add(y, this.lora.delta(rows));
    return reshape(y, [...lead, this.outFeatures]);
  }
}
