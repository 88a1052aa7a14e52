// The package version, read from package.json once (it is recorded in manifests and records).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export const VERSION: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

/** Versions a record states: pgolf, Node and the onnxruntime-node package (read from its package.json, not loaded). */
export function runtimeVersions(): { pgolf: string; node: string; onnxruntime: string } {
  let onnxruntime = "unknown";
  try {
    const req = createRequire(import.meta.url);
    onnxruntime = (JSON.parse(readFileSync(req.resolve("onnxruntime-node/package.json"), "utf8")) as { version: string }).version;
  } catch {
    // not installed: records say so
  }
  return { pgolf: VERSION, node: process.versions.node, onnxruntime };
}
