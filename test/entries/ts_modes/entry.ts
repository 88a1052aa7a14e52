// A small streaming entry for the evaluator's and the harness's tests: a unigram model whose counts
// come from the artifact and grow by test-time training in observe(). config.json "mode" selects a
// deliberate misbehaviour, each of which the harness must catch:
//   honest | peek | train-before-score | unnormalized | nan | wrong-length | side-file | outside-file | read-val
import * as fs from "node:fs";

type Config = { mode?: string; path?: string; vocab?: number };

export async function train(ctx: { config: Config; vocabSize: number; clock: { expired(): boolean } }): Promise<Uint8Array> {
  if (ctx.config.mode === "read-val" && ctx.config.path) fs.readFileSync(ctx.config.path);
  return new TextEncoder().encode(JSON.stringify({ vocab: ctx.vocabSize }));
}

export async function load(artifact: Uint8Array, ctx: { config: Config; vocabSize: number }) {
  const mode = ctx.config.mode ?? "honest";
  if (mode === "side-file") fs.readFileSync(new URL("./README.md", import.meta.url));
  if (mode === "outside-file") fs.readFileSync(ctx.config.path!);
  const V = (JSON.parse(new TextDecoder().decode(artifact)) as { vocab: number }).vocab;
  const counts = new Float64Array(V).fill(1);
  let total = V;
  const learn = (tokens: Int32Array) => {
    for (const t of tokens) counts[t]++;
    total += tokens.length;
  };
  return {
    async score(tokens: Int32Array): Promise<Float32Array> {
      if (mode === "train-before-score") learn(tokens);
      const n = mode === "wrong-length" ? tokens.length - 1 : tokens.length;
      const out = new Float32Array(n * V);
      for (let j = 0; j < n; j++) {
        for (let v = 0; v < V; v++) {
          let p = counts[v] / total;
          if (mode === "peek") p = 0.5 * p + (v === tokens[j] ? 0.5 : 0);
          out[j * V + v] = mode === "unnormalized" ? Math.log(counts[v]) : Math.log(p);
        }
      }
      if (mode === "nan") out[0] = NaN;
      return out;
    },
    async observe(tokens: Int32Array): Promise<void> {
      learn(tokens);
    },
  };
}
