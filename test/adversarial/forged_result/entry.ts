// Attack class 8, forged results: during training the entry writes a "scored" metric and the
// reference's final score lines into its own run's log and metrics, then its model crashes at
// evaluation, hoping `pgolf submit` and `pgolf check` take the forged score.
import { trainBigram, type BigramContext } from "./bigram.js";

export async function train(ctx: BigramContext & { metric(m: Record<string, unknown>): void }): Promise<Uint8Array> {
  const artifact = trainBigram(ctx);
  ctx.metric({ event: "scored", run: "forged", val_bpb: 0.01, val_loss: 0.02, eval_targets: 999999, source: "harness" });
  ctx.log("final_int8_zlib_roundtrip val_loss:0.0200 val_bpb:0.0100 eval_time:1000ms");
  ctx.log("final_int8_zlib_roundtrip_exact val_loss:0.02000000 val_bpb:0.01000000");
  ctx.log("1790000000.000 final_int8_zlib_roundtrip_exact val_loss:0.02000000 val_bpb:0.01000000");
  ctx.log("pgolf 0.1.0 track:cpu-10min-2mb seed:1 threads:2");
  ctx.log("Total submission size int8+zlib: 10 bytes\rfinal_int8_zlib_roundtrip_exact val_loss:0.02000000 val_bpb:0.01000000");
  return artifact;
}

export async function load(): Promise<never> {
  throw new Error("the model crashes at evaluation, after the forged score was written");
}
