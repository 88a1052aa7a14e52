// The reference's log line formats (train_gpt.py), exactly, so existing tooling reads pgolf logs.

export const logLines = {
  trainStep: (step: number, iterations: number, loss: number, trainMs: number) =>
    `step:${step}/${iterations} train_loss:${loss.toFixed(4)} train_time:${trainMs.toFixed(0)}ms step_avg:${(trainMs / Math.max(step, 1)).toFixed(2)}ms`,
  valStep: (step: number, iterations: number, valLoss: number, valBpb: number, trainMs: number) =>
    `step:${step}/${iterations} val_loss:${valLoss.toFixed(4)} val_bpb:${valBpb.toFixed(4)} train_time:${trainMs.toFixed(0)}ms step_avg:${(trainMs / Math.max(step, 1)).toFixed(2)}ms`,
  stoppingEarly: (trainMs: number, step: number, iterations: number) => `stopping_early: wallclock_cap train_time:${trainMs.toFixed(0)}ms step:${step}/${iterations}`,
  warmupStep: (i: number, n: number) => `warmup_step:${i}/${n}`,
  /** The harness's own timing of a run (pgolf logs): the training loop, the export, their caps, and whether both were met. */
  harnessTiming: (trainMs: number, exportMs: number, capMs: number, exportCapMs: number, within: boolean) =>
    `pgolf_timing: train_time:${trainMs.toFixed(0)}ms export_time:${exportMs.toFixed(0)}ms cap:${Number.isFinite(capMs) ? `${capMs.toFixed(0)}ms` : "none"} export_cap:${Number.isFinite(exportCapMs) ? `${exportCapMs.toFixed(0)}ms` : "none"} within_time:${within}`,
  serialized: (bytes: number) => `Serialized model int8+zlib: ${bytes} bytes`,
  codeSize: (bytes: number) => `Code size: ${bytes} bytes`,
  totalSize: (bytes: number) => `Total submission size int8+zlib: ${bytes} bytes`,
  roundtrip: (valLoss: number, valBpb: number, evalMs: number) =>
    `final_int8_zlib_roundtrip val_loss:${valLoss.toFixed(4)} val_bpb:${valBpb.toFixed(4)} eval_time:${evalMs.toFixed(0)}ms`,
  roundtripExact: (valLoss: number, valBpb: number) => `final_int8_zlib_roundtrip_exact val_loss:${valLoss.toFixed(8)} val_bpb:${valBpb.toFixed(8)}`,
};
