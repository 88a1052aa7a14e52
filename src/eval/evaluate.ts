// Scoring a model on validation tokens the way the reference eval_val does: non-overlapping windows
// of seqLen over the stream ((N - 1) // seqLen windows), each target's negative log-probability in
// nats, bytes from the reference byte table; val_loss = nats / targets, val_bpb = nats / (ln 2 bytes).
// Every distribution is checked: finite, and summing to 1 within DIST_TOLERANCE.
// This is the slow, obviously-correct in-process reference for windowed models; the trusted
// evaluator (stream_eval.ts, the model in its own process) is tested against it.
import { PgolfError } from "../core/error.js";
import { DIST_TOLERANCE } from "../entry/rules.js";
import { scoredTargets, targetBytes } from "../data/bytes.js";
import type { ByteTable } from "../data/tokenizer/tokenizer.js";
import type { WindowedModel } from "../entry/contract.js";


export interface EvalResult {
  val_loss: number;
  val_bpb: number;
  targets: number;
  bytes: number;
  seconds: number;
}

export async function evaluateTokens(
  model: WindowedModel,
  tokens: ArrayLike<number>,
  table: ByteTable,
  opts: { seqLen: number; batchSeqs?: number; vocabSize: number; deadlineMs?: number },
): Promise<EvalResult> {
  const t0 = performance.now();
  const L = opts.seqLen;
  const V = opts.vocabSize;
  const targets = scoredTargets(tokens.length, L);
  const seqs = targets / L;
  const per = opts.batchSeqs ?? 32;
  let nats = 0;
  let bytes = 0;
  for (let s = 0; s < seqs; s += per) {
    const rows = Math.min(per, seqs - s);
    const ids = new Int32Array(rows * L);
    for (let i = 0; i < rows * L; i++) ids[i] = tokens[s * L + i];
    const lp = await model.logProbs(ids, rows, L);
    if (lp.length !== rows * L * V) {
      throw new PgolfError("CONFIG_INVALID", `the model returned ${lp.length} log-probabilities for ${rows * L} positions x ${V} tokens`, { fix: "return [rows * seqLen, vocab] log-probabilities" });
    }
    for (let p = 0; p < rows * L; p++) {
      const off = p * V;
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(lp[off + v]);
      if (!Number.isFinite(z) || Math.abs(z - 1) > DIST_TOLERANCE) {
        throw new PgolfError("CONFIG_INVALID", `the distribution at position ${s * L + p} sums to ${z}, not 1 (tolerance ${DIST_TOLERANCE})`, {
          fix: "return normalized log-probabilities (log_softmax of the logits)",
        });
      }
      const index = s * L + p + 1; // the target's index in the token stream
      nats -= lp[off + tokens[index]];
      bytes += targetBytes(table, tokens[index - 1], tokens[index]);
    }
    if (opts.deadlineMs !== undefined && performance.now() - t0 > opts.deadlineMs) {
      throw new PgolfError("CONFIG_INVALID", `evaluation passed its ${opts.deadlineMs / 1000} s cap after ${s + rows} of ${seqs} sequences`, { fix: "make evaluation faster" });
    }
  }
  return { val_loss: nats / targets, val_bpb: nats / Math.LN2 / bytes, targets, bytes, seconds: (performance.now() - t0) / 1000 };
}
