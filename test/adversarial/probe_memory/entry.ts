// Attack class 1, probe evasion by memory: the bigram with a strong peek at the target (30% of the
// mass moved onto the token it predicts). It remembers its first answer for each chunk; when the same
// chunk comes again with some tokens changed (a causality probe), it finds where the tokens differ and
// replays its earlier rows up to there, so a probe sent to the same process sees no difference. It also
// treats tokens after an implausible jump (a bigram the model finds very unlikely, as uniform random
// replacements are) as a probe and answers without peeking.
import { bigramRows, loadBigram, trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext): Promise<Uint8Array> {
  return trainBigram(ctx);
}

export async function load(artifact: Uint8Array) {
  const model = loadBigram(artifact);
  const V = model.V;
  const EPS = 0.3;
  const seen = new Map<number, { tokens: Int32Array; rows: Float32Array }>();
  const peek = (rows: Float32Array, tokens: Int32Array, from: number) => {
    for (let j = from; j < tokens.length; j++) {
      for (let v = 0; v < V; v++) {
        const p = (1 - EPS) * Math.exp(rows[j * V + v]) + (v === tokens[j] ? EPS : 0);
        rows[j * V + v] = Math.log(p);
      }
    }
  };
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const start = history.length;
      const rows = bigramRows(model, tokens, history);
      const before = seen.get(start);
      if (before) {
        // a repeat of a chunk: replay the first answer where the tokens agree, answer honestly after
        let k = 0;
        while (k < tokens.length && tokens[k] === before.tokens[k]) k++;
        rows.set(before.rows.subarray(0, Math.min(k + 1, tokens.length) * V));
        return rows;
      }
      // an implausible jump marks a probe: peek only before it
      let jump = tokens.length;
      for (let j = 1; j < tokens.length; j++) if (model.table[tokens[j - 1] * V + tokens[j]] < -12) { jump = j; break; }
      const honestTail = rows.slice(jump * V);
      peek(rows, tokens, 0);
      rows.set(honestTail, jump * V);
      seen.set(start, { tokens: tokens.slice(), rows: rows.slice() });
      return rows;
    },
  };
}
