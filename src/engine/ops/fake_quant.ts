// Quantize-dequantize of a weight matrix [rows, cols] as the export does it (quantization-aware
// training): per row, clip = the 99.99984th percentile of |row|, scale = max(clip / qmax, 1 / qmax)
// in float32, q = round_half_even(clamp(x, -clip, clip) / scale) in [-qmax, qmax],
// y = fl32(q * fp16(scale)), qmax = 2^(bits-1) - 1. The arithmetic is the exporter's own
// (../row_quant.ts), so a forward through fake_quant(W, b) equals the forward of the model exported
// at b bits and imported again. Note the floor 1 / qmax on the scale: rows with |x| < 1 all share
// the step 1 / qmax (the reference's clamp_min), not max|row| / qmax.
//
// Backward: the straight-through estimator, d/dx = identity, everywhere (clipped elements too: the
// clip is the 99.99984th percentile, so it clips at most the largest element of a row, and zeroing
// that one gradient would freeze the row's largest weight).
//
// float64 input is quantized from its float32 values (as the exporter does) and returned as float64.
import { PgolfError } from "../../core/error.js";
import { allocate, requireFloat } from "../dtype.js";
import { apply, type OpDef, type OnnxEmitter } from "../op.js";
import { dequantizeMatrixRows, INT8_CLIP_Q, qmaxFor, quantileRank, quantizeMatrixRows, rowClips } from "../row_quant.js";
import { shapeError, showShape } from "../shape.js";
import type { Tensor } from "../tensor.js";

export interface FakeQuantAttrs {
  /** 2..8 */
  bits: number;
}

const FLOAT = 1; // ONNX TensorProto.DataType
const FLOAT16 = 10;
const DOUBLE = 11;

/** The |x| value at ascending sorted position k of each row, for k = cols - 1 or cols - 2: [rows, 1]. */
function topOfRows(e: OnnxEmitter, absx: string, cols: number, k: number): string {
  const axes = e.int64([1]);
  if (k === cols - 1) return e.node("ReduceMax", [absx, axes], { keepdims: { i: 1 } });
  // the second largest, duplicates counted: mask out one position of the largest and take the max again
  const first = e.node("ArgMax", [absx], { axis: { i: 1 }, keepdims: { i: 1 } });
  const mask = e.node("Equal", [e.int64(Array.from({ length: cols }, (_, j) => j), [1, cols]), first]);
  return e.node("ReduceMax", [e.node("Where", [mask, e.scalar(-1, "float32"), absx]), axes], { keepdims: { i: 1 } });
}

/** quantileSorted(sorted |row|, INT8_CLIP_Q) per row, in the same float32/float64 steps: [rows, 1]. */
function clipOfRows(e: OnnxEmitter, absx: string, cols: number): string {
  const { lo, hi, w } = quantileRank(cols, INT8_CLIP_Q);
  if (hi !== cols - 1 || lo < cols - 2) {
    // ~621,000 columns and more put the rank below the top two values; no weight row is that wide
    throw new PgolfError("ENGINE_BACKEND", `fake_quant: rows of ${cols} columns are beyond the ONNX lowering (at most the two largest values per row)`, { fix: 'run on the reference backend (setBackend("reference"))' });
  }
  const b = topOfRows(e, absx, cols, hi);
  if (w === 0) return lo === hi ? b : topOfRows(e, absx, cols, lo);
  const a = topOfRows(e, absx, cols, lo);
  const d = e.node("Cast", [e.node("Sub", [b, a])], { to: { i: DOUBLE } }); // fl32(b - a)
  // fl32(base + w' * d) with the product exact and the sum rounded in a double, as quantileSorted
  const [base, wt] = w < 0.5 ? [a, w] : [b, w - 1];
  const sum = e.node("Add", [e.node("Cast", [base], { to: { i: DOUBLE } }), e.node("Mul", [e.scalar(wt, "float64"), d])]);
  return e.node("Cast", [sum], { to: { i: FLOAT } });
}

export const FakeQuantOp: OpDef<FakeQuantAttrs> = {
  name: "fake_quant",
  infer: ([x], a) => {
    requireFloat("fake_quant", x.dtype);
    if (x.shape.length !== 2) throw shapeError("fake_quant", `x ${showShape(x.shape)} must be a matrix [rows, cols]`, "quantize 2-D weights only (the export quantizes per row)");
    if (!Number.isInteger(a.bits) || a.bits < 2 || a.bits > 8) throw new PgolfError("ENGINE_DTYPE", `fake_quant: bits must be an integer from 2 to 8, got ${a.bits}`, { fix: "use the export's bit width (export_bits): 8, 6 or 5" });
    return { shape: x.shape, dtype: x.dtype };
  },
  reference: ([x], a, out) => {
    const [rows, cols] = x.shape;
    const x32 = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
    const r = quantizeMatrixRows(x32, rows, cols, a.bits, rowClips(x32, rows, cols, INT8_CLIP_Q));
    const y = dequantizeMatrixRows(r.q, r.scale, rows, cols);
    if (out.dtype === "float32") return y;
    const o = allocate(out.dtype, y.length);
    o.set(y);
    return o;
  },
  backward: (_inputs, _out, g) => [g],
  onnx: (e, [x], a, meta) => {
    const [rows, cols] = meta.inputs[0].shape;
    const f64 = meta.inputs[0].dtype === "float64";
    const x32 = f64 ? e.node("Cast", [x], { to: { i: FLOAT } }) : x;
    const qmax = qmaxFor(a.bits);
    const clip = rows === 0 || cols === 0 ? e.scalar(0, "float32") : cols === 1 ? e.node("Abs", [x32]) : clipOfRows(e, e.node("Abs", [x32]), cols);
    const scale = e.node("Max", [e.node("Div", [clip, e.scalar(qmax, "float32")]), e.scalar(Math.fround(1 / qmax), "float32")]);
    const v = e.node("Max", [e.node("Min", [x32, clip]), e.node("Neg", [clip])]);
    const q = e.node("Min", [e.node("Max", [e.node("Round", [e.node("Div", [v, scale])]), e.scalar(-qmax, "float32")]), e.scalar(qmax, "float32")]);
    const stored = e.node("Cast", [e.node("Cast", [scale], { to: { i: FLOAT16 } })], { to: { i: FLOAT } }); // the fp16 scale the artifact holds
    const y = e.node("Mul", [q, stored]);
    return f64 ? e.node("Cast", [y], { to: { i: DOUBLE } }) : y;
  },
};

/** x [rows, cols] quantized per row to `bits` and dequantized, exactly as the export; gradient passes straight through. */
export function fakeQuant(x: Tensor, bits: number): Tensor {
  return apply(FakeQuantOp, [x], { bits });
}
