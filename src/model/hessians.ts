// Calibration for GPTQ (artifact/gptq.ts): the input Hessian of every Linear layer of a GPT,
// H = sum over calibration tokens of x x^T, x the layer's input row [in]. Each forward hands the layer's
// input rows X [N, in] to a hook (nn/linear.ts inputHook); the Gram matrix X^T X is one GEMM in the
// same graph as the forward, so only [in, in] per layer leaves the backend; the sums over batches are
// float64 on the host. A layer run more than once per forward (depth recurrence) sums every call.
// Calibration reads training tokens, so an entry runs it inside its training time (before
// ctx.trainingDone()), as the contest's rules count it.
import { matmul, transpose } from "../engine/ops/index.js";
import { realize } from "../engine/realize.js";
import type { Tensor } from "../engine/tensor.js";
import { Linear } from "../nn/linear.js";
import type { GPT } from "./gpt.js";

export interface Hessians {
  /** [in, in] row-major float64 by weight name ("blocks.0.attn.c_q.weight", ...). */
  byWeight: Map<string, Float64Array>;
  /** Calibration tokens seen (rows of X per forward call). */
  tokens: number;
}

/** Runs the model's forward on each batch of ids [B, T] and sums every Linear layer's input Gram matrix. */
export async function collectHessians(model: GPT, batches: Iterable<Tensor>): Promise<Hessians> {
  const linears = [...model.modules()].filter((m): m is Linear => m instanceof Linear);
  const byWeight = new Map<string, Float64Array>();
  let tokens = 0;
  try {
    for (const ids of batches) {
      const grams: Array<[string, Tensor]> = [];
      for (const l of linears) l.inputHook = (x) => grams.push([l.weight.name ?? "", matmul(transpose(x), x)]);
      model.logits(ids); // builds the lazy graph, calling the hooks; only the Gram matrices are computed
      await realize(...grams.map(([, g]) => g));
      tokens += ids.size;
      for (const [name, g] of grams) {
        const sum = byWeight.get(name) ?? new Float64Array(g.size);
        const d = g.data!;
        for (let i = 0; i < sum.length; i++) sum[i] += d[i];
        byWeight.set(name, sum);
      }
      for (const l of linears) l.inputHook = undefined;
    }
  } finally {
    for (const l of linears) l.inputHook = undefined;
  }
  return { byWeight, tokens };
}
