// Attack class 7, self-reported time: the entry holds the clock object the harness gave it. It makes
// that clock run at 1/`slowdown` speed and trains until it says the cap is reached (`slowdown` times the
// cap), and it tries to rewrite the resume ledger (the checkpoint's elapsed time) in its run folder.
import * as fs from "node:fs";
import { trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext & { clock: { elapsedMs(): number; expired(): boolean; capMs: number } }): Promise<Uint8Array> {
  const slowdown = Number(ctx.config.slowdown ?? 5);
  const real = ctx.clock.elapsedMs.bind(ctx.clock);
  ctx.clock.elapsedMs = () => real() / slowdown;
  ctx.clock.expired = () => ctx.clock.elapsedMs() >= ctx.clock.capMs;
  if (typeof ctx.config.ledger === "string") {
    // a checkpoint that says no time was used
    fs.writeFileSync(ctx.config.ledger, Buffer.from("PGCK"));
  }
  // busy "training" until the slowed clock runs out
  let x = 0;
  while (!ctx.clock.expired()) for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
  ctx.log(`trained_on_slow_clock:${x > 0}`);
  return trainBigram({ ...ctx, config: { ...ctx.config, max_tokens: 100000 } });
}

export { load } from "./load.js";
