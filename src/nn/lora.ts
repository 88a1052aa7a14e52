// A low-rank adapter (LoRA, Hu et al. 2021) on a frozen linear map y = x W^T:
//   y' = y + (alpha / r) (x A^T) B^T,   A [r, in], B [out, r]
// A starts small and random, B at zero, so a fresh adapter changes nothing: y' = y bit for bit only in
// value (the graph still adds an exact zero), and the first gradient step moves B only. Its two
// parameters are not the layer's: they are not named among the model's parameters, so the exporter,
// the training step and checkpoints never see them (score-first test-time training owns them,
// model/test_time_training.ts). The forward is two thin GEMMs through rank r; their backward comes from
// matmul's and transpose's (autograd).
import type { Rng } from "../core/random.js";
import { matmul, mul, transpose } from "../engine/ops/index.js";
import { Tensor } from "../engine/tensor.js";
import { normalInit } from "./init.js";

export class LoraAdapter {
  /** [rank, in]: N(0, 1/in) so x A^T has unit scale per rank at unit-scale inputs. */
  readonly a: Tensor;
  /** [out, rank]: zero at the start. */
  readonly b: Tensor;
  readonly rank: number;
  /** alpha / rank (multiplies the adapter's output). */
  readonly scale: number;

  constructor(inFeatures: number, outFeatures: number, opts: { rank: number; alpha?: number; rng: Rng }) {
    if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new RangeError(`LoRA rank must be a positive integer, got ${opts.rank}`);
    this.rank = opts.rank;
    this.scale = (opts.alpha ?? opts.rank) / opts.rank;
    this.a = normalInit([opts.rank, inFeatures], 1 / Math.sqrt(inFeatures), opts.rng);
    this.b = Tensor.zeros([outFeatures, opts.rank]);
    this.a.requiresGrad = true;
    this.b.requiresGrad = true;
  }

  get parameters(): Tensor[] {
    return [this.a, this.b];
  }

  /** rows [N, in] -> the adapter's term [N, out]. */
  delta(rows: Tensor): Tensor {
    const low = matmul(matmul(rows, transpose(this.a)), transpose(this.b));
    return this.scale === 1 ? low : mul(low, Tensor.scalar(this.scale, low.dtype));
  }

  /** Back to the start: B = 0 (A is kept: with B at zero the adapter is the identity again). */
  reset(): void {
    this.b.assign(new Float32Array(this.b.size));
  }
}
