// Every op, as functions over lazy tensors (the nn and model layers import from here).
export { add } from "./add.js";
export { div } from "./div.js";
export { expand } from "./expand.js";
export { matmul } from "./matmul.js";
export { mul } from "./mul.js";
export { neg } from "./neg.js";
export { reshape } from "./reshape.js";
export { sub } from "./sub.js";
export { sum } from "./sum.js";
export { transpose } from "./transpose.js";
