// XSA, exclusive self attention (from the contest's later records): each position's attention
// output loses its component along the position's own value vector, so attention carries what the
// token does not already have; the residual stream keeps the token itself.
//   y [B, H, T, Dh], v [B, Hkv, T, Dh] (a KV head serves H / Hkv query heads)
//   z = y - (<y, v> / (<v, v> + eps)) v        per (batch, head, position), eps = 1e-6 in units of v^2
import { addScalar, div, mul, reshape, sub, sum } from "../engine/ops/index.js";
import type { Tensor } from "../engine/tensor.js";

export function exclusive(y: Tensor, v: Tensor): Tensor {
  const [b, h, t, dh] = y.shape;
  const hkv = v.shape[1];
  const g = h / hkv;
  const yg = reshape(y, [b, hkv, g, t, dh]);
  const vg = reshape(v, [b, hkv, 1, t, dh]);
  const coef = div(sum(mul(yg, vg), -1, true), addScalar(sum(mul(vg, vg), -1, true), 1e-6));
  return reshape(sub(yg, mul(coef, vg)), [b, h, t, dh]);
}
