// Training throughput of the golf template's architecture (`npm run bench`, after the cpu-small line):
// pgolf against the PyTorch peer with the same options (bench/peers/torch_train.py; BigramHash,
// SmearGate, partial RoPE, XSA switched on by environment variables), and against the baseline
// template's architecture measured in the same run, as a ratio. Both architectures are read from the
// templates when the bench runs (config.json's `model`, `model_overrides` and `train_batch_tokens`),
// never copied here: the golf config is tuned over time, and until templates/golf/config.json exists
// (the golf template is then the baseline's config) this is skipped with a note.
// Run alone (a smoke run with tiny settings: STEPS timed steps, another golf config file, a baseline
// config file): node --import tsx bench/golf_arch.ts [STEPS] [GOLF_CONFIG] [BASELINE_CONFIG]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { gptConfig, type GPTConfig } from "../src/model/config.js";
import { benchTrain, type BenchTrainResult } from "../src/train/bench_train.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The architecture an entry template trains: its config.json's model keys and batch. */
export interface TemplateArch {
  file: string;
  model: string;
  model_overrides: Record<string, unknown>;
  train_batch_tokens: number;
  seq_len: number;
  /** train_batch_tokens / seq_len: rows per step. */
  rows: number;
}

/** Reads `file` (a template's config.json): an architecture, or a string saying what is wrong with it. */
export function templateArch(file: string): TemplateArch | string {
  const rel = path.resolve(file).startsWith(root + path.sep) ? path.relative(root, file) : file;
  if (!fs.existsSync(file)) return `${rel} does not exist`;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    return `${rel} is not JSON: ${(e as Error).message}`;
  }
  const overrides = j.model_overrides ?? {};
  if (typeof j.model !== "string" || typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) return `${rel} needs "model" (a name) and "model_overrides" (an object)`;
  let c: GPTConfig;
  try {
    c = gptConfig(j.model, overrides as Record<string, unknown>);
  } catch (e) {
    return `${rel}: ${(e as Error).message}`;
  }
  const tokens = j.train_batch_tokens;
  if (typeof tokens !== "number" || !Number.isInteger(tokens / c.seqLen) || tokens < c.seqLen) return `${rel}: train_batch_tokens ${String(tokens)} is not a positive multiple of the sequence length ${c.seqLen}`;
  return { file: rel, model: j.model, model_overrides: overrides as Record<string, unknown>, train_batch_tokens: tokens, seq_len: c.seqLen, rows: tokens / c.seqLen };
}

export interface GolfArchResult {
  cpu: string;
  threads: number;
  golf: TemplateArch;
  baseline: TemplateArch;
  /** The golf architecture, pgolf and the peer with the same options (`peer`, `ratio_train`, `ratio_eval`). */
  pgolf: BenchTrainResult;
  /** The baseline architecture in this run: the cpu-small line's measurement when it is the same model and batch. */
  baseline_run: { train_tokens_per_s: number; eval_tokens_per_s: number; train_step_ms: number; measured: "with the cpu-small line" | "here" };
  /** golf / baseline tokens/s. */
  ratio_train_vs_baseline: number;
  ratio_eval_vs_baseline: number;
}

export interface GolfArchOptions {
  /** Prints a line (results and progress). */
  line: (s: string) => void;
  /** The baseline architecture's run already made in this bench (reused when it is the same model and batch). */
  reference?: BenchTrainResult;
  golfConfig?: string;
  baselineConfig?: string;
  steps?: number;
  evalSteps?: number;
  threads?: number;
}

const describe = (r: BenchTrainResult) => `${r.config}${r.options.length > 0 ? ` with ${r.options.join(", ")}` : ""}`;

export async function golfArchBench(o: GolfArchOptions): Promise<GolfArchResult | null> {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const threads = o.threads ?? 2;
  const golf = templateArch(o.golfConfig ?? path.join(root, "templates/golf/config.json"));
  if (typeof golf === "string") {
    o.line(`train golf architecture: skipped, ${golf} (the golf template has no config of its own yet)`);
    return null;
  }
  const baseline = templateArch(o.baselineConfig ?? path.join(root, "templates/baseline/config.json"));
  if (typeof baseline === "string") {
    o.line(`train golf architecture: skipped, the baseline's ${baseline}`);
    return null;
  }
  const say = (s: string) => o.line(`  ${s}`);
  const run = { steps: o.steps, evalSteps: o.evalSteps, threads, onLine: say };
  const g = await benchTrain({ config: golf.model, overrides: golf.model_overrides, batch: golf.rows, ...run });
  const ref = o.reference;
  const reuse = ref !== undefined && ref.config === baseline.model && isDeepStrictEqual(ref.overrides, baseline.model_overrides) && ref.batch === baseline.rows && ref.threads === threads;
  const b = reuse ? ref : await benchTrain({ config: baseline.model, overrides: baseline.model_overrides, batch: baseline.rows, ...run, peer: false });
  const result: GolfArchResult = {
    cpu,
    threads,
    golf,
    baseline,
    pgolf: g,
    baseline_run: { train_tokens_per_s: b.train_tokens_per_s, eval_tokens_per_s: b.eval_tokens_per_s, train_step_ms: b.train_step_ms, measured: reuse ? "with the cpu-small line" : "here" },
    ratio_train_vs_baseline: g.train_tokens_per_s / b.train_tokens_per_s,
    ratio_eval_vs_baseline: g.eval_tokens_per_s / b.eval_tokens_per_s,
  };
  o.line(
    `train golf architecture on ${cpu} (${golf.file}: ${describe(g)}, ${g.params.toLocaleString("en-US")} params, batch ${g.batch}x${g.seq_len}, ${threads} threads): pgolf ${g.train_tokens_per_s.toFixed(0)} tokens/s (${g.train_step_ms.toFixed(0)} ms/step, MFU ${(100 * g.mfu).toFixed(0)}% of ${g.gemm_gflops.toFixed(0)} GFLOP/s measured), eval ${g.eval_tokens_per_s.toFixed(0)} tokens/s, peak RSS ${g.peak_rss_mib.toFixed(0)} MiB`,
  );
  o.line(
    g.peer
      ? `  vs ${g.peer.peer} with the same options (${g.peer.params.toLocaleString("en-US")} params${g.peer.params === g.params ? "" : ": NOT pgolf's count"}): train ${g.peer.train_tokens_per_s.toFixed(0)} tokens/s (${g.ratio_train!.toFixed(2)}x), eval ${g.peer.eval_tokens_per_s.toFixed(0)} tokens/s (${g.ratio_eval!.toFixed(2)}x)`
      : `  ${g.peer_note}`,
  );
  o.line(
    `  golf vs baseline architecture (${baseline.file}: ${describe(b)}, batch ${b.batch}x${b.seq_len}, ${reuse ? "the cpu-small line's run" : "measured here"}): train ${g.train_tokens_per_s.toFixed(0)} vs ${b.train_tokens_per_s.toFixed(0)} tokens/s (${result.ratio_train_vs_baseline.toFixed(2)}x), eval ${g.eval_tokens_per_s.toFixed(0)} vs ${b.eval_tokens_per_s.toFixed(0)} tokens/s (${result.ratio_eval_vs_baseline.toFixed(2)}x)`,
  );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [steps, golfConfig, baselineConfig] = process.argv.slice(2);
  const r = await golfArchBench({ line: (s) => process.stdout.write(s + "\n"), steps: Number(steps) || undefined, evalSteps: Number(steps) || undefined, golfConfig, baselineConfig });
  process.stdout.write(JSON.stringify(r) + "\n");
}
