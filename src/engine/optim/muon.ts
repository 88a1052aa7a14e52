// Muon exactly as the reference (train_gpt.py, from modded-nanogpt), for 2-D block matrices:
//   buf = momentum buf + g;  g = g + momentum buf (Nesterov)
//   u = NewtonSchulz5(g) * max(1, rows / cols)^0.5;   p = p - lr u
// momentum is a hyperparameter (the baseline warms it from 0.85 to 0.95 over 500 steps).
// With weightDecay > 0, decoupled weight decay as the contest's later records used it (AdamW-style,
// scaled by the current learning rate): p = p (1 - lr wd) - lr u. At 0 (the reference) the update
// is built exactly as before, with no extra op.
import { PgolfError } from "../../core/error.js";
import { add, mul, sub } from "../ops/index.js";
import { Tensor } from "../tensor.js";
import { Hyper } from "./hyper.js";
import { newtonSchulz5 } from "./newton_schulz.js";
import type { Optimizer, Update } from "./optimizer.js";

export interface MuonOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  backendSteps?: number;
  /** Decoupled weight decay per unit of learning rate (default 0: none, as the reference). */
  weightDecay?: number;
}

export class Muon implements Optimizer {
  readonly params: Tensor[];
  readonly lr: Hyper;
  readonly baseLr: number;
  readonly momentum: Hyper;
  readonly nesterov: boolean;
  readonly backendSteps: number;
  readonly weightDecay: number;
  readonly buffers: Tensor[];
  steps = 0;

  constructor(params: Tensor[], opts: MuonOptions) {
    for (const p of params) {
      if (p.rank !== 2) throw new PgolfError("CONFIG_INVALID", `Muon takes 2-D matrices; ${p.name ?? "a parameter"} has shape [${p.shape.join(", ")}]`, { fix: "optimize vectors and scalars with Adam" });
    }
    this.params = params;
    const dtype = params[0]?.dtype ?? "float32";
    this.lr = new Hyper(opts.lr, dtype);
    this.baseLr = opts.lr;
    this.momentum = new Hyper(opts.momentum ?? 0.95, dtype);
    this.nesterov = opts.nesterov ?? true;
    this.backendSteps = opts.backendSteps ?? 5;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay))) {
      throw new PgolfError("CONFIG_INVALID", `Muon weight decay must be a finite number >= 0, got ${this.weightDecay}`, { fix: "set muon_weight_decay to 0 (off) or a small positive value such as 0.04" });
    }
    this.buffers = params.map((p) => Tensor.zeros(p.shape, p.dtype));
  }

  scaleLr(scale: number): void {
    this.lr.set(this.baseLr * scale);
  }

  updates(grads: Tensor[]): Update[] {
    this.steps++;
    const out: Update[] = [];
    this.params.forEach((p, i) => {
      const g = grads[i];
      const buf = add(mul(this.buffers[i], this.momentum.tensor), g);
      const dir = this.nesterov ? add(g, mul(buf, this.momentum.tensor)) : buf;
      const [rows, cols] = p.shape;
      const scale = Math.sqrt(Math.max(1, rows / cols));
      const u = newtonSchulz5(dir, this.backendSteps);
      const step = mul(mul(this.lr.tensor, Tensor.scalar(scale, p.dtype)), u);
      // decoupled decay: p (1 - lr wd), with the scheduled lr
      const kept = this.weightDecay > 0 ? mul(p, sub(Tensor.scalar(1, p.dtype), mul(this.lr.tensor, Tensor.scalar(this.weightDecay, p.dtype)))) : p;
      out.push({ target: p, value: sub(kept, step) });
      out.push({ target: this.buffers[i], value: buf });
    });
    return out;
  }

  state(): Map<string, Tensor> {
    return new Map(this.params.map((p, i) => [`${p.name ?? `muon.${i}`}.momentum_buffer`, this.buffers[i]]));
  }

  hostState(): Record<string, number> {
    return { steps: this.steps };
  }

  loadHostState(s: Record<string, number>): void {
    this.steps = s.steps;
  }
}
