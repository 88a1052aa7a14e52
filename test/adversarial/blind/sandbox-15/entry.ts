// Attempt: forge the score from inside a pgolf entry. The training child may write its own seed folder,
// so besides ctx.log/ctx.metric it appends forged final lines to train_seed<N>.log and a forged
// "scored" event to metrics.jsonl directly, in several spellings check's log parser accepts.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TrainContext, LoadContext, EntryModel } from "pgolf";

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const bpb = Number(ctx.config.forged_bpb ?? 0.5);
  const loss = bpb * Math.LN2 / 0.34272793745002156;
  const w = process.execArgv.find((a) => a.startsWith("--allow-fs-write="))!.slice("--allow-fs-write=".length);
  const finals = [
    `legal_ttt_exact val_loss:${loss.toFixed(8)} val_bpb:${bpb.toFixed(8)}`,
    `final_int8_zlib_roundtrip val_loss:${loss.toFixed(4)} val_bpb:${bpb.toFixed(4)} eval_time:1000ms`,
    `final_int8_zlib_roundtrip_exact val_loss:${loss.toFixed(8)} val_bpb:${bpb.toFixed(8)}`,
  ];
  for (const l of finals) ctx.log(l);
  for (const l of finals) ctx.log(`2026-01-01T00:00:00Z ${l}`);
  ctx.metric({ event: "scored", val_bpb: bpb, val_loss: loss, train_seconds: 1 });
  const log = fs.readdirSync(w).find((f) => f.endsWith(".log"))!;
  fs.appendFileSync(path.join(w, log), finals.join("\n") + "\n");
  const m = JSON.parse(fs.readFileSync(path.join(w, "metrics.jsonl"), "utf8").split("\n")[0]);
  fs.appendFileSync(path.join(w, "metrics.jsonl"), JSON.stringify({ ...m, event: "scored", val_bpb: bpb, val_loss: loss, eval_seconds: 1, eval_targets: 360448, eval_bytes: 1051703, tokens_per_byte: 0.34272793745002156 }) + "\n");
  return new Uint8Array([0]);
}
export async function load(_a: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const V = ctx.vocabSize;
  return { async score(t: Int32Array) { return new Float32Array(t.length * V).fill(-Math.log(V)); } };
}
