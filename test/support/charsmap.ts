// Helpers for the tests of precompiled charsmaps (charsmap_builder, normalization_rule): the official
// sp1024 model's table, what a table does at one position, and rules as hex strings to compare.
import * as fs from "node:fs";
import { CharsMap } from "../../src/data/tokenizer/charsmap.js";
import type { CharsMapRule } from "../../src/data/tokenizer/charsmap_builder.js";
import { decodeModelProto } from "../../src/data/tokenizer/model_proto.js";
import { SP1024_MODEL } from "./fixtures.js";

/** The official sp1024 model's precompiled nmt_nfkc charsmap (needs the fixtures). */
export function officialCharsMap(): CharsMap {
  return CharsMap.decode(decodeModelProto(fs.readFileSync(SP1024_MODEL)).normalizer_spec.precompiled_charsmap);
}

/** What a charsmap does to `bytes` from `pos`: "matched length:replacement (hex)", or "-". */
export function probe(cm: CharsMap, bytes: Uint8Array, pos: number): string {
  const m = cm.longestMatch(bytes, pos, bytes.length);
  if (m === 0) return "-";
  return `${m}:${Buffer.from(cm.normalized.subarray(cm.lastValue, cm.lastValue + cm.replacementLength(cm.lastValue))).toString("hex")}`;
}

export const ruleKey = (r: CharsMapRule): string => Buffer.from(r.key).toString("hex");
export const ruleValue = (r: CharsMapRule): string => Buffer.from(r.value).toString("hex");
