// Evaluation throughput: pgolf's trusted evaluator end to end (the baseline entry's cpu-small model in
// the sandbox, every target's full distribution over the protocol, the normalization check, and the
// causality probes answered by a second, fresh model instance, 2 threads) against the PyTorch peer's
// forward pass over the same validation stream (bench/peers/torch_train_sotu.py with a 0 s budget:
// windows of 256, loss only, 2 threads), measured in the same run. The same artifact is also scored
// without probes (no prober started), so the probes' cost is a ratio of two figures of one run.
// Run alone: node --import tsx bench/eval_speed.ts
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { runSeeds, scoreArtifact } from "../src/eval/run_seeds.js";
import { DEFAULT_PROBES } from "../src/eval/stream_eval.js";
import { withBaselineEntry } from "./baseline_workspace.js";

export interface EvalSpeedResult {
  cpu: string;
  pgolf: { targets: number; seconds: number; tokens_per_s: number; probes: number; rows_compared: number };
  /** The same artifact scored without probes (no second instance). */
  no_probes: { seconds: number; tokens_per_s: number };
  /** Throughput with probes over without: what the probes cost. */
  probe_ratio: number;
  peer: { peer: string; targets: number; seconds: number; tokens_per_s: number } | null;
  ratio: number | null;
  peer_note: string | null;
}

export async function evalSpeedBench(say: (s: string) => void = () => {}): Promise<EvalSpeedResult> {
  return withBaselineEntry("evalspeed", async ({ root, work, cpu, courseDir, entryDir, track: t }) => {
    // a few seconds of training: the artifact's weights do not change the evaluation's cost
    const [r] = await runSeeds({ entryDir, courseDir, track: t, seeds: [1], minutes: 0.05, outDir: path.join(work, "runs") });
    const pgolf = { targets: r.eval_targets, seconds: r.eval_seconds, tokens_per_s: r.eval_targets / r.eval_seconds, probes: r.eval_checks.causality.probes, rows_compared: r.eval_checks.causality.rows_compared };
    say(`${cpu}: pgolf trusted evaluator: ${pgolf.targets.toLocaleString("en-US")} targets in ${pgolf.seconds.toFixed(1)} s = ${pgolf.tokens_per_s.toFixed(0)} tokens/s (${pgolf.probes} probes by a fresh instance, ${pgolf.rows_compared.toLocaleString("en-US")} rows compared exactly; model load included)`);
    const bare = await scoreArtifact({ entryDir, artifactFile: r.artifact, courseDir, track: t, probes: 0 });
    const no_probes = { seconds: bare.seconds, tokens_per_s: bare.targets / bare.seconds };
    say(`  the same artifact without probes: ${no_probes.seconds.toFixed(1)} s = ${no_probes.tokens_per_s.toFixed(0)} tokens/s; ${DEFAULT_PROBES} probes keep ${((100 * pgolf.tokens_per_s) / no_probes.tokens_per_s).toFixed(0)}% of it`);
    const base = { cpu, pgolf, no_probes, probe_ratio: pgolf.tokens_per_s / no_probes.tokens_per_s };
    if (spawnSync("/usr/bin/python3", ["-c", "import torch, sentencepiece"], { stdio: "ignore" }).status !== 0) {
      return { ...base, peer: null, ratio: null, peer_note: "PyTorch peer skipped: install python3-torch, libopenblas0-pthread and python3-sentencepiece" };
    }
    const p = spawnSync("/usr/bin/python3", [path.join(root, "bench/peers/torch_train_sotu.py"), courseDir, "0"], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (p.status !== 0) return { ...base, peer: null, ratio: null, peer_note: `PyTorch peer failed: ${p.stderr.trim().split("\n").pop()}` };
    const j = JSON.parse(p.stdout.trim().split("\n").pop()!);
    const peer = { peer: j.peer as string, targets: j.val_targets as number, seconds: j.eval_seconds as number, tokens_per_s: j.eval_tokens_per_s as number };
    say(`${peer.peer} forward pass: ${peer.targets.toLocaleString("en-US")} targets in ${peer.seconds.toFixed(1)} s = ${peer.tokens_per_s.toFixed(0)} tokens/s`);
    return { ...base, peer, ratio: pgolf.tokens_per_s / peer.tokens_per_s, peer_note: null };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await evalSpeedBench((s) => process.stdout.write(s + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
