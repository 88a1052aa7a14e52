// Half-precision storage for weights: IEEE fp16 and bfloat16 as uint16 bit patterns, converted
// from and to float32 with round-to-nearest-even (as torch's .half() / .bfloat16()). Compute stays
// float32; these are for storing parameters and artifacts compactly.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> bfloat16 bits (round to nearest even; NaN stays NaN). */
export function toBFloat16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f32[0] = x[i];
    const b = u32[0];
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40; // quiet NaN
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function fromBFloat16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < h.length; i++) bits[i] = h[i] << 16;
  return out;
}

/** float32 -> IEEE binary16 bits (round to nearest even, overflow to infinity, subnormals kept). */
export function toFloat16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f32[0] = x[i];
    const b = u32[0];
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    const mant = b & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); // inf or NaN
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00; // overflow
    } else if (e <= 0) {
      if (e < -10) {
        out[i] = sign; // underflow to signed zero
        continue;
      }
      // Subnormal: shift the mantissa (with its implicit 1) right, rounding to nearest even.
      const m = mant | 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      const rest = m & ((1 << shift) - 1);
      let v = m >>> shift;
      if (rest > half || (rest === half && (v & 1))) v++;
      out[i] = sign | v;
    } else {
      let v = (e << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (v & 1))) v++; // may carry into the exponent: correct
      out[i] = sign | v;
    }
  }
  return out;
}

export function fromFloat16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const s = h[i] & 0x8000 ? -1 : 1;
    const e = (h[i] >>> 10) & 0x1f;
    const m = h[i] & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}
