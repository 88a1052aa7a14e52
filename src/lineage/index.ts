// The attribution library, as the package's "pgolf/lineage" export. It is kept out of the main
// entry ("pgolf"), which entries import inside the sandbox: its parsers and decoders
// (web-tree-sitter, dolos-core, the lzma and bzip2 decoders) are not among the packages an entry
// may load, and an entry has no use for them.
export { lineage, analyzeLineage, checkAgainstIndex, indexLineage, type LineageReport, type LineageResult } from "./lineage.js";
export { LineageIndex } from "./lineage_index.js";
export { unwrapSource } from "./unwrap.js";
export { checkWithLineage } from "./check_with_lineage.js";
