// Converts x to another dtype. Float -> int32 truncates toward zero (as ONNX Cast and torch's
// .to(int32)); anything -> bool is x != 0; bool -> number is 0 or 1. The gradient flows only between
// float dtypes (cast back); an int32 or bool result carries none.
import { allocate, isFloat, type DType } from "../dtype.js";
import { apply, type OpDef } from "../op.js";
import type { Tensor } from "../tensor.js";

interface CastAttrs {
  dtype: DType;
}

/** ONNX TensorProto.DataType codes (the `to` attribute of Cast). */
const ONNX_TYPE: Record<DType, number> = { float32: 1, int32: 6, bool: 9, float64: 11 };

export const CastOp: OpDef<CastAttrs> = {
  name: "cast",
  infer: ([x], a) => ({ shape: x.shape, dtype: a.dtype }),
  reference: ([x], a, out) => {
    const o = allocate(out.dtype, x.data.length);
    // Typed-array stores already round to float32, wrap to int32 after truncation and keep float64.
    const f = a.dtype === "bool" ? (v: number) => (v !== 0 ? 1 : 0) : a.dtype === "int32" ? Math.trunc : (v: number) => v;
    for (let i = 0; i < o.length; i++) o[i] = f(x.data[i]);
    return o;
  },
  backward: ([x], out, g) => [isFloat(x.dtype) && isFloat(out.dtype) ? cast(g, x.dtype) : undefined],
  onnx: (e, [x], a) => e.node("Cast", [x], { to: { i: ONNX_TYPE[a.dtype] } }),
};

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return apply(CastOp, [x], { dtype });
}
