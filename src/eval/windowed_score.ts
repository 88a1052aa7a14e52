// A windowed model's answer to one chunk of the stream, as the entry host (entry_host.ts) gives it
// to the evaluator: every target's row from the window eval_window.ts assigns it.
import type { WindowedModel } from "../entry/contract.js";
import { windowStart, type EvalWindow } from "../entry/eval_window.js";

/**
 * Windowed model -> distributions for `tokens` (stream positions start..start+n-1), given the history.
 * Target t is predicted by the window windowStart(t) (eval_window.ts) assigns it, from the inputs
 * windowStart(t)..t-1: a window's first input depends on t alone, never on the chunk. The windows a
 * chunk touches are cut at its last target (a position reads only earlier inputs, so the cut changes
 * no row of the contract), grouped by length and batched [rows, len] in calls of at most about n + L
 * positions: with S = L each length is one call, as before strides; with S < L a window costs L
 * positions for S targets, about L/S times the work.
 */
export async function windowedScore(model: WindowedModel, window: EvalWindow, vocab: number, history: Int32Array, tokens: Int32Array): Promise<Float32Array> {
  const start = history.length;
  const n = tokens.length;
  const end = start + n - 1; // the chunk's last target
  const at = (i: number) => (i < start ? history[i] : tokens[i - start]);
  // windows: first input s and first target of the chunk it scores, grouped by length (inputs s..len+s-1)
  const byLen = new Map<number, { s: number; first: number }[]>();
  for (let t = start; t <= end; ) {
    const s = windowStart(t, window);
    const last = Math.min(s + window.seqLen, end); // window s scores targets up to s + L
    const len = last - s;
    const list = byLen.get(len) ?? [];
    list.push({ s, first: t });
    byLen.set(len, list);
    t = last + 1;
  }
  const result = new Float32Array(n * vocab);
  for (const [len, all] of byLen) {
    // S = L: every window of a chunk covers at most n + L - 1 positions in all, so one call per length
    const maxRows = Math.max(1, Math.floor((n + window.seqLen) / len));
    for (let b = 0; b < all.length; b += maxRows) {
      const windows = all.slice(b, b + maxRows);
      const ids = new Int32Array(windows.length * len);
      windows.forEach(({ s }, r) => {
        for (let i = 0; i < len; i++) ids[r * len + i] = at(s + i);
      });
      const lp = await model.logProbs(ids, windows.length, len);
      if (lp.length !== windows.length * len * vocab) {
        throw new Error(`logProbs returned ${lp.length} values for ${windows.length} x ${len} positions x ${vocab} tokens`);
      }
      windows.forEach(({ s, first }, r) => {
        // targets first..s+len, predicted by inputs first-1..s+len-1 (row positions first-1-s..len-1)
        for (let i = first - 1 - s; i < len; i++) {
          const target = s + i + 1;
          result.set(lp.subarray((r * len + i) * vocab, (r * len + i + 1) * vocab), (target - start) * vocab);
        }
      });
    }
  }
  return result;
}
