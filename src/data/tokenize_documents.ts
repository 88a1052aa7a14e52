// Documents as one token stream, laid out as the challenge's shards are: BOS, then the document's ids,
// for each document in order. An entry with its own tokenizer makes its training stream this way from
// ctx.trainingText(), inside its training time (TokenStream.fromTokens reads it in batches).
import type { Tokenizer } from "./tokenizer/tokenizer.js";

export function tokenizeDocuments(tok: Tokenizer, docs: readonly string[]): Int32Array {
  return joinDocuments(tok.bosId, docs.map((d) => tok.encode(d)));
}

/** Documents' ids as one stream: BOS, then each document's ids, in order. */
export function joinDocuments(bos: number, parts: readonly ArrayLike<number>[]): Int32Array {
  const out = new Int32Array(parts.reduce((a, p) => a + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    out[o++] = bos;
    out.set(p, o);
    o += p.length;
  }
  return out;
}
