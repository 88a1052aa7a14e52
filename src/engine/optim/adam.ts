// Adam and AdamW, as torch.optim.Adam / AdamW compute them (non-fused path, per-group lr):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// AdamW first decays the weight: p = p (1 - lr wd). Bias corrections change every step, so they
// are hyperparameters fed to the graph, not constants.
import { add, div, mul, sqrt, square, sub } from "../ops/index.js";
import { Tensor } from "../tensor.js";
import { Hyper } from "./hyper.js";
import type { Optimizer, Update } from "./optimizer.js";

export interface AdamGroup {
  params: Tensor[];
  lr: number;
  /** Decoupled weight decay (AdamW); 0 = Adam. */
  weightDecay?: number;
  name?: string;
}

export interface AdamOptions {
  betas?: [number, number];
  eps?: number;
}

interface GroupState {
  params: Tensor[];
  lr: Hyper;
  /** 1 - beta1^t and sqrt(1 - beta2^t), in the group's dtype. */
  bc1: Hyper;
  bc2Sqrt: Hyper;
  baseLr: number;
  weightDecay: number;
  m: Tensor[];
  v: Tensor[];
}

export class Adam implements Optimizer {
  readonly groups: GroupState[];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken (torch's per-parameter `step`, equal for all parameters here). */
  t = 0;

  constructor(groups: AdamGroup[], opts: AdamOptions = {}) {
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.groups = groups.map((g) => ({
      params: g.params,
      lr: new Hyper(g.lr, g.params[0]?.dtype),
      bc1: new Hyper(1, g.params[0]?.dtype),
      bc2Sqrt: new Hyper(1, g.params[0]?.dtype),
      baseLr: g.lr,
      weightDecay: g.weightDecay ?? 0,
      m: g.params.map((p) => Tensor.zeros(p.shape, p.dtype)),
      v: g.params.map((p) => Tensor.zeros(p.shape, p.dtype)),
    }));
  }

  get params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** Sets every group's lr to its base lr times `scale` (the schedule's multiplier). */
  scaleLr(scale: number): void {
    for (const g of this.groups) g.lr.set(g.baseLr * scale);
  }

  updates(grads: Tensor[]): Update[] {
    this.t++;
    const out: Update[] = [];
    let k = 0;
    for (const g of this.groups) {
      const dt = g.params[0]?.dtype ?? "float32";
      const b1 = Tensor.scalar(this.beta1, dt);
      const b2 = Tensor.scalar(this.beta2, dt);
      const ob1 = Tensor.scalar(1 - this.beta1, dt);
      const ob2 = Tensor.scalar(1 - this.beta2, dt);
      const eps = Tensor.scalar(this.eps, dt);
      g.bc1.set(1 - Math.pow(this.beta1, this.t));
      g.bc2Sqrt.set(Math.sqrt(1 - Math.pow(this.beta2, this.t)));
      const stepSize = div(g.lr.tensor, g.bc1.tensor);
      g.params.forEach((p, i) => {
        const grad = grads[k++];
        const m = add(mul(g.m[i], b1), mul(grad, ob1));
        const v = add(mul(g.v[i], b2), mul(square(grad), ob2));
        const denom = add(div(sqrt(v), g.bc2Sqrt.tensor), eps);
        let base = p;
        if (g.weightDecay > 0) base = mul(p, sub(Tensor.scalar(1, dt), mul(g.lr.tensor, Tensor.scalar(g.weightDecay, dt))));
        out.push({ target: p, value: sub(base, mul(stepSize, div(m, denom))) });
        out.push({ target: g.m[i], value: m }, { target: g.v[i], value: v });
      });
    }
    return out;
  }

  state(): Map<string, Tensor> {
    const s = new Map<string, Tensor>();
    this.groups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        const key = p.name ?? `group${gi}.${i}`;
        s.set(`${key}.exp_avg`, g.m[i]);
        s.set(`${key}.exp_avg_sq`, g.v[i]);
      }),
    );
    return s;
  }

  hostState(): Record<string, number> {
    return { step: this.t };
  }

  loadHostState(s: Record<string, number>): void {
    this.t = s.step;
  }
}
