// Retrying a request to a contest server that failed for a passing reason: the server could not be
// reached (restarting, connection reset) or answered 503 (its database is unreachable). Waits grow
// (250 ms, 500 ms, 1 s, ... up to 8 s, each between half and all of that) over 8 attempts, 12 to
// 24 s in all. Only requests the server makes safe to repeat are retried this way: uploads, reviews
// and result reports are recorded once however often they arrive (contest.ts).
import { isPgolfError, type PgolfError } from "../core/error.js";

export interface RetryOptions {
  /** Attempts in all, the first included; default 8 (1 means no retry). */
  attempts?: number;
  /** The first wait, ms; doubled after each failed attempt; default 250. */
  baseDelayMs?: number;
  /** The longest wait, ms; default 8000. */
  maxDelayMs?: number;
  /** Called before each wait: the attempt that failed (1, 2...), its error, and the wait. */
  onRetry?: (attempt: number, error: PgolfError, delayMs: number) => void;
}

/** Errors worth another attempt: the server unreachable or its database unavailable. */
export function isRetryable(e: unknown): e is PgolfError {
  return isPgolfError(e, "FETCH_UNREACHABLE") || isPgolfError(e, "DB_UNAVAILABLE") || isPgolfError(e, "HTTP_BUSY") || (isPgolfError(e, "FETCH_HTTP") && [502, 503, 504].includes(Number(e.details?.status)));
}

/** Runs fn until it succeeds, fails with an error that is not retryable, or the attempts run out (the last error is thrown). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? 8);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= attempts || !isRetryable(e)) throw e;
      const cap = Math.min(o.maxDelayMs ?? 8000, (o.baseDelayMs ?? 250) * 2 ** (attempt - 1));
      const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
      o.onRetry?.(attempt, e, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
