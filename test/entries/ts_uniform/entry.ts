// The uniform model, for the evaluator's tests of an entry's own tokenizer: every distribution is
// 1/V over the vocabulary the evaluator announces (the entry's tokenizer's, config.json "tokenizer").
// Its bits per byte are log2(V) x targets / bytes, whatever the text. The tests write tokenizer.model
// into a copy of this folder (src/eval/scoring_stream.test.ts).
export async function train(ctx: { vocabSize: number }): Promise<Uint8Array> {
  return new TextEncoder().encode(JSON.stringify({ uniform: true, course_vocab: ctx.vocabSize }));
}

export async function load(_artifact: Uint8Array, ctx: { vocabSize: number }) {
  const V = ctx.vocabSize;
  return {
    async score(tokens: Int32Array): Promise<Float32Array> {
      return new Float32Array(tokens.length * V).fill(-Math.log(V));
    },
  };
}
