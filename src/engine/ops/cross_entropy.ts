// Mean cross-entropy in nats, as torch's F.cross_entropy(logits, targets, reduction="mean"), with
// the baseline's optional tanh soft cap applied to the logits first: softcap * tanh(logits / softcap).
//   logits [..., V] (float), targets int32 [...] (class ids in [0, V)) -> scalar
// The target's log-probability is picked with a one-hot mask (targets == arange(V)), so the whole
// loss is made of ops every backend has, and its gradient (softmax - onehot) / N comes from theirs.
import { PgolfError } from "../../core/error.js";
import { shapeError, showShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast } from "./cast.js";
import { equal } from "./equal.js";
import { logSoftmax } from "./log_softmax.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { reshape } from "./reshape.js";
import { divScalar, mulScalar } from "./scalar.js";
import { sum } from "./sum.js";
import { tanh } from "./tanh.js";

export interface CrossEntropyOptions {
  /** When set (> 0), logits become softcap * tanh(logits / softcap) before the softmax. */
  softcap?: number;
}

/** softcap * tanh(x / softcap): smoothly bounds x to (-softcap, softcap). */
export function softcapLogits(x: Tensor, softcap: number): Tensor {
  return mulScalar(tanh(divScalar(x, softcap)), softcap);
}

export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  if (targets.dtype !== "int32") throw new PgolfError("ENGINE_DTYPE", `cross_entropy: targets are ${targets.dtype}, not int32`, { fix: `cast them with cast(targets, "int32")` });
  const v = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || logits.rank !== targets.rank + 1 || targets.shape.some((d, i) => d !== logits.shape[i])) {
    throw shapeError("cross_entropy", `logits ${showShape(logits.shape)} must be targets ${showShape(targets.shape)} plus a class dimension`);
  }
  const n = targets.size;
  if (n === 0) throw shapeError("cross_entropy", "the mean over no targets is undefined");
  if (opts.softcap !== undefined && !(opts.softcap > 0)) throw shapeError("cross_entropy", `softcap must be positive, got ${opts.softcap}`);
  const flat = reshape(logits, [n, v]);
  const z = opts.softcap !== undefined ? softcapLogits(flat, opts.softcap) : flat;
  const logp = logSoftmax(z, -1); // [N, V]
  const classes = Tensor.constant(Array.from({ length: v }, (_, i) => i), [1, v], "int32");
  const onehot = cast(equal(reshape(targets, [n, 1]), classes), logits.dtype); // [N, V]
  return divScalar(neg(sum(mul(logp, onehot))), n);
}
