// A module owns parameters and child modules, and names them as torch does: a module's own
// parameters first, then each child's under "child.", in registration order, so that names and the
// state-dict order match the reference (`tok_emb.weight`, `blocks.0.attn.c_q.weight`, ...).
import { Tensor } from "../engine/tensor.js";

export abstract class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a parameter (it takes gradients). */
  protected param(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.name ??= name;
    this.ownParams.set(name, t);
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** [dotted name, parameter] pairs in the reference's order. */
  namedParameters(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** This module and every module under it, depth first in registration order. */
  *modules(): Generator<Module> {
    yield this;
    for (const c of this.children.values()) yield* c.modules();
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Gives every parameter its full dotted name (call once on the root module). */
  nameParameters(): void {
    for (const [n, t] of this.namedParameters()) t.name = n;
  }

  parameterCount(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }
}
