// The pgolf baseline entry: train_gpt.py's model and training on pgolf's engine.
//
// Model: 9x512 (baseline-9x512) or 4x256 (cpu-small) GPT with tied embeddings, RMS-normed Q/K with
// RoPE and a per-head q_gain, relu^2 MLP, resid_mix with x0, U-Net skips, tanh logit softcap 30.
// Training: Muon on block matrices (momentum warmed 0.85 -> 0.95), Adam on the embedding and scalars,
// warm-up steps that prime and then restore the initial state, lr warmdown by remaining wallclock.
// Export: per-row quantization (int8 as the reference; int6, the best codec and attention matrices
// quantized too (export_keep_float_max_numel 16384) by default here, so the cpu-small model fits the
// local track's 2,000,000 bytes), after ctx.trainingDone(): the training
// cap covers the loop, the track's export budget the export. The loop stops while its next step still
// fits under the cap, by the slowest recent step. qat_bits (off by default): quantization-aware training,
// the forward sees the weights the export quantizes as they will be stored (fake_quant; gradients pass
// straight through), from qat_start_fraction of the run (of its iterations or its cap, whichever is first).
// tokenizer (off by default): the entry's own SentencePiece model, a file in this folder; the training
// text is tokenized with it on the training clock, and the model's vocabulary is its.
// Switches past the reference (all off by default; the golf template turns on what pays, README "The
// golf template"): model_overrides (BigramHash, SmearGate, partial RoPE, XSA, depth recurrence: nn/
// and model/config.ts), warmdown_fraction (the lr warms down over the final fraction of the cap),
// lr_scale, weight_average ("ema" or "swa": the export gets the average of the weights,
// engine/optim/weight_average.ts), gptq_batches, and ttt_lora_rank (score-first test-time training
// with LoRA at evaluation: load() then returns a streaming model that learns from each chunk after the
// evaluator has scored it).
// Everything here counts as code bytes; the pgolf library ("pgolf") does not, as torch does not for train_gpt.py.
import {
  collectHessians,
  exportGPT,
  GPT,
  evalWindow,
  gptConfig,
  importGPT,
  logLines,
  logSoftmax,
  LoraTTT,
  lrMultiplier,
  muonMomentum,
  realize,
  loadTokenizer,
  REFERENCE_OPTIMIZER,
  Tensor,
  WeightAverage,
  tokenizeDocuments,
  TokenStream,
  TrainStep,
  windowedScore,
  type EntryModel,
  type LoadContext,
  type TrainContext,
} from "pgolf";
import { fileURLToPath } from "node:url";

interface Config {
  model: string;
  model_overrides: Record<string, unknown>;
  train_batch_tokens: number;
  iterations: number;
  warmup_steps: number;
  warmdown_iters: number;
  muon_momentum_warmup_start: number;
  muon_momentum_warmup_steps: number;
  train_log_every: number;
  checkpoint_every_seconds: number;
  /** Export precision (8: the reference's int8 per-row; fewer: bit-packed). */
  export_bits: number;
  /**
   * Float tensors of at most this many elements are exported as floats (absent: 65,536, the
   * reference's). The baseline sets 16,384: at dim 256 every attention matrix has exactly 65,536
   * elements, and kept in fp16 they put cpu-small's artifact over the local 2,000,000-byte cap.
   */
  export_keep_float_max_numel?: number;
  /** "zlib" (the reference's) or "best" (smallest of zlib and brotli). */
  export_codec: "zlib" | "best";
  /** Muon's decoupled weight decay per unit of lr (absent or 0: none, as the reference; later contest records used about 0.04). */
  muon_weight_decay?: number;
  /** Quantization-aware training at this many bits (set it to export_bits), 0 or absent: off. */
  qat_bits: number;
  /** Start QAT once this fraction of the iterations or of the wallclock cap has passed (0: from the start). */
  qat_start_fraction: number;
  /**
   * The entry's own SentencePiece tokenizer, a file in this folder (absent: the course's). Training
   * tokenizes the course's raw training text with it, inside the training time; the evaluator scores
   * the validation text tokenized with it, divided by its raw bytes (README, Your own tokenizer).
   */
  tokenizer?: string;
  /** Warm the lr down linearly over this final fraction of the wallclock cap (absent or 0: warmdown_iters, the reference's). */
  warmdown_fraction?: number;
  /** Multiplies every learning rate of the reference optimizer (absent: 1). */
  lr_scale?: number;
  /** Export an average of the weights instead of the last ones: "ema" or "swa" (absent: the last). */
  weight_average?: "ema" | "swa";
  /** EMA decay per step (absent: 0.999). */
  ema_decay?: number;
  /** SWA: fold a snapshot every this many steps (absent: 10). */
  swa_every?: number;
  /** Average from this fraction of the wallclock cap on (absent: 0). */
  average_start_fraction?: number;
  /**
   * GPTQ (absent or 0: round-to-nearest): after the loop, the input Hessians of every Linear layer
   * over this many training batches (model/hessians.ts), then the export quantizes those layers with
   * GPTQ (artifact/gptq.ts). Calibration reads training data, so it runs on the training clock: the
   * loop stops early enough to leave it room.
   */
  gptq_batches?: number;
  /**
   * Score-first test-time training with LoRA (absent or 0: off): the evaluator scores each chunk of the
   * validation stream first, then shows it to the model, which takes ttt_steps Adam steps (lr ttt_lr)
   * on adapters of this rank on the ttt_targets layers (model/test_time_training.ts). The evaluator's
   * causality probes check that no row is scored after learning from its own tokens.
   */
  ttt_lora_rank?: number;
  /** Adam's lr for the adapters (absent: 0.001). */
  ttt_lr?: number;
  /** Adam steps per observed chunk (absent: 1). */
  ttt_steps?: number;
  /** Layers with an adapter (absent: every block's attn.c_q and attn.c_v, and the head). */
  ttt_targets?: string[];
}

/** The model's config; `vocab` (an entry's own tokenizer's) replaces the named model's vocabulary. */
function modelConfig(c: Record<string, unknown>, vocab?: number) {
  return gptConfig(String(c.model), { ...((c.model_overrides ?? {}) as Record<string, unknown>), ...(vocab ? { vocabSize: vocab } : {}) });
}

export async function train(ctx: TrainContext): Promise<Uint8Array> {
  const c = ctx.config as unknown as Config;
  // an own tokenizer: the training text as one stream of its ids (BOS + ids per document), made here,
  // on the training clock
  const own = c.tokenizer ? loadTokenizer(fileURLToPath(new URL(c.tokenizer, import.meta.url))) : null;
  const ownTokens = own ? tokenizeDocuments(own, ctx.trainingText()) : null;
  if (own) ctx.log(`tokenizer:${c.tokenizer} vocab:${own.vocabSize} train_tokens:${ownTokens!.length}`);
  const freshStream = () => (own ? TokenStream.fromTokens(ownTokens!, own.vocabSize) : ctx.trainStream());
  const cfg = modelConfig(ctx.config, own?.vocabSize);
  const qatBits = c.qat_bits ?? 0;
  const qatStart = c.qat_start_fraction ?? 0;
  if (qatBits !== 0 && qatBits !== (c.export_bits ?? 8)) throw new Error(`qat_bits ${qatBits} differs from export_bits ${c.export_bits ?? 8}: set qat_bits to export_bits (or 0)`);
  const model = new GPT(cfg, { seed: ctx.seed, qatBits: qatStart > 0 ? 0 : qatBits, keepFloatMaxNumel: c.export_keep_float_max_numel });
  const k = c.lr_scale ?? 1;
  const R = REFERENCE_OPTIMIZER;
  const lrs = { tiedEmbedLr: R.tiedEmbedLr * k, embedLr: R.embedLr * k, headLr: R.headLr * k, matrixLr: R.matrixLr * k, scalarLr: R.scalarLr * k };
  const opt = new TrainStep(model, { ...R, ...lrs, muonWeightDecay: c.muon_weight_decay ?? 0 });
  const avg = c.weight_average ? new WeightAverage(model.parameters(), { kind: c.weight_average, decay: c.ema_decay, every: c.weight_average === "swa" ? (c.swa_every ?? 10) : 1 }) : null;
  const seq = cfg.seqLen;
  ctx.log(`model_params:${model.parameterCount()}`);
  ctx.log(`train_batch_tokens:${c.train_batch_tokens} train_seq_len:${seq} iterations:${c.iterations} warmup_steps:${c.warmup_steps}`);

  let stream = freshStream();
  const batch = () => {
    const b = stream.nextBatch(c.train_batch_tokens, seq);
    return [Tensor.from(b.x, [b.rows, seq]), Tensor.from(b.y, [b.rows, seq])] as const;
  };

  let step = 0;
  const saved = ctx.loadCheckpoint();
  if (saved) {
    const meta = opt.loadState(saved, (get) => avg?.loadEntries(get));
    step = meta.step as number;
    stream.seek(meta.stream as { shard: number; offset: number });
    ctx.log(`resumed at step:${step}`);
  } else if (c.warmup_steps > 0) {
    // Warm-up compiles the step and sizes memory; then the initial weights and optimizer state come
    // back so that training starts from the true init (as the reference does).
    const initial = opt.saveState();
    for (let i = 1; i <= c.warmup_steps; i++) {
      await opt.step(...batch());
      ctx.log(logLines.warmupStep(i, c.warmup_steps));
    }
    opt.loadState(initial);
    stream.close();
    stream = freshStream();
  }

  let lastCheckpoint = ctx.clock.elapsedMs();
  const schedule = { warmdownIters: c.warmdown_iters, iterations: c.iterations, maxWallclockMs: ctx.clock.capMs };
  // warmdown_fraction f: lr x min(1, time left / (f x cap)), by the harness's clock
  const lrAt = (elapsedMs: number) =>
    c.warmdown_fraction ? Math.min(1, Math.max(ctx.clock.capMs - elapsedMs, 0) / (c.warmdown_fraction * ctx.clock.capMs)) : lrMultiplier(step, elapsedMs, schedule);
  // The cap is the harness's: stop while the next step still fits, judged by the slowest of the last
  // few steps (a busy machine slows steps down; a step that starts just before the cap ends after it).
  const recent: number[] = [];
  let stepStart = ctx.clock.elapsedMs();
  const gptqBatches = c.gptq_batches ?? 0;
  while (step < c.iterations) {
    const nextStepMs = recent.length > 0 ? Math.max(...recent) : 0;
    // calibration's room: a forward is about a third of a step; three more steps and 5 s cover compiling its graph
    const reserveMs = gptqBatches > 0 ? (gptqBatches + 3) * nextStepMs + 5000 : 0;
    if (ctx.clock.elapsedMs() + nextStepMs + reserveMs >= ctx.clock.capMs) {
      ctx.log(logLines.stoppingEarly(ctx.clock.elapsedMs(), step, c.iterations));
      break;
    }
    if (qatBits && !model.qatBits && Math.max(step / c.iterations, ctx.clock.elapsedMs() / ctx.clock.capMs) >= qatStart) {
      ctx.log(`qat_bits:${qatBits} from step:${step} weights:${model.setQat(qatBits).join(",")}`); // late QAT: a new graph from here
    }
    opt.setSchedule(
      lrAt(ctx.clock.elapsedMs()),
      muonMomentum(step, { start: c.muon_momentum_warmup_start, end: REFERENCE_OPTIMIZER.muonMomentum, warmupSteps: c.muon_momentum_warmup_steps }),
    );
    const loss = await opt.step(...batch());
    step++;
    const t = ctx.clock.elapsedMs();
    if (avg && t >= (c.average_start_fraction ?? 0) * ctx.clock.capMs) avg.fold();
    recent.push(t - stepStart);
    if (recent.length > 8) recent.shift();
    if (step <= 10 || step % c.train_log_every === 0) ctx.log(logLines.trainStep(step, c.iterations, loss, t));
    ctx.metric({ step, train_loss: loss, train_time_ms: Math.round(t), tokens: step * c.train_batch_tokens });
    ctx.progress({ step, loss, tokens: step * c.train_batch_tokens });
    if (t - lastCheckpoint >= c.checkpoint_every_seconds * 1000) {
      await ctx.saveCheckpoint(opt.saveState({ step, stream: stream.position }, avg?.stateEntries()));
      lastCheckpoint = ctx.clock.elapsedMs();
    }
    stepStart = ctx.clock.elapsedMs();
  }
  // the weights to export: calibration must see them
  if (avg) {
    ctx.log(`weight_average:${avg.kind} snapshots:${avg.count}`);
    avg.apply();
  }
  let hessians: Map<string, Float64Array> | undefined;
  if (gptqBatches > 0) {
    const t0 = ctx.clock.elapsedMs();
    const cal = await collectHessians(model, Array.from({ length: gptqBatches }, () => batch()[0]));
    hessians = cal.byWeight;
    ctx.log(`gptq:hessians collected layers=${hessians.size} tokens=${cal.tokens} (training data) time=${((ctx.clock.elapsedMs() - t0) / 1000).toFixed(1)}s`);
  }
  stream.close();
  // the training loop and calibration are over: quantization and compression run on the track's export budget
  ctx.trainingDone();
  return exportGPT(model, { codec: c.export_codec ?? "zlib", bits: c.export_bits ?? 8, keepFloatMaxNumel: c.export_keep_float_max_numel, hessians });
}

export async function load(artifact: Uint8Array, ctx: LoadContext): Promise<EntryModel> {
  const c = ctx.config as unknown as Config;
  // with an own tokenizer, the evaluator announces its vocabulary
  const model = importGPT(artifact, modelConfig(ctx.config, ctx.config.tokenizer ? ctx.vocabSize : undefined));
  const windowed = {
    async logProbs(ids: Int32Array, rows: number, seqLen: number): Promise<Float32Array> {
      const lp = logSoftmax(model.logits(Tensor.from(ids, [rows, seqLen])), -1);
      await realize(lp);
      return lp.data as Float32Array;
    },
  };
  if (!c.ttt_lora_rank) return windowed;
  // score-first TTT: a streaming model that scores with the same windows the evaluator would cut, and
  // learns from a chunk only when the evaluator shows it, after scoring it
  const ttt = new LoraTTT(model, {
    rank: c.ttt_lora_rank,
    lr: c.ttt_lr ?? 0.001,
    steps: c.ttt_steps ?? 1,
    targets: c.ttt_targets ?? ["attn.c_q", "attn.c_v", "head"],
    seqLen: model.config.seqLen,
    seed: 1,
  });
  const window = evalWindow(ctx.config);
  return {
    score: (tokens: Int32Array, history: Int32Array) => windowedScore(windowed, window, ctx.vocabSize, history, tokens),
    observe: (tokens: Int32Array, history: Int32Array) => ttt.learn(tokens, history),
  };
}
