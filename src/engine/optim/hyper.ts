// A hyperparameter that changes between steps (learning rate, momentum, bias corrections): a realized
// 0-d tensor fed to compiled graphs as an input, so changing it never recompiles anything. (Fixed
// numbers use Tensor.scalar, a constant baked into the graph.)
import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";

export class Hyper {
  readonly tensor: Tensor;

  constructor(value: number, dtype: DType = "float32", name?: string) {
    this.tensor = Tensor.from([value], [], { dtype, name });
  }

  get value(): number {
    return this.tensor.data![0];
  }

  set(value: number): void {
    this.tensor.data![0] = value;
  }
}
