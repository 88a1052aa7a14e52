// One training step of the reference baseline as a single lazy graph: loss, gradients (autograd),
// optional global-norm clipping, and the updates of every optimizer (Adam on the embedding, head and
// scalars; Muon on block matrices). On the ort backend the whole step compiles to one ONNX session,
// built once and reused every step (hyperparameters are fed, not baked).
import { grad } from "../engine/autograd.js";
import { Adam } from "../engine/optim/adam.js";
import { clipGradNorm } from "../engine/optim/clip.js";
import { Muon } from "../engine/optim/muon.js";
import { applyUpdates, type Optimizer } from "../engine/optim/optimizer.js";
import { realize } from "../engine/realize.js";
import { Tensor } from "../engine/tensor.js";
import type { GPT } from "../model/gpt.js";
import { PgolfError } from "../core/error.js";
import { splitParams } from "./param_groups.js";
import { packState, unpackState, type StateEntry } from "./state_file.js";

export interface OptimizerConfig {
  tiedEmbedLr: number;
  embedLr: number;
  headLr: number;
  matrixLr: number;
  scalarLr: number;
  muonMomentum: number;
  muonBackendSteps: number;
  /** Muon's decoupled weight decay per unit of lr (0: none, the reference). */
  muonWeightDecay?: number;
  beta1: number;
  beta2: number;
  adamEps: number;
  gradClipNorm: number;
}

/** train_gpt.py's defaults. */
export const REFERENCE_OPTIMIZER: OptimizerConfig = {
  tiedEmbedLr: 0.05,
  embedLr: 0.6,
  headLr: 0.008,
  matrixLr: 0.04,
  scalarLr: 0.04,
  muonMomentum: 0.95,
  muonBackendSteps: 5,
  beta1: 0.9,
  beta2: 0.95,
  adamEps: 1e-8,
  gradClipNorm: 0,
};

export class TrainStep {
  readonly model: GPT;
  readonly config: OptimizerConfig;
  readonly params: Tensor[];
  readonly adamToken: Adam;
  readonly adamHead: Adam | undefined;
  readonly muon: Muon;
  readonly adamScalar: Adam;
  readonly optimizers: Optimizer[];
  private readonly counts: number[];

  constructor(model: GPT, config: OptimizerConfig = REFERENCE_OPTIMIZER) {
    this.model = model;
    this.config = config;
    const g = splitParams(model);
    const adamOpts = { betas: [config.beta1, config.beta2] as [number, number], eps: config.adamEps };
    const tokenLr = model.config.tieEmbeddings ? config.tiedEmbedLr : config.embedLr;
    this.adamToken = new Adam([{ params: g.token, lr: tokenLr, name: "token" }], adamOpts);
    this.adamHead = g.head.length > 0 ? new Adam([{ params: g.head, lr: config.headLr, name: "head" }], adamOpts) : undefined;
    this.muon = new Muon(g.matrices, { lr: config.matrixLr, momentum: config.muonMomentum, backendSteps: config.muonBackendSteps, weightDecay: config.muonWeightDecay });
    this.adamScalar = new Adam([{ params: g.scalars, lr: config.scalarLr, name: "scalar" }], adamOpts);
    this.optimizers = [this.adamToken, ...(this.adamHead ? [this.adamHead] : []), this.muon, this.adamScalar];
    this.params = this.optimizers.flatMap((o) => o.params);
    this.counts = this.optimizers.map((o) => o.params.length);
  }

  /** Sets the lr multiplier (warmdown) on every optimizer and Muon's momentum. */
  setSchedule(lrScale: number, muonMomentum: number): void {
    this.adamToken.scaleLr(lrScale);
    this.adamHead?.scaleLr(lrScale);
    this.muon.scaleLr(lrScale);
    this.adamScalar.scaleLr(lrScale);
    this.muon.momentum.set(muonMomentum);
  }

  /** One step on ids/targets int32 [B, T]; returns the mean training loss (nats) before the update. */
  async step(ids: Tensor, targets: Tensor): Promise<number> {
    const loss = this.model.loss(ids, targets);
    let grads = grad(loss, this.params);
    if (this.config.gradClipNorm > 0) grads = clipGradNorm(grads, this.config.gradClipNorm).grads;
    const updates = [];
    let k = 0;
    for (let i = 0; i < this.optimizers.length; i++) {
      updates.push(...this.optimizers[i].updates(grads.slice(k, k + this.counts[i])));
      k += this.counts[i];
    }
    await applyUpdates(updates, [loss]);
    return loss.data![0];
  }

  /** Everything a checkpoint needs: parameters, optimizer state tensors and step counters. */
  saveState(meta: Record<string, unknown> = {}, extra: StateEntry[] = []): Uint8Array {
    const entries: StateEntry[] = [...extra];
    for (const [name, t] of this.model.namedParameters()) entries.push({ name: `param.${name}`, dtype: t.dtype, shape: [...t.shape], data: t.data! });
    this.optimizers.forEach((o, i) => {
      for (const [name, t] of o.state()) entries.push({ name: `opt${i}.${name}`, dtype: t.dtype, shape: [...t.shape], data: t.data! });
    });
    return packState(entries, { ...meta, host: this.optimizers.map((o) => o.hostState()) });
  }

  /** Restores what saveState wrote; returns its extra metadata. `extra` receives a getter of the extra entries' data. */
  loadState(bytes: Uint8Array, extra?: (get: (name: string) => StateEntry["data"] | undefined) => void): Record<string, unknown> {
    const { entries, meta } = unpackState(bytes);
    extra?.((name) => entries.get(name)?.data);
    const put = (key: string, t: Tensor) => {
      const e = entries.get(key);
      if (!e) throw new PgolfError("FILE_READ", `the checkpoint has no ${key}`, { fix: "it was made by another model or config; delete it to start over" });
      t.assign(e.data);
    };
    for (const [name, t] of this.model.namedParameters()) put(`param.${name}`, t);
    this.optimizers.forEach((o, i) => {
      for (const [name, t] of o.state()) put(`opt${i}.${name}`, t);
    });
    (meta.host as Record<string, number>[]).forEach((h, i) => this.optimizers[i].loadHostState(h));
    return meta;
  }

  /** Forward only: mean loss (nats) of ids/targets int32 [B, T]. */
  async evalLoss(ids: Tensor, targets: Tensor): Promise<number> {
    const loss = this.model.loss(ids, targets);
    await realize(loss);
    return loss.data![0];
  }
}
