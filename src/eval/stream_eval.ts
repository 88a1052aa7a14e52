// The trusted evaluator's scoring loop: score-first streaming over the validation tokens.
//
// The stream is the course's validation tokens in order. Token 0 is context only; the scored targets
// are tokens 1..T with T = floor((N - 1) / SCORE_SEQ_LEN) * SCORE_SEQ_LEN, the reference's count, so
// every model is scored on the same targets (an entry with its own tokenizer: every target, T = N - 1,
// over the validation text tokenized by pgolf with that tokenizer; scoring_stream.ts). They are revealed in chunks of CHUNK_TOKENS; for each
// chunk the model returns a distribution for every target given all earlier tokens, the evaluator
// scores it, and only then sends the chunk's tokens as OBSERVE (where test-time training may learn).
// One left-to-right pass; nothing is scored twice.
//
// Two instances of the model run, each a fresh process in its own sandbox (model_process.ts) with the
// same artifact and HELLO: the scorer answers the real chunks, the prober answers probes, and both
// receive every OBSERVE in the same order, so an honest model is in the same state in both. Only the
// prober ever sees a probe; only the scorer ever sees a real chunk; they share no writable state. A
// probe is a real chunk with every token from a random position p on replaced by natural text (the
// tokens of another position of the stream, joined where the previous token matches when it can), so
// it cannot be told from a real chunk by its tokens. Rows 0..p of a distribution depend only on tokens
// the probe did not change, so the prober's rows 0..p must equal the scorer's bit for bit: models must
// be deterministic on identical inputs at the track's thread count (exact comparison, not a tolerance:
// a tolerance is room to peek, and a deterministic model costs nothing to compare exactly). A model
// that puts any mass on the token it is asked to predict changes row p; one that reads later tokens,
// or learns from a chunk while scoring it, changes rows before p; either fails (EVAL_CAUSALITY).
// A model that peeks only at a fraction f of rows is caught by each probe with probability about f.
//
// Checks and verdicts (by the community's names), on every run:
// - C1 causal: the probes above;
// - C2 normalized: every row finite with sum of exp = 1 within DIST_TOLERANCE (else
//   EVAL_DISTRIBUTION), and the score always uses the normalized row, log p - logsumexp, so a row
//   that sums to more than 1 gains nothing;
// - C3 score-first: a chunk's tokens are sent (OBSERVE) only after its answer is fixed, and no row
//   before a probe's replaced position may change (learning from a chunk before scoring it would);
// - C4 single pass: every target scored exactly once, in order.
// - bytes: the byte-table total over the whole validation stream must equal the course manifest's.
// On any failure the error carries a partial result (targets and chunks scored) and the verdicts,
// never a score.
import { PgolfError } from "../core/error.js";
import { Rng } from "../core/random.js";
import { targetBytes } from "../data/bytes.js";
import type { ByteTable } from "../data/tokenizer/tokenizer.js";
import { int32Payload, MessageKind, payloadFloat32 } from "../entry/protocol.js";
import { CHUNK_TOKENS, DIST_TOLERANCE, SCORE_SEQ_LEN } from "../entry/rules.js";
import { AtlasBuilder, type Atlas } from "./atlas.js";
import type { ModelProcess } from "./model_process.js";

export { CHUNK_TOKENS, DIST_TOLERANCE, SCORE_SEQ_LEN };

/** Chunks probed per run (all of them when there are fewer). */
export const DEFAULT_PROBES = 32;

export type ModelRole = "scorer" | "prober";

export interface StreamEvalOptions {
  tokens: ArrayLike<number>;
  table: ByteTable;
  vocabSize: number;
  /** The course manifest's byte-table total (over the whole stream, or its first floor((N-1)/seqLen)*seqLen targets), checked when given. */
  manifestTable?: { bytes: number; seqLen: number | null } | null;
  /** The course's raw UTF-8 byte count of the validation documents (reported). */
  rawUtf8Bytes?: number | null;
  /** Score only the first this-many targets (rounded down to SCORE_SEQ_LEN; for quick checks, reported). */
  maxTargets?: number;
  chunkTokens?: number;
  probes?: number;
  /** Seed of the probe choice (default: random; reported so a run can be repeated). */
  probeSeed?: number;
  /** Config sent to the model in HELLO (the entry's config with overrides). */
  config?: Record<string, unknown>;
  threads?: number | null;
  onProgress?: (p: { targets: number; total: number }) => void;
  /** Class mask per token id (token_classes.ts) for the atlas's class tallies; none: documents only. */
  tokenClasses?: Uint8Array | null;
  /**
   * Score every target (N - 1) rather than the reference's whole sequences of SCORE_SEQ_LEN: an
   * entry's own tokenizer is scored over the whole validation text, so that every tokenizer divides
   * by the same raw bytes.
   */
  allTargets?: boolean;
  /**
   * Bytes of the target at each stream position (index i: target i), instead of the byte table's
   * rule: an entry's own tokenizer has its bytes counted from the raw text (scoring_stream.ts).
   */
  bytesAt?: Uint32Array;
}

export interface Verdict {
  pass: boolean;
  evidence: Record<string, unknown>;
}

/** The community's four conditions for a valid (test-time-training) evaluation. */
export interface Verdicts {
  C1_causal: Verdict;
  C2_normalized: Verdict;
  C3_score_first: Verdict;
  C4_single_pass: Verdict;
}

export interface EvalReport {
  val_loss: number;
  val_bpb: number;
  targets: number;
  bytes: number;
  chunks: number;
  seconds: number;
  model: string;
  checks: {
    distributions: { rows: number; max_sum_error: number; tolerance: number; passed: boolean };
    causality: { probes: number; rows_compared: number; mismatched_rows: number; comparison: "exact"; instance: "fresh"; seed: number; passed: boolean };
    bytes: { scored: number; table_total: number; manifest_table: number | null; raw_utf8: number | null; passed: boolean };
  };
  verdicts: Verdicts;
  /** True when maxTargets cut the evaluation short: not a comparable score. */
  truncated: boolean;
  /** Where the bits went: nats and bytes per document and per token class (atlas.ts). */
  atlas: Atlas;
}

interface Partial {
  targets_scored: number;
  chunks_scored: number;
  targets_total: number;
}

function failWith(e: unknown, partial: Partial, verdicts: Verdicts): never {
  if (e instanceof PgolfError) {
    throw new PgolfError(e.code, `${e.message} (scored ${partial.targets_scored} of ${partial.targets_total} targets before this; no score is given)`, {
      file: e.file,
      fix: e.fix,
      details: { ...(e.details ?? {}), partial, verdicts },
      cause: e,
    });
  }
  throw e;
}

/**
 * Row r's log-normalizer: logsumexp of the row in float64, or NaN when a value is not finite (the
 * sum of exp is exp(lse); the score uses lp[target] - lse).
 */
function logSumExp(lp: Float32Array, off: number, V: number): number {
  let m = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = lp[off + v];
    if (!(x < Infinity) || x !== x || x === -Infinity) return NaN;
    if (x > m) m = x;
  }
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(lp[off + v] - m);
  return m + Math.log(s);
}

/** Replacement text for a probe: the stream's tokens from a position q, joined where the previous token matches when it can. */
function naturalReplacement(tokens: ArrayLike<number>, rng: Rng, prev: number, notFirst: number, n: number): { q: number; matched: boolean } {
  const hi = tokens.length - n; // q + n <= N
  const pick = () => 1 + Math.floor(rng.uniform() * Math.max(hi - 1, 1));
  let fallback = -1;
  for (let tries = 0; tries < 4096; tries++) {
    const q = pick();
    if (tokens[q] === notFirst) continue;
    if (tokens[q - 1] === prev) return { q, matched: true };
    if (fallback < 0) fallback = q;
  }
  if (fallback >= 0) return { q: fallback, matched: false };
  // a stream of one token repeated: any other token will do (the probe only needs token p to differ)
  return { q: -1, matched: false };
}

export async function evaluateStream(startModel: (role: ModelRole) => ModelProcess, o: StreamEvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const N = o.tokens.length;
  const V = o.vocabSize;
  const full = o.allTargets ? N - 1 : Math.floor((N - 1) / SCORE_SEQ_LEN) * SCORE_SEQ_LEN;
  const T = o.maxTargets === undefined ? full : o.allTargets ? Math.min(full, Math.max(1, o.maxTargets)) : Math.min(full, Math.max(SCORE_SEQ_LEN, Math.floor(o.maxTargets / SCORE_SEQ_LEN) * SCORE_SEQ_LEN));
  const C = o.chunkTokens ?? CHUNK_TOKENS;
  const chunks = Math.ceil(T / C);
  const partial: Partial = { targets_scored: 0, chunks_scored: 0, targets_total: T };

  const seed = o.probeSeed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = new Rng(seed);
  const nProbes = Math.min(o.probes ?? DEFAULT_PROBES, chunks);
  const probed = new Set<number>();
  while (probed.size < nProbes) probed.add(Math.floor(rng.uniform() * chunks));

  const dist = { rows: 0, max: 0 };
  const causal = { probes: 0, rows: 0, mismatched: 0, beforeReplaced: 0, first: null as null | Record<string, unknown> };
  const verdicts = (): Verdicts => ({
    C1_causal: {
      pass: causal.mismatched === 0,
      evidence: { probes: causal.probes, rows_compared: causal.rows, mismatched_rows: causal.mismatched, comparison: "exact (bitwise float32)", instance: "a second, fresh model process that never sees a real chunk", replacement: "natural text from another position of the stream", seed, first_mismatch: causal.first },
    },
    C2_normalized: { pass: dist.max <= DIST_TOLERANCE, evidence: { rows: dist.rows, max_sum_error: dist.max, tolerance: DIST_TOLERANCE, scored_as: "log p(target) - logsumexp(row)" } },
    C3_score_first: {
      pass: causal.beforeReplaced === 0,
      evidence: { chunks_scored: partial.chunks_scored, observe_after_score: true, rows_changed_before_replaced_position: causal.beforeReplaced },
    },
    C4_single_pass: { pass: true, evidence: { targets_scored: partial.targets_scored, targets_total: T, scored_once_in_order: true } },
  });

  // bytes: the whole stream's table total against the manifest (before any scoring)
  const tableSeq = o.manifestTable?.seqLen ?? null;
  const tableTargets = tableSeq ? Math.floor((N - 1) / tableSeq) * tableSeq : N - 1;
  let tableTotal = 0;
  const byteAt = o.bytesAt ? (i: number) => o.bytesAt![i] : (i: number) => targetBytes(o.table, o.tokens[i - 1], o.tokens[i]);
  for (let i = 1; i <= tableTargets; i++) tableTotal += byteAt(i);
  const manifestTable = o.manifestTable?.bytes ?? null;
  if (manifestTable !== null && tableTotal !== manifestTable) {
    throw new PgolfError("EVAL_BYTES", `the validation stream's byte-table total is ${tableTotal}, the course manifest says ${manifestTable}`, {
      fix: "the validation shards or the tokenizer do not match the course; run `pgolf data verify`",
      details: { table_total: tableTotal, manifest_table: manifestTable },
    });
  }

  let nats = 0;
  let bytes = 0;
  const atlas = new AtlasBuilder(o.tokens[0], o.tokenClasses ?? null);
  const scorer = startModel("scorer");
  const prober = nProbes > 0 ? startModel("prober") : null;
  const pendingProbes: Promise<void>[] = [];
  // the first failure of the prober (a mismatch, a crash), seen at the next chunk rather than at the end
  let probeFailure: unknown;
  const watch = (p: Promise<void>) => {
    p.catch((e: unknown) => {
      probeFailure ??= e;
    });
    pendingProbes.push(p);
  };
  try {
    const hello = (m: ModelProcess) =>
      m.request(MessageKind.HELLO, { protocol: 1, vocab_size: V, bos: o.tokens[0], artifact: m.artifactPath, config: o.config ?? {}, threads: o.threads ?? null, chunk_tokens: C, targets: T }, undefined, MessageKind.READY);
    const [ready] = await Promise.all([hello(scorer), prober ? hello(prober) : undefined]);
    const ask = async (m: ModelProcess, c: number, start: number, tokens: Int32Array): Promise<Float32Array> => {
      const r = await m.request(MessageKind.SCORE, { chunk: c, start }, int32Payload(tokens), MessageKind.DIST);
      if (r.header.chunk !== c || r.header.n !== tokens.length) {
        throw new PgolfError("EVAL_PROTOCOL", `chunk ${c}: the model's DIST says chunk ${JSON.stringify(r.header.chunk)} with n ${JSON.stringify(r.header.n)}, for chunk ${c} of ${tokens.length} targets`, {
          fix: "answer each SCORE with a DIST whose header repeats its chunk and gives n, the number of distributions",
          details: { chunk: c, header: r.header },
        });
      }
      const lp = payloadFloat32(r);
      if (lp.length !== tokens.length * V) {
        throw new PgolfError("EVAL_DISTRIBUTION", `chunk ${c}: the model returned ${lp.length} log-probabilities for ${tokens.length} targets x ${V} tokens`, {
          fix: "return one full distribution (vocab_size float32 log-probabilities) per target",
          details: { chunk: c, expected: tokens.length * V, actual: lp.length },
        });
      }
      return lp;
    };
    const chunkOf = (c: number) => {
      const start = 1 + c * C;
      const n = Math.min(C, T + 1 - start);
      const real = new Int32Array(n);
      for (let j = 0; j < n; j++) real[j] = o.tokens[start + j];
      return { c, start, real };
    };
    // The probe of chunk c, sent to the prober; its rows 0..p are compared with the scorer's once both are in.
    const probe = (c: number, start: number, real: Int32Array, scorerRows: Float32Array) => {
      const n = real.length;
      const p = Math.floor(rng.uniform() * n);
      const prev = p > 0 ? real[p - 1] : o.tokens[start - 1];
      const { q } = naturalReplacement(o.tokens, rng, prev, real[p], n - p);
      const alt = real.slice();
      for (let j = p; j < n; j++) alt[j] = q >= 0 ? o.tokens[q + (j - p)] : (real[j] + 1) % V;
      if (alt[p] === real[p]) alt[p] = (real[p] + 1) % V;
      const kept = scorerRows.slice(0, (p + 1) * V);
      const check = ask(prober!, c, start, alt).then((lp) => {
        causal.probes++;
        for (let j = 0; j <= p; j++) {
          causal.rows++;
          let same = true;
          for (let v = 0; v < V; v++) {
            if (lp[j * V + v] !== kept[j * V + v]) {
              same = false;
              break;
            }
          }
          if (same) continue;
          causal.mismatched++;
          if (j < p) causal.beforeReplaced++;
          causal.first ??= { chunk: c, position: start + j, replaced_from: start + p, row_in_chunk: j };
        }
        if (causal.mismatched > 0) {
          const f = causal.first!;
          throw new PgolfError(
            "EVAL_CAUSALITY",
            `chunk ${c}, target ${String(f.position)}: a fresh instance of the model, given the same history and the same tokens up to ${String(f.position)}, answered differently (only tokens from ${start + p} on, not yet revealed, were replaced): the distribution depends on the token it predicts or on later ones, or the model is not deterministic`,
            {
              fix: "a distribution may depend only on the tokens before its target, and must be the same bit for bit on the same inputs (fixed seeds, the track's thread count); learn from a chunk in observe(), after it is scored",
              details: { ...f, probes: causal.probes, mismatched_rows: causal.mismatched },
            },
          );
        }
      });
      watch(check);
    };
    // Checks and tallies one chunk's answer (while the scorer works on the next chunk).
    const tally = (start: number, real: Int32Array, lp: Float32Array) => {
      const n = real.length;
      for (let j = 0; j < n; j++) {
        const lse = logSumExp(lp, j * V, V);
        const err = Math.exp(lse) - 1;
        dist.rows++;
        if (!Number.isFinite(lse) || Math.abs(err) > DIST_TOLERANCE) {
          dist.max = Number.isFinite(err) ? Math.max(dist.max, Math.abs(err)) : Infinity;
          throw new PgolfError("EVAL_DISTRIBUTION", `target ${start + j}: the distribution ${Number.isFinite(lse) ? `sums to ${(1 + err).toPrecision(8)}` : "has a value that is not finite"} (tolerance ${DIST_TOLERANCE})`, {
            fix: "return normalized natural-log probabilities (log_softmax of the logits), all finite",
            details: { position: start + j, sum: 1 + err },
          });
        }
        dist.max = Math.max(dist.max, Math.abs(err));
        // the normalized row: a row that sums to more than 1 gains nothing
        const cost = -(lp[j * V + real[j]] - lse);
        const b = byteAt(start + j);
        nats += cost;
        bytes += b;
        atlas.add(start + j, o.tokens[start + j - 1], real[j], cost, b);
      }
      partial.targets_scored += n;
      partial.chunks_scored++;
      o.onProgress?.({ targets: partial.targets_scored, total: T });
    };
    const scoreChunk = (c: number) => {
      const ch = chunkOf(c);
      return ask(scorer, c, ch.start, ch.real).then((lp) => ({ ...ch, lp }));
    };
    let next = chunks > 0 ? scoreChunk(0) : undefined;
    for (let c = 0; c < chunks; c++) {
      const answer = await next!;
      // The answer is fixed now: reveal the chunk for learning, start the next one, then check this one.
      await scorer.request(MessageKind.OBSERVE, { chunk: c, start: answer.start }, int32Payload(answer.real), MessageKind.OK);
      next = c + 1 < chunks ? scoreChunk(c + 1) : undefined;
      next?.catch(() => undefined); // a failure is rethrown where it is awaited
      if (prober) {
        if (probed.has(c)) probe(c, answer.start, answer.real, answer.lp);
        watch(prober.request(MessageKind.OBSERVE, { chunk: c, start: answer.start }, int32Payload(answer.real), MessageKind.OK).then(() => undefined));
      }
      tally(answer.start, answer.real, answer.lp);
      if (probeFailure) throw probeFailure;
    }
    for (const p of pendingProbes) await p;
    return {
      val_loss: nats / T,
      val_bpb: nats / Math.LN2 / bytes,
      targets: T,
      bytes,
      chunks,
      seconds: (performance.now() - t0) / 1000,
      model: String(ready.header.model ?? ready.header.name ?? scorer.kind),
      checks: {
        distributions: { rows: dist.rows, max_sum_error: dist.max, tolerance: DIST_TOLERANCE, passed: true },
        causality: { probes: causal.probes, rows_compared: causal.rows, mismatched_rows: 0, comparison: "exact", instance: "fresh", seed, passed: true },
        bytes: { scored: bytes, table_total: tableTotal, manifest_table: manifestTable, raw_utf8: o.rawUtf8Bytes ?? null, passed: true },
      },
      verdicts: verdicts(),
      truncated: T < full,
      atlas: atlas.build(),
    };
  } catch (e) {
    scorer.abort(e as Error);
    prober?.abort(e as Error);
    return failWith(e, partial, verdicts());
  } finally {
    await Promise.all([scorer.close(), prober?.close()]);
  }
}
