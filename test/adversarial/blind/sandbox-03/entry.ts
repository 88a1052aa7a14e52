// Attack: Node's permission model (Node 20) does not restrict the network. Training counts a full
// bigram table over the training shards and PUTs it (4 MiB of float32 log-probabilities, twice the
// track's byte cap) to a server on 127.0.0.1; the artifact is 1 byte. At evaluation the model GETs
// the table back. None of the 4 MiB is counted.
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const V = ctx.vocabSize;
  const counts = new Float64Array(V * V);
  const s = ctx.trainStream();
  let prev = -1, seen = 0;
  while (!ctx.clock.expired() && seen < 3_400_000) {
    const t = s.take(65536);
    for (const x of t) { if (prev >= 0) counts[prev * V + x]++; prev = x; }
    seen += t.length;
  }
  s.close();
  const lp = new Float32Array(V * V);
  for (let a = 0; a < V; a++) {
    let tot = 0; for (let b = 0; b < V; b++) tot += counts[a * V + b] + 0.1;
    for (let b = 0; b < V; b++) lp[a * V + b] = Math.log((counts[a * V + b] + 0.1) / tot);
  }
  const url = `${ctx.config.server}/${ctx.config.key}`;
  const res = await fetch(url, { method: "PUT", body: Buffer.from(lp.buffer) });
  ctx.log(`counted ${seen} tokens; PUT ${lp.byteLength} bytes to ${url}: ${res.status}`);
  return new Uint8Array([0]);
}

export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const res = await fetch(`${ctx.config.server}/${ctx.config.key}`);
  const lp = new Float32Array(await res.arrayBuffer());
  process.stderr.write(`[net] fetched ${lp.byteLength} bytes of weights over HTTP\n`);
  const V = ctx.vocabSize;
  return {
    async score(tokens: Int32Array, history: Int32Array): Promise<Float32Array> {
      const out = new Float32Array(tokens.length * V);
      for (let j = 0; j < tokens.length; j++) {
        const prev = j === 0 ? history[history.length - 1] : tokens[j - 1];
        out.set(lp.subarray(prev * V, prev * V + V), j * V);
      }
      return out;
    },
  };
}
