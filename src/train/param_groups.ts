// The reference's optimizer split (train_gpt.py):
//   token embedding            -> Adam at tied_embed_lr (0.05) or embed_lr (0.6) untied
//   untied lm_head             -> Adam at head_lr (0.008)
//   2-D block matrices         -> Muon at matrix_lr (0.04)
//   block vectors/scalars, control tensors (attn_scale, mlp_scale, resid_mix, q_gain) and
//   skip_weights               -> Adam at scalar_lr (0.04)
// Past the reference: the BigramHash table goes with the token embedding, its projection to Muon,
// the SmearGate's gate with the scalars.
import type { Tensor } from "../engine/tensor.js";
import type { GPT } from "../model/gpt.js";

export const CONTROL_TENSOR_PATTERNS = ["attn_scale", "attn_scales", "mlp_scale", "mlp_scales", "resid_mix", "resid_mixes", "q_gain", "skip_weight", "skip_weights"];

export interface ParamGroups {
  token: Tensor[];
  head: Tensor[];
  matrices: Tensor[];
  scalars: Tensor[];
}

export function splitParams(model: GPT): ParamGroups {
  const matrices: Tensor[] = [];
  const scalars: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!name.startsWith("blocks.")) continue;
    const control = CONTROL_TENSOR_PATTERNS.some((c) => name.includes(c));
    (p.rank === 2 && !control ? matrices : scalars).push(p);
  }
  if (model.skipWeights.size > 0) scalars.push(model.skipWeights);
  if (model.bigram) matrices.push(model.bigram.proj.weight);
  if (model.smear) scalars.push(model.smear.gate);
  return { token: [model.tokEmb.weight, ...(model.bigram ? [model.bigram.embed.weight] : [])], head: model.lmHead ? [model.lmHead.weight] : [], matrices, scalars };
}
