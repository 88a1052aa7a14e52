// The evaluation window of a windowed model, declared once: the two config keys pgolf reads for it
// (every other key of config.json belongs to the entry), typed and checked.
//   eval_seq_len L  window length in tokens (default 1024)
//   eval_stride  S  windows start every S tokens, 1 <= S <= L (default L: non-overlapping windows,
//                   the reference's eval_val). Window k reads inputs kS..kS+L-1; the first window
//                   scores all its targets (1..L), every later one only its last S (kS+L-S+1..kS+L),
//                   so each target after the first window has at least L - S tokens of context.
//                   The model runs about L/S times the positions of S = L.
import { PgolfError } from "../core/error.js";

/** The evaluation keys pgolf reads from an entry's config (a misspelt "eval_*" key is refused). */
export const EVAL_WINDOW_KEYS = ["eval_seq_len", "eval_stride"] as const;
export const DEFAULT_EVAL_SEQ_LEN = 1024;

export interface EvalWindow {
  /** L: tokens per window. */
  seqLen: number;
  /** S: tokens between window starts (L: non-overlapping). */
  stride: number;
}

function positiveInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1;
}

/** The window of an entry's config (with overrides merged in); `file` names the config.json for errors. */
export function evalWindow(config: Record<string, unknown>, file?: string): EvalWindow {
  const seqLen = config.eval_seq_len ?? DEFAULT_EVAL_SEQ_LEN;
  if (!positiveInt(seqLen)) {
    throw new PgolfError("CONFIG_INVALID", `eval_seq_len must be a positive integer (tokens per evaluation window), got ${JSON.stringify(seqLen)}`, {
      file,
      fix: `e.g. "eval_seq_len": 256, or leave it out for ${DEFAULT_EVAL_SEQ_LEN}`,
      details: { key: "eval_seq_len", value: seqLen },
    });
  }
  const stride = config.eval_stride === undefined ? seqLen : config.eval_stride;
  if (!positiveInt(stride) || stride > seqLen) {
    throw new PgolfError("CONFIG_INVALID", `eval_stride must be an integer from 1 to eval_seq_len (${seqLen}), got ${JSON.stringify(stride)}`, {
      file,
      fix: `e.g. "eval_stride": ${Math.max(1, Math.floor(seqLen / 2))} (each target then gets at least ${seqLen - Math.max(1, Math.floor(seqLen / 2))} tokens of context), or leave it out for non-overlapping windows (eval_stride = eval_seq_len)`,
      details: { key: "eval_stride", value: stride, eval_seq_len: seqLen },
    });
  }
  return { seqLen, stride };
}

/**
 * The window that scores target t (t >= 1, a stream position): its first input's position. Window 0
 * scores targets 1..L; window k >= 1 scores kS+L-S+1..kS+L, so for t > L, k = ceil((t - L) / S).
 * It depends on t alone, never on how the stream is cut into chunks.
 */
export function windowStart(t: number, w: EvalWindow): number {
  return t <= w.seqLen ? 0 : Math.ceil((t - w.seqLen) / w.stride) * w.stride;
}
