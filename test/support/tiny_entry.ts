// The baseline template's config overrides for harness tests: a 2x64 model with 64-token windows and
// 2,048-token batches, so a real run through the harness and the evaluator takes seconds.
export const TINY_ENTRY = { model_overrides: { layers: 2, dim: 64, heads: 4, kvHeads: 2, seqLen: 64 }, train_batch_tokens: 2048, eval_seq_len: 64, warmup_steps: 1, train_log_every: 10, warmdown_iters: 100 };
