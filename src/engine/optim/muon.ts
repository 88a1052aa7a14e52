// Muon exactly as the reference (train_gpt.py, from modded-nanogpt), for 2-D block matrices:
//   buf = momentum buf + g;  g = g + momentum buf (Nesterov)
//   u = NewtonSchulz5(g) * max(1, rows / cols)^0.5;   p = p - lr u
// momentum is a hyperparameter (the baseline warms it from 0.85 to 0.95 over 500 steps).
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
}

export class Muon implements Optimizer {
  readonly params: Tensor[];
  readonly lr: Hyper;
  readonly baseLr: number;
  readonly momentum: Hyper;
  readonly nesterov: boolean;
  readonly backendSteps: number;
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
      out.push({ target: p, value: sub(p, mul(mul(this.lr.tensor, Tensor.scalar(scale, p.dtype)), u)) });
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
