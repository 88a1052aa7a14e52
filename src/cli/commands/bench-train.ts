import { benchTrain } from "../../train/bench_train.js";
import { defineCommand, int, str } from "../command.js";

export default defineCommand({
  name: "bench train",
  summary: "Benchmark full training steps and forward-only evaluation of the reference architecture on onnxruntime, against the PyTorch peer in the same run.",
  usage: "[--config cpu-small] [--batch 32] [--steps 5] [--threads 2] [--no-peer] [--profile]",
  options: { config: { type: "string" }, batch: { type: "string" }, steps: { type: "string" }, threads: { type: "string" }, "no-peer": { type: "boolean" }, profile: { type: "boolean" } },
  async run(v, _p, io) {
    return benchTrain({
      config: str(v, "config"),
      batch: int(v, "batch"),
      steps: int(v, "steps"),
      threads: int(v, "threads"),
      peer: v["no-peer"] !== true,
      profile: v.profile === true,
      onLine: io.json ? undefined : (s) => io.stderr.write(s + "\n"),
    });
  },
  human: (r) =>
    [
      `${r.config} (${r.params.toLocaleString("en-US")} params), batch ${r.batch}x${r.seq_len}, ${r.threads} threads`,
      `  train: ${r.train_tokens_per_s.toFixed(0)} tokens/s (${r.train_step_ms.toFixed(0)} ms/step), MFU ${(100 * r.mfu).toFixed(1)}% of ${r.gemm_gflops.toFixed(0)} GFLOP/s`,
      `  eval:  ${r.eval_tokens_per_s.toFixed(0)} tokens/s; peak RSS ${r.peak_rss_mib.toFixed(0)} MiB`,
      r.profile
        ? `  time (profiled): ${r.profile.gemm_ms_per_step.toFixed(0)} ms/step in GEMMs, ${r.profile.other_ms_per_step.toFixed(0)} ms/step in other ops; top: ${r.profile.by_op.slice(0, 6).map((o) => `${o.op} ${o.ms_per_step.toFixed(0)}`).join(", ")}`
        : `  time: ~${r.gemm_time_ms_estimate.toFixed(0)} ms GEMM-bound, ~${r.other_time_ms_estimate.toFixed(0)} ms the rest`,
      r.peer
        ? `  vs ${r.peer.peer}: train ${r.peer.train_tokens_per_s.toFixed(0)} tokens/s (${r.ratio_train!.toFixed(2)}x), eval ${r.peer.eval_tokens_per_s.toFixed(0)} tokens/s (${r.ratio_eval!.toFixed(2)}x)`
        : `  peer: ${r.peer_note}`,
    ].join("\n"),
});
