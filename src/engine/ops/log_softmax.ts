// Log of softmax over one axis, computed stably: out = x - max - log(sum(e^(x - max))).
// Backward: dx = g - softmax(x) * sum(g, axis) = g - e^out * sum(g, axis).
import { apply, type OpDef } from "../op.js";
import { normAxis } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { exp } from "./exp.js";
import { mul } from "./mul.js";
import { inferAxisFloat, referenceAlongAxis, type AxisAttrs } from "./softmax.js";
import { sub } from "./sub.js";
import { sum } from "./sum.js";

function logSoftmaxLine(v: Float64Array): Float64Array {
  let m = -Infinity;
  for (const a of v) m = Math.max(m, a);
  let s = 0;
  for (const a of v) s += Math.exp(a - m);
  const ls = Math.log(s);
  return v.map((a) => a - m - ls);
}

export const LogSoftmaxOp: OpDef<AxisAttrs> = {
  name: "log_softmax",
  infer: (inputs) => inferAxisFloat("log_softmax", inputs),
  reference: ([x], a, out) => referenceAlongAxis(x, a.axis, out, logSoftmaxLine),
  backward: (_i, out, g, a) => [sub(g, mul(exp(out), sum(g, a.axis, true)))],
  onnx: (e, [x], a) => e.node("LogSoftmax", [x], { axis: { i: a.axis } }),
};

/** log(softmax(x)) along `axis` (default: the last), without the log of a rounded-to-0 probability. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply(LogSoftmaxOp, [x], { axis: normAxis("log_softmax", axis, x.rank) });
}
