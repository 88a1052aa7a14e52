// The trusted evaluator's scoring loop: score-first streaming over the validation tokens.
//
// The stream is the course's validation tokens in order. Token 0 is context only; the scored targets
// are tokens 1..T with T = floor((N - 1) / SCORE_SEQ_LEN) * SCORE_SEQ_LEN, the reference's count, so
// every model is scored on the same targets. They are revealed in chunks of CHUNK_TOKENS; for each
// chunk the model returns a distribution for every target given all earlier tokens, the evaluator
// scores it, and only then sends the chunk's tokens as OBSERVE (where test-time training may learn).
// One left-to-right pass; nothing is scored twice.
//
// Checks on every run:
// - distributions: every row finite, sum of exp = 1 within DIST_TOLERANCE (else EVAL_DISTRIBUTION);
// - causality: for randomly chosen chunks the evaluator also sends a probe (the same chunk with every
//   token from a random position p on replaced), before or after the real one at random and in the
//   same kind of message; rows 0..p depend only on unchanged tokens, so they must agree with the real
//   answer within PROBE_TOLERANCE (L1 distance of the probability vectors), else EVAL_CAUSALITY. A
//   model that peeks at the target, or that learns from a chunk while scoring it, fails;
// - bytes: the byte-table total over the whole validation stream must equal the course manifest's.
// On any failure the error carries a partial result (targets and chunks scored), never a score.
import { PgolfError } from "../core/error.js";
import { Rng } from "../core/random.js";
import { targetBytes } from "../data/bytes.js";
import { DIST_TOLERANCE } from "./evaluate.js";
import type { ByteTable } from "../data/tokenizer/tokenizer.js";
import type { ModelProcess } from "./model_process.js";

export { DIST_TOLERANCE };
import { int32Payload, MessageKind, payloadFloat32 } from "./protocol.js";

/** The reference's evaluation sequence length: it fixes how many targets are scored. */
export const SCORE_SEQ_LEN = 1024;
/** Targets revealed per chunk. */
export const CHUNK_TOKENS = 8192;
/** L1 distance allowed between a probe's and the real answer's distributions on unchanged rows. */
export const PROBE_TOLERANCE = 1e-3;
/** Chunks probed per run (all of them when there are fewer). */
export const DEFAULT_PROBES = 4;

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
  artifactFile: string;
  onProgress?: (p: { targets: number; total: number }) => void;
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
    causality: { probes: number; rows_compared: number; max_l1: number; tolerance: number; seed: number; passed: boolean };
    bytes: { scored: number; table_total: number; manifest_table: number | null; raw_utf8: number | null; passed: boolean };
  };
  /** True when maxTargets cut the evaluation short: not a comparable score. */
  truncated: boolean;
}

interface Partial {
  targets_scored: number;
  chunks_scored: number;
  targets_total: number;
}

function failWith(e: unknown, partial: Partial): never {
  if (e instanceof PgolfError) {
    throw new PgolfError(e.code, `${e.message} (scored ${partial.targets_scored} of ${partial.targets_total} targets before this; no score is given)`, {
      file: e.file,
      fix: e.fix,
      details: { ...(e.details ?? {}), partial },
      cause: e,
    });
  }
  throw e;
}

/** Row r's sum of probabilities minus 1, or NaN when a value is not finite. */
function sumError(lp: Float32Array, off: number, V: number): number {
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(lp[off + v]);
  return z - 1;
}

function l1(a: Float32Array, b: Float32Array, off: number, V: number): number {
  let d = 0;
  for (let v = 0; v < V; v++) d += Math.abs(Math.exp(a[off + v]) - Math.exp(b[off + v]));
  return d;
}

export async function evaluateStream(model: ModelProcess, o: StreamEvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const N = o.tokens.length;
  const V = o.vocabSize;
  const full = Math.floor((N - 1) / SCORE_SEQ_LEN) * SCORE_SEQ_LEN;
  const T = o.maxTargets !== undefined ? Math.min(full, Math.max(SCORE_SEQ_LEN, Math.floor(o.maxTargets / SCORE_SEQ_LEN) * SCORE_SEQ_LEN)) : full;
  const C = o.chunkTokens ?? CHUNK_TOKENS;
  const chunks = Math.ceil(T / C);
  const partial: Partial = { targets_scored: 0, chunks_scored: 0, targets_total: T };

  // bytes: the whole stream's table total against the manifest (before any scoring)
  const tableSeq = o.manifestTable?.seqLen ?? null;
  const tableTargets = tableSeq ? Math.floor((N - 1) / tableSeq) * tableSeq : N - 1;
  let tableTotal = 0;
  for (let i = 1; i <= tableTargets; i++) tableTotal += targetBytes(o.table, o.tokens[i - 1], o.tokens[i]);
  const manifestTable = o.manifestTable?.bytes ?? null;
  if (manifestTable !== null && tableTotal !== manifestTable) {
    throw new PgolfError("EVAL_BYTES", `the validation stream's byte-table total is ${tableTotal}, the course manifest says ${manifestTable}`, {
      fix: "the validation shards or the tokenizer do not match the course; run `pgolf data verify`",
      details: { table_total: tableTotal, manifest_table: manifestTable },
    });
  }

  const seed = o.probeSeed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = new Rng(seed);
  const nProbes = Math.min(o.probes ?? DEFAULT_PROBES, chunks);
  const probed = new Set<number>();
  while (probed.size < nProbes) probed.add(Math.floor(rng.uniform() * chunks));

  const dist = { rows: 0, max: 0 };
  const causal = { probes: 0, rows: 0, max: 0 };
  let nats = 0;
  let bytes = 0;
  try {
    const ready = await model.request(
      MessageKind.HELLO,
      { protocol: 1, vocab_size: V, bos: o.tokens[0], artifact: o.artifactFile, config: o.config ?? {}, threads: o.threads ?? null, chunk_tokens: C, targets: T },
      undefined,
      MessageKind.READY,
    );
    const ask = async (c: number, start: number, tokens: Int32Array): Promise<Float32Array> => {
      const m = await model.request(MessageKind.SCORE, { chunk: c, start }, int32Payload(tokens), MessageKind.DIST);
      const lp = payloadFloat32(m);
      if (lp.length !== tokens.length * V) {
        throw new PgolfError("EVAL_DISTRIBUTION", `chunk ${c}: the model returned ${lp.length} log-probabilities for ${tokens.length} targets x ${V} tokens`, {
          fix: "return one full distribution (vocab_size float32 log-probabilities) per target",
          details: { chunk: c, expected: tokens.length * V, actual: lp.length },
        });
      }
      return lp;
    };
    // One chunk's answers: the real one and, for a probed chunk, the probe (sent before or after it).
    interface Answer {
      c: number;
      start: number;
      real: Int32Array;
      lp: Float32Array;
      probe?: { p: number; lp: Float32Array };
    }
    const fetchChunk = async (c: number): Promise<Answer> => {
      const start = 1 + c * C;
      const n = Math.min(C, T + 1 - start);
      const real = new Int32Array(n);
      for (let j = 0; j < n; j++) real[j] = o.tokens[start + j];
      if (!probed.has(c)) return { c, start, real, lp: await ask(c, start, real) };
      const p = Math.floor(rng.uniform() * n);
      const alt = real.slice();
      for (let j = p; j < n; j++) alt[j] = (real[j] + 1 + Math.floor(rng.uniform() * (V - 1))) % V;
      const probeFirst = rng.uniform() < 0.5;
      const before = probeFirst ? await ask(c, start, alt) : undefined;
      const lp = await ask(c, start, real);
      return { c, start, real, lp, probe: { p, lp: before ?? (await ask(c, start, alt)) } };
    };
    // Checks and tallies one chunk's answers (run while the model works on the next chunk).
    const check = ({ c, start, real, lp, probe }: Answer) => {
      const n = real.length;
      for (let j = 0; j < n; j++) {
        const err = sumError(lp, j * V, V);
        dist.rows++;
        if (!Number.isFinite(err) || Math.abs(err) > DIST_TOLERANCE) {
          throw new PgolfError("EVAL_DISTRIBUTION", `target ${start + j}: the distribution ${Number.isFinite(err) ? `sums to ${(1 + err).toPrecision(6)}` : "has a value that is not finite"} (tolerance ${DIST_TOLERANCE})`, {
            fix: "return normalized natural-log probabilities (log_softmax of the logits), all finite",
            details: { position: start + j, sum: 1 + err },
          });
        }
        dist.max = Math.max(dist.max, Math.abs(err));
        nats -= lp[j * V + real[j]];
        bytes += targetBytes(o.table, o.tokens[start + j - 1], real[j]);
      }
      if (probe) {
        causal.probes++;
        for (let j = 0; j <= probe.p; j++) {
          const d = l1(lp, probe.lp, j * V, V);
          causal.rows++;
          causal.max = Number.isNaN(d) ? Infinity : Math.max(causal.max, d);
          if (!(d <= PROBE_TOLERANCE)) {
            throw new PgolfError("EVAL_CAUSALITY", `chunk ${c}, target ${start + j}: the distribution changed by L1 ${d.toExponential(3)} when only tokens from ${start + probe.p} on (not yet revealed) were replaced`, {
              fix: "a distribution may depend only on the tokens before its target; learn from a chunk in observe(), after it is scored",
              details: { chunk: c, position: start + j, replaced_from: start + probe.p, l1: d, tolerance: PROBE_TOLERANCE },
            });
          }
        }
      }
      partial.targets_scored += n;
      partial.chunks_scored++;
      o.onProgress?.({ targets: partial.targets_scored, total: T });
    };
    let next: Promise<Answer> | undefined = chunks > 0 ? fetchChunk(0) : undefined;
    for (let c = 0; c < chunks; c++) {
      const answer = await next!;
      // The answer is fixed now: reveal the chunk for learning, start the next one, then check this one.
      await model.request(MessageKind.OBSERVE, { chunk: c, start: answer.start }, int32Payload(answer.real), MessageKind.OK);
      next = c + 1 < chunks ? fetchChunk(c + 1) : undefined;
      next?.catch(() => undefined); // a failure is rethrown where it is awaited
      check(answer);
    }
    return {
      val_loss: nats / T,
      val_bpb: nats / Math.LN2 / bytes,
      targets: T,
      bytes,
      chunks,
      seconds: (performance.now() - t0) / 1000,
      model: String(ready.header.model ?? ready.header.name ?? model.kind),
      checks: {
        distributions: { rows: dist.rows, max_sum_error: dist.max, tolerance: DIST_TOLERANCE, passed: true },
        causality: { probes: causal.probes, rows_compared: causal.rows, max_l1: causal.max, tolerance: PROBE_TOLERANCE, seed, passed: true },
        bytes: { scored: bytes, table_total: tableTotal, manifest_table: manifestTable, raw_utf8: o.rawUtf8Bytes ?? null, passed: true },
      },
      truncated: T < full,
    };
  } catch (e) {
    model.abort(e as Error);
    failWith(e, partial);
  }
}
