// Module resolve hook installed by pgolf's entry loader: an entry's `import ... from "pgolf"` resolves
// to the pgolf library that loads it (like `import torch` in the original), wherever the entry lives.
let target;

export function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, next) {
  // Resolved through the rest of the chain, so a TypeScript loader (tsx) sees it as its own.
  if (specifier === "pgolf") return next(target, context);
  return next(specifier, context);
}
