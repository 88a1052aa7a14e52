// GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
// Transformers") in the exporter's per-row format. The row scales are the exporter's own (the
// reference's clip, rowScale, stored fp16), so the artifact format and every loader stay as they are:
// only the integers chosen differ. Where round-to-nearest minimizes each weight's error |w - ŵ|^2, GPTQ
// minimizes the layer's output error on calibration inputs, sum over rows of (w - ŵ) H (w - ŵ)^T with
// H = sum of x x^T over the calibration tokens' input rows x (model/hessians.ts collects it). Columns
// are quantized in order; each one's rounding error is spread over the columns not yet quantized,
// through the upper Cholesky factor U of H^-1 (H^-1 = U^T U):
//   q[r, j] = round(clamp(w[r, j], ±clip_r) / scale_r), clamped to ±qmax
//   e       = (w[r, j] - q[r, j] * fp16(scale_r)) / U[j, j]
//   w[r, k] -= e * U[j, k]                                   for k > j
// With H = I, U is diagonal and this is the reference's round-to-nearest, bit for bit (tested).
// Dead inputs (H[j, j] = 0: a column no calibration token reaches) get H[j, j] = 1; the diagonal is
// damped by `damp` x its mean, as the paper's reference code does, so H is positive definite.
//
// Shapes: w [rows, cols] row-major float32 (rows = out features, cols = in features); H [cols, cols]
// row-major float64. Cost: rows x cols^2 multiply-adds, plus cols^3 / 3 for each factorization
// (cpu-small: under 0.2 s a matrix; the unblocked loop is enough at these sizes).
import { PgolfError } from "../core/error.js";
import { asStoredFp16, qmaxFor, roundHalfEven, rowClips, rowScale } from "../engine/row_quant.js";
import { toFloat16 } from "../engine/half.js";
import type { RowQuantized } from "../engine/row_quant.js";

/** The paper's default damping: 1% of the mean diagonal. */
export const GPTQ_DAMP = 0.01;

/** In-place lower Cholesky factor of a symmetric positive definite [n, n] matrix (row-major); throws if it is not. */
export function choleskyLower(a: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) throw new PgolfError("ARTIFACT_QUANTIZE", `the calibration Hessian is not positive definite (pivot ${j}: ${d})`, { fix: "collect the Hessian over more calibration tokens, or raise the damping" });
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return a;
}

/** U upper triangular with U^T U = H^-1, from H (damped, dead columns fixed; H is not modified). */
export function inverseHessianFactor(h: Float64Array, n: number, damp = GPTQ_DAMP): { u: Float64Array; dead: boolean[] } {
  const a = Float64Array.from(h);
  const dead: boolean[] = [];
  let mean = 0;
  for (let j = 0; j < n; j++) {
    dead.push(!(a[j * n + j] > 0));
    if (dead[j]) a[j * n + j] = 1;
    mean += a[j * n + j] / n;
  }
  for (let j = 0; j < n; j++) a[j * n + j] += damp * mean;
  // H = L L^T  ->  H^-1 = L^-T L^-1; its lower factor M (H^-1 = M M^T) then gives U = M^T
  const l = choleskyLower(a, n);
  const linv = new Float64Array(n * n); // L^-1, lower triangular, by forward substitution per column
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k] * linv[k * n + c];
      linv[i * n + c] = s / l[i * n + i];
    }
  }
  const inv = new Float64Array(n * n); // (L^-1)^T L^-1
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += linv[k * n + i] * linv[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  const m = choleskyLower(inv, n);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) u[i * n + j] = m[j * n + i];
  return { u, dead };
}

/**
 * Quantizes w [rows, cols] per row at `bits` with GPTQ against the input Hessian h [cols, cols]; the
 * clips (default: the reference's per-row quantile) and scales are the exporter's, so the result
 * dequantizes with dequantizeMatrixRows like any other.
 */
export function gptqQuantizeRows(w: Float32Array, rows: number, cols: number, bits: number, h: Float64Array, opts: { clips?: Float32Array; damp?: number } = {}): RowQuantized {
  if (w.length !== rows * cols || h.length !== cols * cols) {
    throw new PgolfError("ARTIFACT_QUANTIZE", `GPTQ needs a [${rows}, ${cols}] weight and a [${cols}, ${cols}] Hessian, got ${w.length} and ${h.length} values`, { fix: "collect the Hessian of this weight's own inputs (model/hessians.ts)" });
  }
  const qmax = qmaxFor(bits);
  const clip = opts.clips ?? rowClips(w, rows, cols);
  const { u, dead } = inverseHessianFactor(h, cols, opts.damp);
  const scale32 = new Float32Array(rows);
  const stored = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    scale32[r] = rowScale(clip[r], qmax); // rounding uses the float32 scale, as the reference does
    stored[r] = asStoredFp16(scale32[r]); // the error is measured against what the loader restores
  }
  const work = Float64Array.from(w);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) if (dead[j]) work[r * cols + j] = 0;
  const q = new Int8Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const ujj = u[j * cols + j];
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const v = work[o + j];
      const c = clip[r];
      const x = Math.fround(v > c ? c : v < -c ? -c : v);
      const k = roundHalfEven(Math.fround(x / scale32[r]));
      const qi = k > qmax ? qmax : k < -qmax ? -qmax : k;
      q[o + j] = qi;
      const e = (v - qi * stored[r]) / ujj;
      if (e !== 0) for (let t = j + 1; t < cols; t++) work[o + t] -= e * u[j * cols + t];
    }
  }
  return { q, scale: toFloat16(scale32), clip };
}

/** sum over rows of (w - ŵ) H (w - ŵ)^T: the layer's squared output error summed over the calibration tokens. */
export function hessianError(w: Float32Array, what: Float32Array, rows: number, cols: number, h: Float64Array): number {
  let total = 0;
  const d = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) d[j] = w[r * cols + j] - what[r * cols + j];
    for (let i = 0; i < cols; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += h[i * cols + j] * d[j];
      total += d[i] * s;
    }
  }
  return total;
}
