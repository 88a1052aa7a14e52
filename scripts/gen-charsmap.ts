// Regenerates assets/nmt_nfkc.charsmap.br: SentencePiece's nmt_nfkc rules, compiled from this Node's
// ICU and pinned in the repository, so tokenizers trained by pgolf are byte-identical whatever Node
// (and Unicode version) builds them. Run: npx tsx scripts/gen-charsmap.ts, then update PINNED_SHA256
// and PINNED_UNICODE in src/data/tokenizer/pinned_charsmap.ts.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { buildCharsMap } from "../src/data/tokenizer/charsmap_builder.js";
import { nmtNfkcRules } from "../src/data/tokenizer/normalization_rule.js";

const blob = buildCharsMap(nmtNfkcRules()).encode();
const out = new URL("../assets/nmt_nfkc.charsmap.br", import.meta.url);
fs.writeFileSync(out, zlib.brotliCompressSync(blob, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
console.log(`wrote ${out.pathname}: ${blob.length} bytes, sha256 ${createHash("sha256").update(blob).digest("hex")}, unicode ${process.versions.unicode}`);
