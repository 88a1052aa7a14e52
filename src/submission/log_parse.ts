// One training log -> what it shows about one seed (a SeedLog without its sha256, which the reader
// adds from the file's bytes). Logs of the original contest come in several styles; these are the
// lines recognized, read after an optional timestamp prefix (epoch seconds or milliseconds such as
// `1774000000.123 `, `[1774000000] `, ISO `2026-03-19T10:00:00Z `, or `12:00:01 `) is stripped:
//
// Runs. A log may hold several runs (a script started again, appended to the same file). A new run
// starts at `val_bpb:enabled ...` (reference train_gpt.py), `Hyperparameters:` /
// `--- Hyperparameters ---` (dumps), or `pgolf <version> track:<t> seed:<n>` (pgolf's harness), but
// only once the current run has content (a step line, a stopping line or a final); lines before the
// first marker (torchrun banners, `Running GDN hybrid with:` env dumps) belong to the first run.
// A run is complete when it has a scored final. The last complete run is the one read: an earlier
// complete run is superseded by a later complete one, and a later run that crashed or stopped before
// its final does not override an earlier scored one. With no complete run, the last run with content
// is read (for its curves and bytes) and `final` is null.
//
// Finals, in precedence order (first wins; within one kind an `_exact` / 8-digit line beats its
// rounded twin, which beats a `ttt_sliding:done` summary; a tie goes to the later line):
//   legal_ttt  `legal_ttt(_exact) val_loss:X val_bpb:Y`, `ttt_sliding:done val_loss=X val_bpb=Y
//              elapsed=Ns`, and any other `*ttt*` final (`final_int6_ttt`, `quantized_ttt`) when the
//              run shows a score-first chunked TTT (`ttt_sliding:start ...` or `ttt:start chunks=...`)
//   ttt        other TTT finals: `final_ttt_lora`, `final_int8_ttt_lora`, `final_int6_ttt` ...
//   sliding    `final_*sliding*` (`final_int6_sliding_window(_exact)`, `final_sliding_window_eval(_exact)
//              stride:64 ...`, `final_sliding ... (stride=16, T=0.90)`), `quantized_sliding_window`; also a
//              roundtrip final of a run that declared `final_eval_mode:sliding_window` or "starting
//              sliding window eval" (the reference then scores the roundtrip with a sliding window)
//   roundtrip  `final_int8_zlib_roundtrip(_exact)`, `final_int6_roundtrip(_exact)`, `final_ternary_roundtrip`,
//              `final_binary_roundtrip`, `final_xnor_roundtrip`, `final_INT7_zlib_roundtrip`,
//              `final_roundtrip`, `final_temped`, `quantized val_loss:...` — any `final_*` / `quantized*` /
//              `legal_ttt*` line with `val_bpb[:=]`
//   pgolf      the roundtrip lines of a pgolf-native log (its trusted evaluator writes them)
// Never finals: periodic `step:N/M val_loss:... val_bpb:...` and `N/M val_loss: ...` lines,
// `DIAGNOSTIC post_ema ...`, `pre-quantization post-ema ...`, `ttt_chunk [..] bpb=`, `sliding_eval [..]
// running_bpb=`, `jepa_diagnostics ... probe_bpb:`, `val_bpb:enabled`, a `val_bpb: X` summary block.
//
// Seed: `seed:N` / `  seed: N` (reference and Hyperparameters dumps), `seed=N` (key=value dumps),
// `SEED=N` (env dumps), `--seed N`; the first one in the read run, else the first in the file.
// File-name seed: `seed42`, `seed_42`, `seed-42`, `_s42`, `_log_42.txt`.
// Bytes (the last of each in the read run): total `Total submission size[ <codec>]: N bytes`,
// `Total submission: N bytes`, `budget:N/16000000`, `artifact_bytes: N`; model `Serialized model[ <codec>]:
// N bytes`, `<codec> model: N bytes`; code `Code size: N bytes`, `| Code: N bytes`, `artifact:... code:N`.
// Train seconds: `stopping_early: ... train_time:Nms` (or `over_cap: train_time:Nms`, or the pgolf harness's
// own `pgolf_timing: train_time:Nms ...`, the last of them winning), else the last
// step line's `train_time:Nms` / `train_time: N.Nm` / `t:Nms`.
// Post-stop training work: after the stop line, GPTQ / Hessian calibration phases with their own
// duration (`gptq:calibrated 66 layers in 6.7s`, `GPTQ:collected 67 Hessians in 11.4s`,
// `gptq:hessians collected layers=68 time=5.2s`, `... post_time:5200ms`). A phase is its
// announcing lines (`gptq:calibrating with 64 batches (training data)...`, `GPTQ:collecting Hessians
// from calibration data...`) and its first duration line; more duration lines with no new announcement
// belong to the same phase (the longest counts). Phases on data that is not training data do not
// count: autoregressive self-generated calibration (`AR self-gen`), random tokens, validation data.
// Applying the quantization (`quantized in`, `quantization done in`) reads no data and is not counted. Eval seconds: the scored final's
// `eval_time:Nms` / `time:Nms` / `elapsed=Ns`, else its rounded twin's. Steps: the stopping step, else the
// largest `step:N/M` / `N/M` seen. Curves: `train_loss`/`loss` and `val_bpb` of the step lines.
import type { Evidence, LoggedValue, PostStopWork, ScoreKind, SeedLog } from "./normalized_record.js";

export type ParsedLog = Omit<SeedLog, "sha256">;

export interface ParseOptions {
  /** The log belongs to a pgolf-native record: its roundtrip finals are kind "pgolf". */
  pgolf?: boolean;
}

interface Line {
  /** 1-based line number in the file. */
  n: number;
  /** The line without its timestamp prefix, trimmed. */
  text: string;
  raw: string;
}

const NUM = String.raw`(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`;
const TIMESTAMP_PREFIXES = [
  /^\[?\d{10}(?:\d{3})?(?:\.\d+)?\]?(?:\s*[|:-])?\s+/, // epoch seconds or ms
  /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?(?:\s*[|:-])?\s+/, // ISO
  /^\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?(?:\s*[|-])?\s+/, // time of day
];

/** A line without a leading timestamp (epoch, ISO or time of day). */
export function stripTimestamp(line: string): string {
  for (const re of TIMESTAMP_PREFIXES) {
    const m = re.exec(line);
    if (m) return line.slice(m[0].length);
  }
  return line;
}

const RUN_START = /^(?:val_bpb:enabled\b|Hyperparameters:|--- Hyperparameters ---|pgolf \S+ track:\S+ seed:)/;
const STEP = /^step:\s*(\d+)\s*\/\s*(\d+)\b(.*)$/;
const BARE_STEP = /^(\d+)\/(\d+)\s+((?:train_loss|val_loss)\b.*)$/;
const STOPPING = /^(?:stopping_early|over_cap|pgolf_timing)\b/;
const SEED_PATTERNS = [/(?:^|[\s,|(])seed\s*[:=]\s*(-?\d+)(?![\d.])/i, /--seed[\s=]+(-?\d+)(?![\d.])/];
const TOTAL_PATTERNS = [/^Total submission size\b[^:]*:\s*(\d+)\s*bytes/, /\bTotal submission:\s*(\d+)\s*bytes/, /^budget:\s*(\d+)\s*\/\s*\d+/, /^artifact_bytes:\s*(\d+)\s*$/];
const MODEL_PATTERNS = [/^Serialized model\b[^:]*:\s*(\d+)\s*bytes/, /^\S+ model:\s*(\d+)\s*bytes/];
const CODE_PATTERNS = [/^Code size:\s*(\d+)\s*bytes/, /\|\s*Code:\s*(\d+)\s*bytes/, /^artifact:.*\bcode:(\d+)\b/];
const TRAIN_TIME = /\b(?:train_time|t)\s*[:=]\s*(\d+(?:\.\d+)?)\s*(ms|m|s)\b/;
/** A line about GPTQ calibration or Hessian collection (reading data through the model). */
const CALIBRATION = /hessian|calibrat/i;
/** Quantizing with the collected Hessians: no data is read. */
const QUANTIZING = /quantiz/i;
/** Calibration data that is not training data (`ar_selfgen=0` is not self-generation). */
const NOT_TRAINING_DATA = [/autoregressive|self[-_ ]?gen(?![=:]\s*0)|random tokens|\bval(?:idation)?[ _]data\b|source\s*[:=]\s*(?:val|ar|self|random)/i, /\bAR\b/];
const TRAINING_DATA = /\btrain(?:ing)?[ _]data\b|\btraining (?:batches|shards)\b|source\s*[:=]\s*train/i;
/** A phase's own duration, in order of preference: `post_time:Nms`, `in N.Ns`, `time=N.Ns` / `elapsed N s`. */
const DURATIONS = [/\bpost_time\s*[:=]\s*(\d+(?:\.\d+)?)\s*(ms|s)\b/, /\bin\s+(\d+(?:\.\d+)?)\s*(ms|s)\b/, /\b(?:time|elapsed|took)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(ms|s)\b/];
/** Score kinds in precedence order (first wins). */
export const KIND_ORDER: ScoreKind[] = ["legal_ttt", "ttt", "sliding", "roundtrip", "pgolf", "other"];

function num(re: RegExp, text: string): number | null {
  const m = re.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : null;
}

const valBpbOf = (t: string) => num(new RegExp(String.raw`\bval_bpb\s*[:=]\s*${NUM}`), t);
const valLossOf = (t: string) => num(new RegExp(String.raw`\bval_loss\s*[:=]\s*${NUM}`), t);
const trainLossOf = (t: string) => num(new RegExp(String.raw`\b(?:train_loss|loss)\s*[:=]\s*${NUM}`), t);

function evalMsOf(t: string): number | null {
  const ms = num(/\b(?:eval_time|time)\s*[:=]\s*(\d+(?:\.\d+)?)ms\b/, t);
  if (ms !== null) return ms;
  const s = num(/\belapsed\s*[:=]\s*(\d+(?:\.\d+)?)s\b/, t);
  return s === null ? null : s * 1000;
}

function evidence(file: string, l: Line): Evidence {
  return { file, line: l.n, text: l.raw.trim().slice(0, 200) };
}

/** The seed a log's file name suggests: train_seed42.log, seed_42, log_10mins_seed-42.txt, x_s42.txt, ternary_log_42.txt. */
export function seedFromFileName(file: string): number | null {
  const base = file.split(/[\\/]/).pop() ?? file;
  const m = /seed[-_]?(\d+)/i.exec(base) ?? /(?:^|[_-])s(\d+)(?=[._-]|$)/.exec(base) ?? /(?:^|[_-])log[_-](\d+)\.[a-z]+$/i.exec(base);
  return m ? Number(m[1]) : null;
}

/** Whether a text file looks like a training log (step lines, val_bpb or final lines). */
export function looksLikeTrainingLog(text: string): boolean {
  return /^(?:\S+\s+)?step:\s*\d+\s*\/\s*\d+|^\d+\/\d+ (?:train_loss|val_loss)|\bval_bpb\b|^final_\w+ val_loss/m.test(text);
}

interface Final {
  line: Line;
  kind: ScoreKind;
  /** 0: summary (ttt_sliding:done), 1: rounded, 2: exact. */
  rank: number;
  name: string;
  val_loss: number | null;
  val_bpb: number;
}

interface Run {
  lines: Line[];
  content: boolean;
  finals: Final[];
}

/** The scored-final candidate a line is, in the context of its run so far, or null. */
function finalOf(l: Line, ctx: { pgolf: boolean; scoreFirstTtt: boolean; slidingMode: boolean }): Final | null {
  const name = l.text.split(/\s+/, 1)[0];
  const val_bpb = valBpbOf(l.text);
  if (val_bpb === null) return null;
  const val_loss = valLossOf(l.text);
  const lower = name.toLowerCase();
  if (lower === "ttt_sliding:done") return { line: l, kind: "legal_ttt", rank: 0, name, val_loss, val_bpb };
  if (!/^(?:final|quantized|legal_ttt)/.test(lower) || lower.startsWith("final_eval_mode")) return null;
  if (/diagnostic|pre_?quant|post_ema/.test(lower)) return null;
  const exact = /_exact\b/.test(lower) || /\bval_bpb\s*[:=]\s*-?\d+\.\d{6,}/.test(l.text);
  let kind: ScoreKind;
  if (lower.includes("ttt")) kind = lower.includes("legal") || ctx.scoreFirstTtt ? "legal_ttt" : "ttt";
  else if (lower.includes("sliding")) kind = "sliding";
  else if (ctx.pgolf) kind = "pgolf";
  else kind = ctx.slidingMode ? "sliding" : "roundtrip";
  return { line: l, kind, rank: exact ? 2 : 1, name, val_loss, val_bpb };
}

function splitRuns(lines: Line[], pgolf: boolean): Run[] {
  const runs: Run[] = [];
  let cur: Run = { lines: [], content: false, finals: [] };
  let ctx = { pgolf, scoreFirstTtt: false, slidingMode: false };
  for (const l of lines) {
    if (RUN_START.test(l.text) && cur.content) {
      runs.push(cur);
      cur = { lines: [], content: false, finals: [] };
      ctx = { pgolf, scoreFirstTtt: false, slidingMode: false };
    }
    cur.lines.push(l);
    if (/^ttt_sliding:start\b|^ttt:start\b.*\bchunks=/.test(l.text)) ctx.scoreFirstTtt = true;
    if (/^final_eval_mode:sliding_window\b|starting sliding window eval/i.test(l.text)) ctx.slidingMode = true;
    if (STEP.test(l.text) || BARE_STEP.test(l.text) || STOPPING.test(l.text)) cur.content = true;
    const f = finalOf(l, ctx);
    if (f) {
      cur.finals.push(f);
      cur.content = true;
    }
  }
  runs.push(cur);
  return runs;
}

function bestFinal(finals: Final[]): Final | null {
  let best: Final | null = null;
  for (const f of finals) {
    if (!best) {
      best = f;
      continue;
    }
    const a = KIND_ORDER.indexOf(f.kind);
    const b = KIND_ORDER.indexOf(best.kind);
    if (a < b || (a === b && f.rank >= best.rank)) best = f;
  }
  return best;
}

function lastMatch(run: Run, patterns: RegExp[], file: string): LoggedValue<number> | null {
  let found: LoggedValue<number> | null = null;
  for (const l of run.lines) {
    for (const re of patterns) {
      const v = num(re, l.text);
      if (v !== null) {
        found = { value: v, evidence: evidence(file, l) };
        break;
      }
    }
  }
  return found;
}

function seedIn(lines: Line[], file: string): LoggedValue<number> | null {
  for (const l of lines) {
    for (const re of SEED_PATTERNS) {
      const v = num(re, l.text);
      if (v !== null && Number.isInteger(v)) return { value: v, evidence: evidence(file, l) };
    }
  }
  return null;
}

function seconds(value: number, unit: string): number {
  return unit === "ms" ? value / 1000 : unit === "m" ? value * 60 : value;
}

/** The duration a line gives, seconds, or null. */
function durationOf(text: string): number | null {
  for (const re of DURATIONS) {
    const m = re.exec(text);
    if (m) return seconds(Number(m[1]), m[2]);
  }
  return null;
}

/** GPTQ / Hessian calibration on training data logged after the stop line of a run (see the header). */
function postStopTraining(lines: Line[], file: string): PostStopWork[] {
  const stop = lines.findIndex((l) => STOPPING.test(l.text));
  if (stop < 0) return [];
  const out: { work: PostStopWork; training: boolean }[] = [];
  let announced: Line[] = [];
  for (const l of lines.slice(stop + 1)) {
    if (!CALIBRATION.test(l.text) || QUANTIZING.test(l.text)) continue;
    const secs = durationOf(l.text);
    if (secs === null) {
      announced.push(l);
      continue;
    }
    const phase = [...announced, l].map((x) => x.text).join(" | ");
    const selfMade = NOT_TRAINING_DATA.some((re) => re.test(phase));
    const what = `${/gptq/i.test(phase) ? "GPTQ " : ""}${/calibrat/i.test(phase) ? "calibration" : "Hessian collection"}`;
    const data = TRAINING_DATA.test(phase) ? "training" : "unnamed";
    const last = out.at(-1);
    if (last && announced.length === 0) {
      // another duration of the same phase (a summary line, or every rank logging it): keep the longest
      if (secs > last.work.seconds) last.work = { ...last.work, seconds: secs, evidence: evidence(file, l) };
    } else out.push({ work: { what, data, seconds: secs, evidence: evidence(file, l) }, training: !selfMade });
    announced = [];
  }
  return out.filter((x) => x.training).map((x) => x.work);
}

/** What a training log shows. `file` is the log's path relative to its record folder (used in evidence). */
export function parseLog(text: string, file: string, opts: ParseOptions = {}): ParsedLog {
  const lines: Line[] = text.split("\n").map((raw, i) => {
    // a progress bar rewrites its line with \r: keep what was shown last
    const shown = raw.replace(/\r$/, "").split("\r").pop() ?? "";
    return { n: i + 1, raw: shown, text: stripTimestamp(shown.trim()).trim() };
  });
  const pgolf = opts.pgolf === true || lines.some((l) => /^pgolf \S+ track:\S+ seed:\d+/.test(l.text));
  const runs = splitRuns(lines, pgolf);
  const complete = runs.filter((r) => r.finals.length > 0);
  const run = complete.at(-1) ?? runs.filter((r) => r.content).at(-1) ?? runs[runs.length - 1];

  const best = bestFinal(run.finals);
  let final: ParsedLog["final"] = null;
  let evalSeconds: LoggedValue<number> | null = null;
  if (best) {
    final = { value: { val_loss: best.val_loss, val_bpb: best.val_bpb }, evidence: evidence(file, best.line), kind: best.kind };
    let ms = evalMsOf(best.line.text);
    let at = best.line;
    if (ms === null) {
      // an _exact line carries no time; its rounded twin (same name without _exact) does
      const twin = best.name.replace(/_exact$/, "");
      const l = run.lines.filter((x) => x.n < best.line.n && x.text.split(/\s+/, 1)[0] === twin && evalMsOf(x.text) !== null).at(-1);
      if (l) {
        ms = evalMsOf(l.text);
        at = l;
      }
    }
    if (ms !== null) evalSeconds = { value: ms / 1000, evidence: evidence(file, at) };
  }

  const trainCurve: [number, number][] = [];
  const valCurve: [number, number][] = [];
  let maxStep: number | null = null;
  let stopStep: number | null = null;
  let stopTime: LoggedValue<number> | null = null;
  let stepTime: LoggedValue<number> | null = null;
  for (const l of run.lines) {
    if (STOPPING.test(l.text)) {
      const s = /\bstep:\s*(\d+)/.exec(l.text);
      if (s) stopStep = Number(s[1]);
      const t = TRAIN_TIME.exec(l.text);
      if (t) stopTime = { value: seconds(Number(t[1]), t[2]), evidence: evidence(file, l) };
      continue;
    }
    const m = STEP.exec(l.text) ?? BARE_STEP.exec(l.text);
    if (!m) continue;
    const step = Number(m[1]);
    const rest = m[3];
    maxStep = maxStep === null ? step : Math.max(maxStep, step);
    const bpb = valBpbOf(rest);
    if (bpb !== null) valCurve.push([step, bpb]);
    else {
      const loss = trainLossOf(rest);
      if (loss !== null) trainCurve.push([step, loss]);
    }
    const t = TRAIN_TIME.exec(rest);
    if (t) stepTime = { value: seconds(Number(t[1]), t[2]), evidence: evidence(file, l) };
  }

  const finalsByKind = KIND_ORDER.flatMap((kind) => {
    const f = bestFinal(run.finals.filter((x) => x.kind === kind));
    return f ? [{ value: { val_loss: f.val_loss, val_bpb: f.val_bpb }, evidence: evidence(file, f.line), kind: f.kind }] : [];
  });
  return {
    log: file,
    seed: seedIn(run.lines, file) ?? seedIn(lines, file),
    seedFromName: seedFromFileName(file),
    final,
    finalsByKind,
    bytesTotal: lastMatch(run, TOTAL_PATTERNS, file),
    bytesModel: lastMatch(run, MODEL_PATTERNS, file),
    bytesCode: lastMatch(run, CODE_PATTERNS, file),
    trainSeconds: stopTime ?? stepTime,
    postStopTraining: postStopTraining(run.lines, file),
    evalSeconds,
    steps: stopStep ?? maxStep,
    trainCurve,
    valCurve,
  };
}
