// Growable typed arrays: capacity doubles, contents are kept. For hot loops that append numbers
// without the boxing of a plain JS array.

type NumericArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** A copy of `a` with capacity at least `need` (doubling), contents kept. */
export function grow<T extends NumericArray>(a: T, need: number): T {
  let cap = Math.max(a.length * 2, 16);
  while (cap < need) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a as never);
  return b;
}

/** An append-only list of numbers backed by a typed array. */
export class GrowableArray<T extends NumericArray> {
  data: T;
  length = 0;
  constructor(initial: T) {
    this.data = initial;
  }
  /** Appends `v` and returns its index. */
  push(v: number): number {
    if (this.length === this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
}
