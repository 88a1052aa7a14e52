// Sliding-window evaluation's price and gain: one small baseline GPT (2 x 128, trained 60 s on the
// embedded course, eval_seq_len L = 128) scored by the trusted evaluator on the same validation
// targets at eval_stride S = L (non-overlapping), L/2 and L/4: eval tokens/s and val_bpb of each, in
// one run. With stride S the model runs about L/S positions per target. Scored without probes (no
// second instance), so the figure is the scorer's own throughput; 2 threads (the track's).
// Run alone: node --import tsx bench/eval_stride.ts
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { openCourse } from "../src/data/course.js";
import { scoreArtifact } from "../src/eval/run_seeds.js";
import { trainSeed } from "../src/train/harness.js";
import { withBaselineEntry } from "./baseline_workspace.js";

const L = 128;
const CONFIG = { model_overrides: { layers: 2, dim: 128, heads: 4, kvHeads: 2, seqLen: L }, train_batch_tokens: 4096, eval_seq_len: L, warmup_steps: 1, train_log_every: 50, warmdown_iters: 200 };

export interface EvalStrideResult {
  cpu: string;
  seq_len: number;
  train_seconds: number;
  targets: number;
  rows: { stride: number; tokens_per_s: number; seconds: number; val_bpb: number }[];
}

export async function evalStrideBench(say: (s: string) => void = () => {}, trainMinutes = 1, targets = 65_536): Promise<EvalStrideResult> {
  return withBaselineEntry("evalstride", async ({ work, cpu, courseDir, entryDir, track: t }) => {
    const trained = await trainSeed({ entryDir, course: openCourse(courseDir), track: t, seed: 1, minutes: trainMinutes, outDir: path.join(work, "run"), configOverrides: CONFIG });
    const rows: EvalStrideResult["rows"] = [];
    let scored = 0;
    for (const stride of [L, L / 2, L / 4]) {
      const r = await scoreArtifact({ entryDir, artifactFile: trained.artifact, courseDir, track: t, configOverrides: { ...CONFIG, eval_stride: stride }, maxTargets: targets, probes: 0 });
      scored = r.targets;
      rows.push({ stride, tokens_per_s: r.targets / r.seconds, seconds: r.seconds, val_bpb: r.val_bpb });
      const base = rows[0];
      say(`${cpu}: eval_seq_len ${L} eval_stride ${stride}: ${r.targets.toLocaleString("en-US")} targets in ${r.seconds.toFixed(1)} s = ${(r.targets / r.seconds).toFixed(0)} tokens/s (${((100 * r.targets) / r.seconds / base.tokens_per_s).toFixed(0)}% of S = L), val_bpb ${r.val_bpb.toFixed(4)} (${(r.val_bpb - base.val_bpb).toFixed(4)})`);
    }
    return { cpu, seq_len: L, train_seconds: trained.train_seconds, targets: scored, rows };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await evalStrideBench((s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
