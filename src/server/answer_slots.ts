// Answers that hold a file open while the client reads them (a submission's file, a whole pack:
// stored_packs.ts) are bounded: at most MAX_STREAMED_ANSWERS at once, MAX_STREAMED_PER_ADDRESS from
// one address. A client that stops reading holds its slot, an open file and what the kernel buffers
// for its socket (~4 MiB) until the 60 s stall cut (http_util.ts sendSized); a blind attack opened 40
// such readers from one address and /healthz waited 0.4-1.1 s while the kernel buffers filled.
// Past a limit the answer is 503 before the file is opened.
import type { MiddlewareHandler } from "hono";
import { PgolfError } from "../core/error.js";
import type { AppEnv } from "./app.js";
import { addressKey } from "./connection_guard.js";

export const MAX_STREAMED_ANSWERS = 32;
export const MAX_STREAMED_PER_ADDRESS = 4;

/**
 * A middleware that holds a slot from the request until its answer is sent or its connection
 * closes (the node response's `close`), not until the handler returns: a streamed answer goes on
 * after that.
 */
export function answerSlots(limits: { total: number; perAddress: number } = { total: MAX_STREAMED_ANSWERS, perAddress: MAX_STREAMED_PER_ADDRESS }): MiddlewareHandler<AppEnv> {
  let all = 0;
  const by = new Map<string, number>();
  return async (c, next) => {
    const key = addressKey(c.env?.incoming?.socket?.remoteAddress);
    const mine = by.get(key) ?? 0;
    if (mine >= limits.perAddress || all >= limits.total) {
      const why = mine >= limits.perAddress ? `this address is being sent ${mine} files, its limit` : `the server is sending ${all} files, its limit`;
      throw new PgolfError("HTTP_BUSY", why, { fix: "read the answers already asked for to their end, then retry" });
    }
    all++;
    by.set(key, mine + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      all--;
      const left = (by.get(key) ?? 1) - 1;
      if (left > 0) by.set(key, left);
      else by.delete(key);
    };
    const outgoing = c.env?.outgoing;
    if (!outgoing) {
      try {
        return await next();
      } finally {
        release();
      }
    }
    outgoing.once("close", release);
    try {
      await next();
    } catch (e) {
      release();
      throw e;
    }
  };
}
