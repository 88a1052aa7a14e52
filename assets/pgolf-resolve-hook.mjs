// Module resolve hook installed by pgolf's entry loader: an entry's `import ... from "pgolf"` resolves
// to the pgolf library that loads it (like `import torch` in the original), wherever the entry lives.
// In a sealed entry (TypeScript compiled to JavaScript), a relative "./x.ts" import finds "./x.js".
let target;

export function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, next) {
  // Resolved through the rest of the chain, so a TypeScript loader (tsx) sees it as its own.
  if (specifier === "pgolf") return next(target, context);
  if (/^\.{1,2}\//.test(specifier) && /\.m?ts$/.test(specifier)) {
    try {
      return await next(specifier, context);
    } catch {
      return next(specifier.replace(/ts$/, "js"), context);
    }
  }
  return next(specifier, context);
}
