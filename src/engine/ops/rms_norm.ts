// RMS normalization over the last dimension, as torch's F.rms_norm(x, (x.size(-1),), weight, eps):
//   y = x * rsqrt(mean(x^2, -1) + eps) [* weight]
// eps defaults, as torch's, to the machine epsilon of x's dtype (float32: 2^-23, float64: 2^-52).
import { requireFloat } from "../dtype.js";
import { shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { mean } from "./mean.js";
import { mul } from "./mul.js";
import { rsqrt } from "./rsqrt.js";
import { addScalar } from "./scalar.js";
import { square } from "./square.js";

/** torch.finfo(dtype).eps. */
export function machineEpsilon(dtype: "float32" | "float64"): number {
  return dtype === "float32" ? 2 ** -23 : 2 ** -52;
}

/** x [..., D] normalized to unit RMS over D, times `weight` [D] when given. */
export function rmsNorm(x: Tensor, eps?: number, weight?: Tensor): Tensor {
  requireFloat("rms_norm", x.dtype);
  const d = x.shape[x.rank - 1];
  if (weight && (weight.rank !== 1 || weight.shape[0] !== d)) throw shapeError("rms_norm", `weight ${showShape(weight.shape)} must be [${d}] for x ${showShape(x.shape)}`);
  const e = eps ?? machineEpsilon(x.dtype as "float32" | "float64");
  const y = mul(x, rsqrt(addScalar(mean(square(x), -1, true), e)));
  return weight ? mul(y, weight) : y;
}
